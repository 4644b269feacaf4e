"""Shapes of incidents in answers (the reads themselves are use cases in ``service.py``)."""

from __future__ import annotations

from grid.incidents.models import Incident, IncidentStep
from grid.incidents.schemas import IncidentDetail, IncidentOut, IncidentStatus, StepOut


def _fields(incident: Incident) -> dict[str, object]:
    return {name: getattr(incident, name) for name in IncidentOut.model_fields if hasattr(incident, name)}


def to_out(incident: Incident) -> IncidentOut:
    return IncidentOut.model_validate({**_fields(incident), "status_zh": IncidentStatus(incident.status).label_zh})


def to_detail(incident: Incident, steps: list[IncidentStep]) -> IncidentDetail:
    timeline = [StepOut(at=s.at, status=IncidentStatus(s.status), note=s.note) for s in steps]
    return IncidentDetail.model_validate(
        {**_fields(incident), "status_zh": IncidentStatus(incident.status).label_zh, "timeline": timeline}
    )
