"""The event classification dictionary (事件分类) shared by grid intake and dispatch.

Codes are API enums (English snake_case) with their official Chinese labels. Which unit handles
a category and within what limits is dispatch's territorial responsibility list, not this file.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    code: str
    label_zh: str
    #: 大类 major class of the classification (事件 major classes of the city-management standards)
    major: str


CATEGORIES: tuple[Category, ...] = (
    Category("street_occupation", "占道经营", "street_order"),
    Category("illegal_construction", "违法建设", "construction"),
    Category("illegal_construction_farmland", "占用农用地违法建设", "construction"),
    Category("consumer_complaint", "消费投诉", "market"),
    Category("public_security_hazard", "治安隐患", "public_order"),
    Category("environment_pollution", "环境污染", "streetscape"),
    Category("road_facility_damage", "道路设施损坏", "facilities"),
    Category("safety_hazard", "安全生产隐患", "emergencies"),
    Category("neighbour_dispute", "矛盾纠纷", "public_order"),
    Category("service_consultation", "政务服务咨询", "services"),
)
CATEGORY_BY_CODE = {c.code: c for c in CATEGORIES}
