"""Events published by svc-enforcement."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.events import EventPayload


class LeadReceived(EventPayload):
    event_type = "enforcement.lead.received"

    lead_id: str
    ticket_id: str | None = None
    township_code: str
    category: str
    item_code: str | None = None
    delegated: bool
    received_at: dt.datetime


class CaseOpened(EventPayload):
    event_type = "enforcement.case.opened"

    case_id: str
    number: str
    lead_id: str
    ticket_id: str | None = None
    township_code: str
    item_code: str
    opened_at: dt.datetime


class CaseTransferred(EventPayload):
    event_type = "enforcement.case.transferred"

    lead_id: str
    ticket_id: str | None = None
    township_code: str
    item_code: str | None = None
    to_unit: UnitRef
    reason: str
    transferred_at: dt.datetime


class DecisionMade(EventPayload):
    event_type = "enforcement.decision.made"

    case_id: str
    number: str
    township_code: str
    procedure: Literal["summary", "ordinary"]
    penalty: str
    fine_yuan: int = 0
    decided_at: dt.datetime
    lead_id: str | None = None
    ticket_id: str | None = None


class CaseClosed(EventPayload):
    event_type = "enforcement.case.closed"

    case_id: str
    number: str
    lead_id: str
    ticket_id: str | None = None
    township_code: str
    unit: UnitRef
    outcome: str
    opened_at: dt.datetime
    closed_at: dt.datetime
    #: hash of the last entry of the case's whole-process record, so the closed record can be checked later
    record_head: str | None = None


class DisclosurePublished(EventPayload):
    """A decision published (执法公示), within 7 working days of it or late."""

    event_type = "enforcement.disclosure.published"

    disclosure_id: str
    case_id: str
    number: str
    township_code: str
    decided_at: dt.datetime
    due: dt.datetime
    published_at: dt.datetime
    late: bool


class DisclosureWithdrawn(EventPayload):
    """A published decision withdrawn after its revocation or change (art. 48: within 3 working days)."""

    event_type = "enforcement.disclosure.withdrawn"

    disclosure_id: str
    case_id: str
    number: str
    township_code: str
    changed_at: dt.datetime
    due: dt.datetime
    withdrawn_at: dt.datetime
    late: bool


class SquadRegistered(EventPayload):
    """A squad of the township: its own office's, or a county department's stationed squad under dual
    leadership, with the weights of its assessment (township ≥ 60 %, county bureau the rest)."""

    event_type = "enforcement.squad.registered"

    squad_id: str
    name: str
    township_code: str
    kind: Literal["township", "stationed"]
    county_dept: str | None = None
    members: list[str]
    township_weight_percent: int
    county_weight_percent: int
    registered_at: dt.datetime


#: the kinds of enforcement squad; a column holding a squad's kind is typed with it
SquadKindValue = Literal["township", "stationed"]


class JointOperationCompleted(EventPayload):
    """A 1+1+N joint operation done: one ticket, one squad, N departments, each part recorded."""

    event_type = "enforcement.joint_operation.completed"

    operation_id: str
    number: str
    ticket_id: str
    township_code: str
    squad_id: str
    squad_kind: SquadKindValue
    township_weight_percent: int
    county_weight_percent: int
    departments: list[str]
    completed_at: dt.datetime


class LeadOverdue(EventPayload):
    """A lead passed its filing limit (15 working days, plus an approved extension) undecided."""

    event_type = "enforcement.lead.overdue"

    lead_id: str
    number: str
    township_code: str
    unit: UnitRef
    source: str
    received_at: dt.datetime
    deadline: dt.datetime
    detected_at: dt.datetime


class CaseOverdue(EventPayload):
    """A filed case passed its decision limit (90 days from filing, plus an approved extension)."""

    event_type = "enforcement.case.overdue"

    case_id: str
    number: str
    township_code: str
    unit: UnitRef
    filed_at: dt.datetime
    deadline: dt.datetime
    detected_at: dt.datetime
