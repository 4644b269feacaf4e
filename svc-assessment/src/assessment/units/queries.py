"""Shape a unit's indicators for the API and for the period-closed event."""

from __future__ import annotations

from assessment.periods.rules import Effective, Period
from assessment.periods.schemas import PeriodKind, PeriodStatus
from assessment.units import rules
from assessment.units.models import Unit
from assessment.units.schemas import UnitCounts, UnitIndicators, UnitKind, UnitMonth, UnitOut, UnitRates


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
