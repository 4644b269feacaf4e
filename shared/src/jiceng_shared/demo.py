"""Demo data for seeding and tests only: the demo users and department-system clients of
demo-data.md, derived from a county's organisation, and the demo county's names for tests.

Domain code never imports this module (``tests/test_conventions.py`` fails if it does): the
county's organisation is the registry :mod:`jiceng_shared.county` (``ctx.org``), loaded from
``jiceng_shared/counties/demo/`` or the directory ``JICENG_COUNTY_DIR`` names. Seeding
(``gateway/seed.py`` and the services' ``seed.py``) calls :func:`users_for` / :func:`clients_for`
with the process's organisation, so another county gets one demo user per role and township too.
"""

from __future__ import annotations

from dataclasses import dataclass

from jiceng_shared.county import Grid, Organisation, Township, Village, registry

#: the demo county (the default county directory)
ORG = registry()
COUNTY_CODE = ORG.code
COUNTY_NAME = ORG.name
TOWNSHIPS: tuple[Township, ...] = ORG.townships
BUFENG = next(t for t in TOWNSHIPS if t.slug == "bufeng")
XINCHENG = next(t for t in TOWNSHIPS if t.slug == "xincheng")
VILLAGES: tuple[Village, ...] = ORG.villages
GRIDS: tuple[Grid, ...] = ORG.grids
DEPARTMENTS = dict(ORG.departments)
STATIONED_DEPARTMENTS = ORG.stationed_departments
TOWNSHIP_ORGANS = {t.code: ORG.organs(t.code) for t in TOWNSHIPS}


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    #: (role, area code, department or None)
    bindings: tuple[tuple[str, str, str | None], ...]


@dataclass(frozen=True)
class DemoClient:
    client_id: str
    name: str
    dept: str
    townships: tuple[str, ...]


def _township_users(org: Organisation, t: Township) -> list[DemoUser]:
    village = next(v for v in org.villages if v.township == t.code and len(org.grids_of(v.code)) >= 2)
    grids = org.grids_of(village.code)
    tc, s = t.code, t.slug
    users = [
        DemoUser(f"window_clerk.{s}", f"{t.name}窗口人员", (("window_clerk", tc, None),)),
        # a second clerk so every window post has its B post (AB岗)
        DemoUser(f"window_clerk2.{s}", f"{t.name}窗口人员乙", (("window_clerk", tc, None),)),
        DemoUser(f"approval_officer.{s}", f"{t.name}审批人员", (("approval_officer", tc, None),)),
        DemoUser(f"village_agent.{s}", f"{village.name}代办员", (("village_agent", village.code, None),)),
        # the grid worker holds grid 001 (A post) and backs up grid 002 (B post)
        DemoUser(
            f"grid_worker.{s}",
            f"{grids[0].name}网格员",
            (("grid_worker", grids[0].code, None), ("grid_worker", grids[1].code, None)),
        ),
        DemoUser(f"grid_chief.{s}", f"{village.name}网格长", (("grid_chief", village.code, None),)),
        DemoUser(f"community_director.{s}", f"{village.name}主任", (("community_director", village.code, None),)),
        DemoUser(f"dispatcher.{s}", f"{t.name}指挥中心调度员", (("dispatcher", tc, None),)),
        DemoUser(f"enforcement_officer.{s}", f"{t.name}执法人员甲", (("enforcement_officer", tc, None),)),
        DemoUser(f"enforcement_officer2.{s}", f"{t.name}执法人员乙", (("enforcement_officer", tc, None),)),
        DemoUser(f"legal_reviewer.{s}", f"{t.name}法制审核员", (("legal_reviewer", tc, None),)),
        DemoUser(f"township_leader.{s}", f"{t.name}领导", (("township_leader", tc, None),)),
        DemoUser(f"assessor.{s}", f"{t.name}考核人员", (("assessor", tc, None),)),
    ]
    users += [
        DemoUser(f"dept_staff.{d}.{s}", f"{t.name}{org.departments[d]}派驻人员", (("dept_staff", tc, d),))
        for d in org.stationed_in(tc)
    ]
    return users


#: county-level demo users: (username, display name, role, department or None), each seeded when
#: the county has the department
_COUNTY_USERS = (
    ("county_admin", "县级管理员", "county_admin", None),
    ("auditor", "纪检监察", "auditor", None),
    ("security_admin", "安全管理员", "security_admin", None),
    ("audit_admin", "审计管理员", "audit_admin", None),
    ("dept_staff.nrp", "自然资源和规划局工作人员", "dept_staff", "nrp"),
    ("dept_staff.cle", "综合行政执法局工作人员", "dept_staff", "cle"),
    # back office of the county department deciding the approval items not delegated to townships
    ("approval_officer.soc", "社会事业局审批人员", "approval_officer", "soc"),
)


def users_for(org: Organisation) -> tuple[DemoUser, ...]:
    """One demo user per role and township (each township needs a village with two grids), and
    the county's users."""
    users = [u for t in org.townships for u in _township_users(org, t)]
    users += [
        DemoUser(name, display, ((role, org.code, dept),))
        for name, display, role, dept in _COUNTY_USERS
        if dept is None or dept in org.departments
    ]
    return tuple(users)


def clients_for(org: Organisation) -> tuple[DemoClient, ...]:
    """One department-system client per county department, bound in every township."""
    townships = tuple(t.code for t in org.townships)
    return tuple(
        DemoClient(
            "client.hotline12345" if d == "h12345" else f"client.{d}",
            f"{name}{'平台' if d == 'h12345' else '业务系统'}",
            d,
            townships,
        )
        for d, name in org.departments.items()
    )


USERS: tuple[DemoUser, ...] = users_for(ORG)
USER_BY_NAME = {u.username: u for u in USERS}
CLIENTS: tuple[DemoClient, ...] = clients_for(ORG)
