"""Shape the dispatch centres' indicators for the API."""

from __future__ import annotations

from assessment import formulas
from assessment.centres import service
from assessment.centres.schemas import DispatchCentreIndicators
from jiceng_shared.county import Organisation


def centre_out(org: Organisation, township_code: str, period: str, counts: dict[str, int]) -> DispatchCentreIndicators:
    township = org.township(township_code)
    return DispatchCentreIndicators(
        township_code=township_code,
        name=township.name if township else None,
        period=period,
        counts=counts,
        rates=formulas.rates(service.RATE_DEFS, counts),
        formulas=formulas.explain(service.RATE_DEFS, counts),
    )
