"""Demo data of svc-enforcement (idempotent): the enforcement-item list and the officers' certificates.

Street occupation (占道经营) is delegated to both demo townships; illegal construction on
farmland is not (it goes to natural resources and planning, nrp); a coercive measure restricting
personal freedom is never delegable. Officers are the demo users with the enforcement_officer
role, plus one officer without a login whose certificate has expired.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from enforcement.categories import service as categories
from enforcement.decisions.models import ReviewerQualification
from enforcement.items.models import Delegation, ItemRevision
from enforcement.officers.models import Officer
from enforcement.officers.service import OFFICE_DEPT
from jiceng_shared import demo
from jiceng_shared.county import Organisation
from jiceng_shared.db import new_id
from jiceng_shared.service import ServiceContext

LIST_PUBLISHED = dt.date(2024, 1, 1)
#: placeholders of ITEMS resolved against the county seeded (ctx.org): every township; the first one
ALL_TOWNSHIPS = ("*",)
FIRST_TOWNSHIP = ("first",)


@dataclass(frozen=True)
class DemoItem:
    code: str
    name_zh: str
    categories: tuple[str, ...]
    competent_dept: str
    legal_basis: str
    kind: str = "penalty"
    delegable: bool = True
    restricts_personal_freedom: bool = False
    delegated_to: tuple[str, ...] = ()


ITEMS = (
    DemoItem(
        "ZF-CG-001",
        "对擅自占用城市道路、公共场所从事经营活动（占道经营）的行政处罚",
        ("street_occupation",),
        "cle",
        "《城市市容和环境卫生管理条例》第十四条、第三十六条",
        delegated_to=ALL_TOWNSHIPS,
    ),
    DemoItem(
        "ZF-GH-064",
        "对未取得建设工程规划许可证或者未按照许可证规定进行建设的行政处罚",
        ("illegal_construction",),
        "nrp",
        "《中华人民共和国城乡规划法》第六十四条",
        delegated_to=ALL_TOWNSHIPS,
    ),
    DemoItem(
        "ZF-TD-077",
        "对未经批准非法占用土地（含农用地）进行建设的行政处罚",
        ("illegal_construction_farmland",),
        "nrp",
        "《中华人民共和国土地管理法》第七十七条",
    ),
    DemoItem(
        "ZF-AQ-102",
        "对生产经营单位未采取措施消除事故隐患的行政处罚",
        ("safety_hazard",),
        "sep",
        "《中华人民共和国安全生产法》第一百零二条",
        delegated_to=FIRST_TOWNSHIP,
    ),
    DemoItem(
        "ZF-QZ-001",
        "对醉酒状态中危及本人或者他人安全的人员采取保护性约束措施（限制人身自由的行政强制措施）",
        ("public_security_hazard",),
        "psb",
        "《中华人民共和国治安管理处罚法》第十五条；《中华人民共和国行政强制法》第九条、第十七条（不得委托）",
        kind="coercive_measure",
        delegable=False,
        restricts_personal_freedom=True,
    ),
)

CERTIFICATES_VALID = (dt.date(2024, 1, 1), dt.date(2030, 12, 31))


@dataclass(frozen=True)
class DemoOfficer:
    username: str
    name: str
    township_code: str
    certificate_number: str
    valid_from: dt.date
    valid_until: dt.date


def demo_officers(org: Organisation | None = None) -> list[DemoOfficer]:
    org = org or demo.ORG
    first = org.townships[0]
    officers = []
    for user in demo.users_for(org):
        for role, area, _dept in user.bindings:
            if role == "enforcement_officer":
                seq = sum(1 for o in officers if o.township_code == area) + 1
                officers.append(
                    DemoOfficer(
                        user.username, user.display_name, area, f"苏{area[6:9]}ZF{seq:04d}", *CERTIFICATES_VALID
                    )
                )
    # a third officer of the first township (Bufeng; no login) whose certificate has expired: may not
    # be one of a case's officers
    officers.append(
        DemoOfficer(
            f"enforcement_officer3.{first.slug}",
            f"{first.name}执法人员丙",
            first.code,
            f"苏{first.code[6:9]}ZF0099",
            dt.date(2019, 1, 1),
            dt.date(2024, 12, 31),
        )
    )
    return officers


def demo_reviewers(org: Organisation | None = None) -> list[DemoOfficer]:
    """The demo legal reviewers, each with a legal professional qualification (法律职业资格)."""
    return [
        DemoOfficer(
            user.username, user.display_name, area, f"A2015{area[6:9]}{n:06d}", dt.date(2015, 9, 1), dt.date.max
        )
        for n, user in enumerate(demo.users_for(org or demo.ORG), start=1)
        for role, area, _dept in user.bindings
        if role == "legal_reviewer"
    ]


def _townships(delegated_to: tuple[str, ...], org: Organisation) -> tuple[str, ...]:
    if delegated_to is ALL_TOWNSHIPS:
        return tuple(t.code for t in org.townships)
    if delegated_to is FIRST_TOWNSHIP:
        return (org.townships[0].code,)
    return delegated_to


async def seed(ctx: ServiceContext) -> None:
    now = ctx.now()
    async with ctx.db.transaction() as session:
        # the first copy of the category dictionary (county file); dispatch.category.changed keeps it current
        await categories.seed_from_county(session, now)
        existing = set((await session.scalars(select(ItemRevision.code))).all())
        for item in ITEMS:
            if item.code in existing:
                continue
            revision_id = new_id()
            session.add(
                ItemRevision(
                    id=revision_id,
                    code=item.code,
                    revision=1,
                    name_zh=item.name_zh,
                    categories=list(item.categories),
                    competent_dept=item.competent_dept,
                    legal_basis=item.legal_basis,
                    kind=item.kind,
                    delegable=item.delegable,
                    restricts_personal_freedom=item.restricts_personal_freedom,
                    national_security=False,
                    effective_from=LIST_PUBLISHED,
                    effective_until=None,
                    created_at=now,
                    created_by="seed",
                    created_by_name="演示数据",
                    delegations=[
                        Delegation(
                            id=new_id(),
                            item_revision_id=revision_id,
                            township_code=t,
                            valid_from=LIST_PUBLISHED,
                            valid_until=None,
                        )
                        for t in _townships(item.delegated_to, ctx.org)
                    ],
                )
            )
        qualified = set((await session.scalars(select(ReviewerQualification.username))).all())
        for r in demo_reviewers(ctx.org):
            if r.username not in qualified:
                session.add(
                    ReviewerQualification(
                        id=new_id(),
                        username=r.username,
                        name=r.name,
                        township_code=r.township_code,
                        certificate_number=r.certificate_number,
                        valid_from=r.valid_from,
                        valid_until=None,
                        created_at=now,
                        updated_at=now,
                    )
                )
        known = set((await session.scalars(select(Officer.username))).all())
        for o in demo_officers(ctx.org):
            if o.username not in known:
                session.add(
                    Officer(
                        id=new_id(),
                        username=o.username,
                        name=o.name,
                        township_code=o.township_code,
                        dept=OFFICE_DEPT,
                        certificate_number=o.certificate_number,
                        valid_from=o.valid_from,
                        valid_until=o.valid_until,
                        created_at=now,
                        updated_at=now,
                    )
                )
