"""Response shaping of the catalogue: items with their materials, and the public service guides."""

from __future__ import annotations

from approval.catalogue import rules, service
from approval.catalogue.models import CatalogueItem
from approval.catalogue.schemas import GuideMaterial, GuideOut, GuideSummary, ItemOut, MaterialOut
from jiceng_shared import county


def item_out(item: CatalogueItem, materials: tuple[service.MaterialSpec, ...]) -> ItemOut:
    return ItemOut(
        **{name: getattr(item, name) for name in ItemOut.model_fields if hasattr(item, name) and name != "materials"},
        department_zh=county.current().department_name(item.department),
        kind_zh=rules.KIND_LABELS[item.kind],
        materials=[
            MaterialOut(
                code=m.code,
                name=m.name,
                requirement=m.requirement,
                requirement_zh=rules.REQUIREMENT_LABELS[m.requirement],
                shared_source=m.shared_source,
                description=m.description,
            )
            for m in materials
        ],
    )


def guide_summary(item: CatalogueItem, instant_limit_minutes: int) -> GuideSummary:
    return GuideSummary(
        code=item.code,
        name=item.name,
        kind=item.kind,
        kind_zh=rules.KIND_LABELS[item.kind],
        time_limit_zh=service.time_limit_zh(item, instant_limit_minutes),
        cross_township=item.cross_township,
        proxy=item.proxy,
        online=item.online,
    )


def guide_out(
    item: CatalogueItem,
    materials: tuple[service.MaterialSpec, ...],
    *,
    instant_limit_minutes: int,
    limits: rules.StatutoryLimits,
    appeal_route: str,
    org: county.Organisation,
) -> GuideOut:
    return GuideOut(
        **guide_summary(item, instant_limit_minutes).model_dump(),
        version=item.version,
        department_zh=org.department_name(item.department),
        handled_by_zh=service.handled_by_zh(item),
        statutory_limit_zh=service.statutory_limit_zh(item, limits),
        conditions=item.conditions,
        legal_basis=item.legal_basis,
        fee=item.fee,
        materials=[
            GuideMaterial(
                code=m.code,
                name=m.name,
                requirement=m.requirement,
                requirement_zh=rules.REQUIREMENT_LABELS[m.requirement],
                applicant_provides=m.requirement != "shared",
                description=m.description,
            )
            for m in materials
        ],
        appeal_route=appeal_route,
        effective_from=item.effective_from,
    )
