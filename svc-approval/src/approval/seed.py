"""Demo data of svc-approval (idempotent): a small real catalogue (demo-data.md "Lists") and window posts.

Items: an instant item (老年人优待证), a committed item delegated to Bufeng (宅基地和建房), a
cross-township item (城乡居民养老保险参保登记), a proxy-able county item with an appraisal
(残疾人证), and a county-hall item the township windows do not accept (建设工程规划许可).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from approval.catalogue.models import CatalogueItem
from approval.catalogue.schemas import ItemCreate
from approval.catalogue.service import write_version
from approval.frontdesk.models import Post
from jiceng_shared import demo
from jiceng_shared.county import Organisation
from jiceng_shared.db import new_id, utcnow
from jiceng_shared.identity import Principal
from jiceng_shared.service import ServiceContext

#: the demo lists are in force from the start of the demo year
EFFECTIVE_FROM = dt.date(2026, 1, 1)
#: placeholders of ITEMS resolved against the county seeded (ctx.org): every township; the first one
ALL_TOWNSHIPS = ["*"]
FIRST_TOWNSHIP = ["first"]
SEEDER = Principal(subject="seed", name="演示数据", kind="client")


def _m(code: str, name: str, requirement: str = "required", source: str | None = None) -> dict:
    return {"code": code, "name": name, "requirement": requirement, "shared_source": source}


HOUSEHOLD = _m("household_register", "居民户口簿", "shared", "公安人口信息库")
ID_CARD = _m("id_card", "居民身份证")

ITEMS = [
    {
        "code": "elderly_card",
        "name": "老年人优待证办理",
        "department": "soc",
        "delegated_townships": ALL_TOWNSHIPS,
        "kind": "instant",
        "proxy": True,
        "online": True,
        "conditions": "年满60周岁的本县户籍老年人",
        "legal_basis": "《中华人民共和国老年人权益保障法》第五十七条",
        "materials": [ID_CARD, _m("photo", "近期一寸免冠彩色照片"), HOUSEHOLD],
    },
    {
        "code": "homestead_building",
        "name": "农村宅基地和建房（规划许可）审批",
        "department": "nrp",
        "delegated_townships": FIRST_TOWNSHIP,
        "kind": "committed",
        "limit_workdays": 15,
        "conditions": "本集体经济组织成员，符合一户一宅和国土空间规划",
        "legal_basis": "《中华人民共和国土地管理法》第六十二条；《中华人民共和国城乡规划法》第四十一条",
        "materials": [
            _m("application_form", "农村宅基地和建房（规划许可）申请表"),
            ID_CARD,
            _m("village_opinion", "村民小组会议讨论意见及村级组织审查意见"),
            HOUSEHOLD,
        ],
    },
    {
        "code": "resident_pension_enrolment",
        "name": "城乡居民基本养老保险参保登记",
        "department": "soc",
        "delegated_townships": ALL_TOWNSHIPS,
        "kind": "committed",
        "limit_workdays": 3,
        "cross_township": True,
        "online": True,
        "conditions": "年满16周岁、不在校、未参加职工基本养老保险的城乡居民",
        "legal_basis": "《中华人民共和国社会保险法》第二十条至第二十二条",
        "materials": [ID_CARD, _m("enrolment_form", "城乡居民基本养老保险参保登记表"), HOUSEHOLD],
    },
    {
        "code": "disability_certificate",
        "name": "残疾人证办理",
        "department": "soc",
        "delegated_townships": [],
        "kind": "committed",
        "limit_workdays": 15,
        "proxy": True,
        "conditions": "本县户籍、符合残疾标准的残疾人，经指定医疗机构残疾评定（评定时间不计入办理时限）",
        "legal_basis": "《中华人民共和国残疾人保障法》；《中华人民共和国残疾人证管理办法》",
        "materials": [
            _m("application_form", "残疾人证申请表"),
            ID_CARD,
            _m("photo", "近期二寸免冠彩色照片"),
            HOUSEHOLD,
        ],
    },
    {
        "code": "construction_planning_permit",
        "name": "建设工程规划许可证核发",
        "department": "nrp",
        "delegated_townships": [],
        "township_window": False,
        "kind": "committed",
        "limit_workdays": 20,
        "legal_basis": "《中华人民共和国城乡规划法》第四十条",
        "materials": [
            _m("application_form", "建设工程规划许可申请表"),
            _m("land_certificate", "土地权属证明"),
            _m("design_plan", "设计方案总平面图"),
        ],
    },
]


def _for_county(spec: dict, org: Organisation) -> dict:
    delegated = spec.get("delegated_townships")
    if delegated is ALL_TOWNSHIPS:
        return spec | {"delegated_townships": [t.code for t in org.townships]}
    if delegated is FIRST_TOWNSHIP:
        return spec | {"delegated_townships": [org.townships[0].code]}
    return spec


async def seed(ctx: ServiceContext) -> None:
    now = utcnow()
    async with ctx.db.transaction() as session:
        existing = set((await session.scalars(select(CatalogueItem.code))).all())
        for spec in ITEMS:
            if spec["code"] not in existing:
                body = ItemCreate.model_validate(_for_county(spec, ctx.org))
                write_version(session, SEEDER, body.code, 1, body, EFFECTIVE_FROM, now)
        posts = {tuple(r) for r in (await session.execute(select(Post.area_code, Post.name))).all()}
        users = {u.username: u for u in demo.users_for(ctx.org)}
        for t in ctx.org.townships:
            if (t.code, "综合受理1号窗口") in posts:
                continue
            a, b = users[f"window_clerk.{t.slug}"], users[f"window_clerk2.{t.slug}"]
            session.add(
                Post(
                    id=new_id(),
                    area_code=t.code,
                    name="综合受理1号窗口",
                    a_username=a.username,
                    a_name=a.display_name,
                    b_username=b.username,
                    b_name=b.display_name,
                    a_absent=False,
                    created_at=now,
                    updated_at=now,
                )
            )
