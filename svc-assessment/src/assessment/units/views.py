"""Shape a unit's indicators for the API and for the period-closed event."""

from __future__ import annotations

from assessment.periods.rules import KIND_LABELS as PERIOD_KIND_LABELS
from assessment.periods.rules import STATUS_LABELS, Effective, Period
from assessment.units import rules
from assessment.units.models import Unit
from assessment.units.schemas import UnitCounts, UnitIndicators, UnitMonth, UnitOut, UnitRates


def unit_out(unit: Unit) -> UnitOut:
    return UnitOut(
        code=unit.code,
        name=unit.name,
        dept=unit.dept,
        area_code=unit.area_code,
        kind=unit.kind,
        kind_zh=rules.KIND_LABELS.get(unit.kind, unit.kind),
    )


def unit_indicators(unit: Unit, period: Period, total: Effective) -> UnitIndicators:
    return UnitIndicators(
        unit=unit_out(unit),
        period=period.text,
        period_kind=period.kind,
        period_kind_zh=PERIOD_KIND_LABELS[period.kind],
        status=total.status,
        status_zh=STATUS_LABELS[total.status],
        closed_months=total.closed_months,
        counts=UnitCounts(**total.counts),
        rates=UnitRates(**rules.unit_rates(total.counts)),
        formulas=rules.unit_formulas(total.counts),
        late_adjustments=total.late_adjustments,
    )


def unit_month(month: str, effective: Effective) -> UnitMonth:
    return UnitMonth(
        period=month,
        status=effective.status,
        status_zh=STATUS_LABELS[effective.status],
        counts=UnitCounts(**effective.counts),
        rates=UnitRates(**rules.unit_rates(effective.counts)),
        formulas=rules.unit_formulas(effective.counts),
        late_adjustments=effective.late_adjustments,
    )
