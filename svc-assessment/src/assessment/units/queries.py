"""Shape a unit's indicators for the API and for the period-closed event."""

from __future__ import annotations

from collections.abc import Sequence

from assessment.items.models import ManualRating
from assessment.items.queries import rating_out
from assessment.periods.rules import Effective, Period
from assessment.periods.schemas import PeriodKind, PeriodStatus
from assessment.units import rules
from assessment.units.models import Unit
from assessment.units.schemas import (
    AreaIndicators,
    UnitCounts,
    UnitIndicators,
    UnitIndicatorsDetail,
    UnitKind,
    UnitMonth,
    UnitOut,
    UnitRates,
)
from assessment.units.service import UnitResult
from jiceng_shared.county import Organisation


def unit_out(unit: Unit) -> UnitOut:
    return UnitOut(
        code=unit.code,
        name=unit.name,
        dept=unit.dept,
        area_code=unit.area_code,
        kind=UnitKind(unit.kind),
        kind_zh=UnitKind(unit.kind).label_zh,
    )


def unit_indicators(unit: Unit, period: Period, total: Effective) -> UnitIndicators:
    return UnitIndicators(
        unit=unit_out(unit),
        period=period.text,
        period_kind=PeriodKind(period.kind),
        period_kind_zh=PeriodKind(period.kind).label_zh,
        status=PeriodStatus(total.status),
        status_zh=PeriodStatus(total.status).label_zh,
        closed_months=total.closed_months,
        counts=UnitCounts(**total.counts),
        rates=UnitRates(**rules.unit_rates(total.counts)),
        formulas=rules.unit_formulas(total.counts),
        late_adjustments=total.late_adjustments,
    )


def unit_month(month: str, effective: Effective) -> UnitMonth:
    return UnitMonth(
        period=month,
        status=PeriodStatus(effective.status),
        status_zh=PeriodStatus(effective.status).label_zh,
        counts=UnitCounts(**effective.counts),
        rates=UnitRates(**rules.unit_rates(effective.counts)),
        formulas=rules.unit_formulas(effective.counts),
        late_adjustments=effective.late_adjustments,
    )


def area_indicators(
    org: Organisation, area: str, total: tuple[int, dict[str, int], set[str]], period: Period, *, by_dept: bool
) -> AreaIndicators:
    """An area's sum (``service.area_totals``); named for its department when the caller sees one only."""
    n, counts, depts = total
    township = org.township(area)
    return AreaIndicators(
        area_code=area,
        dept=next(iter(depts)) if by_dept and len(depts) == 1 else None,
        name=township.name if township else None,
        period=period.text,
        units=n,
        counts=UnitCounts(**counts),
        rates=UnitRates(**rules.unit_rates(counts)),
        formulas=rules.unit_formulas(counts),
    )


def unit_detail(result: UnitResult, period: Period, manual: Sequence[ManualRating]) -> UnitIndicatorsDetail:
    base = unit_indicators(result.unit, period, result.indicators.total)
    return UnitIndicatorsDetail(
        **base.model_dump(),
        months=[unit_month(m, e) for m, e in result.indicators.by_month],
        manual_ratings=[rating_out(r) for r in manual],
    )
