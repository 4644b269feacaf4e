"""Shape the stationed units' two-part results for the API."""

from __future__ import annotations

from assessment.stationed import rules, service
from assessment.stationed.models import DualPart
from assessment.stationed.schemas import DualResult, DualSubjectKind, PartOut
from assessment.units.schemas import UnitKind, UnitOut


def part_out(p: DualPart, weight: int) -> PartOut:
    """A recorded part, with its share of the result (``weight``: the township's share in %)."""
    part = rules.Part(p.part)
    return PartOut(
        part=part,
        part_zh=part.label_zh,
        score=p.score,
        weight=weight if part is rules.Part.TOWNSHIP else 100 - weight,
        note=p.note,
        rated_by=p.rated_by,
        rated_at=p.rated_at,
    )


def subject_out(s: service.Subject) -> UnitOut:
    return UnitOut(
        code=s.code, name=s.name, dept=s.dept, area_code=s.area_code, kind=UnitKind(s.kind), kind_zh=s.kind_zh
    )


def dual_result(subject: service.Subject, parts: dict[str, DualPart], period: str) -> DualResult:
    weight = subject.township_weight
    town, county = parts.get(rules.Part.TOWNSHIP), parts.get(rules.Part.COUNTY)
    return DualResult(
        subject_kind=DualSubjectKind(subject.subject_kind),
        unit=subject_out(subject),
        period=period,
        township_weight=weight,
        township=part_out(town, weight) if town else None,
        county=part_out(county, weight) if county else None,
        result=rules.combined(town.score if town else None, county.score if county else None, township_weight=weight),
        formula=(
            "100% × 乡镇(街道)考核"
            if weight == 100
            else f"{weight}% × 乡镇(街道)考核 + {100 - weight}% × 县级主管部门考核"
        ),
    )
