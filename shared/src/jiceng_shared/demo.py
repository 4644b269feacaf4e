"""The canonical demo county (design: demo-data.md): areas, organs, departments and users.

Each service seeds its own part from here (grid: areas; dispatch: units and lists; gateway: users),
and the end-to-end tests build on the same names. Codes are illustrative, in the 12-digit
statistical division-code form; grid codes are the village/community code plus 3 digits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

COUNTY_CODE = "320971000000"
COUNTY_NAME = "盐城经济技术开发区"


@dataclass(frozen=True)
class Township:
    code: str
    name: str
    slug: str
    kind: str  # town (镇) | subdistrict (街道)


@dataclass(frozen=True)
class Village:
    code: str
    name: str
    kind: str  # village | community
    township: str


@dataclass(frozen=True)
class Grid:
    code: str
    name: str
    village: str
    households: int
    people: int
    dense: bool
    polygon: dict = field(hash=False, compare=False)


def _square(lng: float, lat: float, size: float = 0.01) -> dict:
    ring = [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


BUFENG = Township("320971100000", "步凤镇", "bufeng", "town")
XINCHENG = Township("320971001000", "新城街道", "xincheng", "subdistrict")
TOWNSHIPS = (BUFENG, XINCHENG)
TOWNSHIP_BY_SLUG = {t.slug: t for t in TOWNSHIPS}

VILLAGES = (
    Village("320971100201", "步凤村", "village", BUFENG.code),
    Village("320971001001", "新城社区", "community", XINCHENG.code),
)

GRIDS = (
    Grid("320971100201001", "步凤村第一网格", "320971100201", 260, 820, False, _square(120.300, 33.300)),
    Grid("320971100201002", "步凤村第二网格", "320971100201", 340, 1100, False, _square(120.310, 33.300)),
    Grid("320971001001001", "新城社区第一网格", "320971001001", 420, 1300, True, _square(120.200, 33.380)),
    Grid("320971001001002", "新城社区第二网格", "320971001001", 280, 900, False, _square(120.210, 33.380)),
)

#: county departments (those marked stationed keep offices in the townships)
DEPARTMENTS = {
    "psb": "公安局",
    "samr": "市场监督管理局",
    "nrp": "自然资源和规划局",
    "cle": "综合行政执法局",
    "apv": "行政审批局",
    "hud": "住房和城乡建设局",
    "soc": "社会事业局",
    "sep": "安全生产和生态环境局",
    "h12345": "12345政务服务便民热线",
}
STATIONED_DEPARTMENTS = ("psb", "samr")

#: the township organs of seed 000 §20, keyed by the department code of the function they carry
TOWNSHIP_ORGANS = {
    BUFENG.code: {
        "cmd": "党政办公室（综合指挥中心）",
        "sgov": "社会治理局（社会治安综合治理中心）",
        "cle": "安全生产监督管理局（综合执法局）",
        "apv": "行政审批局（为民服务中心）",
        "soc": "社会事业局（退役军人服务站）",
        "fin": "财政和资产管理局",
        "hud": "建设和生态环境局",
        "agri": "农业农村局",
    },
    XINCHENG.code: {
        "cmd": "党政办公室（综合指挥中心）",
        "sgov": "社会治理局（社会治安综合治理中心）",
        "apv": "行政审批局（为民服务中心、经济发展局）",
        "soc": "社会事业局（退役军人服务站）",
        "fin": "财政和资产管理局",
        "hud": "建设和生态环境局",
        "cle": "安全生产监督管理局（综合执法局）",
    },
}


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


def _township_users(t: Township) -> list[DemoUser]:
    village = next(v for v in VILLAGES if v.township == t.code)
    grids = [g for g in GRIDS if g.village == village.code]
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
        DemoUser(f"dept_staff.{d}.{s}", f"{t.name}{DEPARTMENTS[d]}派驻人员", (("dept_staff", tc, d),))
        for d in STATIONED_DEPARTMENTS
    ]
    return users


USERS: tuple[DemoUser, ...] = tuple(
    [u for t in TOWNSHIPS for u in _township_users(t)]
    + [
        DemoUser("county_admin", "县级管理员", (("county_admin", COUNTY_CODE, None),)),
        DemoUser("auditor", "纪检监察", (("auditor", COUNTY_CODE, None),)),
        DemoUser("dept_staff.nrp", "自然资源和规划局工作人员", (("dept_staff", COUNTY_CODE, "nrp"),)),
        DemoUser("dept_staff.cle", "综合行政执法局工作人员", (("dept_staff", COUNTY_CODE, "cle"),)),
        # back office of the county department deciding the approval items not delegated to townships
        DemoUser("approval_officer.soc", "社会事业局审批人员", (("approval_officer", COUNTY_CODE, "soc"),)),
    ]
)
USER_BY_NAME = {u.username: u for u in USERS}

CLIENTS: tuple[DemoClient, ...] = (
    DemoClient("client.hotline12345", "12345政务服务便民热线平台", "h12345", tuple(t.code for t in TOWNSHIPS)),
    *(
        DemoClient(f"client.{d}", f"{DEPARTMENTS[d]}业务系统", d, tuple(t.code for t in TOWNSHIPS))
        for d in DEPARTMENTS
        if d != "h12345"
    ),
)
