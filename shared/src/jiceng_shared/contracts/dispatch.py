"""Events published by svc-dispatch."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from jiceng_shared.contracts.common import GeoPoint, UnitRef
from jiceng_shared.events import EventPayload

#: a unit may return (退单) a wrongly routed ticket within this many working days of its assignment
#: (Shandong 政务服务热线管理办法 2020, rules-reference §4.2): dispatch refuses a later return and
#: assessment counts an earlier one for the unit, so the default is written here, once, for both
RETURN_WINDOW_WORKDAYS = 2


class TicketCreated(EventPayload):
    event_type = "dispatch.ticket.created"

    ticket_id: str
    number: str
    category: str
    source: str
    source_ref: str | None = None
    township_code: str
    area_code: str
    created_at: dt.datetime


class TicketAssigned(EventPayload):
    event_type = "dispatch.ticket.assigned"

    ticket_id: str
    number: str
    category: str
    description: str
    location: GeoPoint | None = None
    township_code: str
    area_code: str
    unit: UnitRef
    cooperating_units: list[UnitRef] = []
    deadline: dt.datetime | None = None
    assigned_at: dt.datetime
    source: str
    source_ref: str | None = None


class TicketEscalated(EventPayload):
    event_type = "dispatch.ticket.escalated"

    ticket_id: str
    number: str
    township_code: str
    unit: UnitRef
    level: int
    reason: str
    escalated_at: dt.datetime


class SummonsIssued(EventPayload):
    event_type = "dispatch.summons.issued"

    summons_id: str
    ticket_id: str
    township_code: str
    unit: UnitRef
    respond_by: dt.datetime
    issued_at: dt.datetime


class SummonsAnswered(EventPayload):
    event_type = "dispatch.summons.answered"

    summons_id: str
    ticket_id: str
    township_code: str
    unit: UnitRef
    answered_at: dt.datetime
    on_time: bool


class TicketClosed(EventPayload):
    event_type = "dispatch.ticket.closed"

    ticket_id: str
    number: str
    category: str
    township_code: str
    area_code: str
    unit: UnitRef
    source: str
    source_ref: str | None = None
    outcome: str
    deadline: dt.datetime | None = None
    closed_at: dt.datetime
    handled_at: dt.datetime | None = None
    on_time: bool
    rework_count: int = 0


class TicketReopened(EventPayload):
    event_type = "dispatch.ticket.reopened"

    ticket_id: str
    number: str
    township_code: str
    unit: UnitRef
    source: str
    source_ref: str | None = None
    reason: str
    rework_count: int
    reopened_at: dt.datetime
    #: added to version 1 as optional fields (additive: a consumer that does not know them ignores
    #: them): set when the reopen is a failed on-site verification (核查未通过)
    verified_by: str | None = Field(
        default=None, description="username of whoever verified on site, when a failed verification reopened it"
    )
    handled_at: dt.datetime | None = Field(
        default=None, description="when the unit's feedback came: the start of the verification clock"
    )


class TicketHandled(EventPayload):
    """The handling unit gave its feedback; the ticket awaits on-site verification."""

    event_type = "dispatch.ticket.handled"

    ticket_id: str
    number: str
    township_code: str
    unit: UnitRef
    source: str
    source_ref: str | None = None
    outcome: str
    handled_at: dt.datetime


class TicketMerged(EventPayload):
    """A report was merged into an open ticket on the same matter (并单, 国办函〔2025〕66号).

    ``source``/``source_ref`` name the merged report (e.g. the second incident); the ticket is not
    dispatched again. The reporter's side follows the ticket from here (``ticket_id``).
    """

    event_type = "dispatch.ticket.merged"

    ticket_id: str
    number: str
    category: str
    township_code: str
    area_code: str
    unit: UnitRef | None = None
    source: str
    source_ref: str | None = None
    ticket_source: str
    ticket_source_ref: str | None = None
    merged_at: dt.datetime


class TicketReturned(EventPayload):
    """The unit returned a ticket outside its remit (退单); the centre dispatches it again."""

    event_type = "dispatch.ticket.returned"

    ticket_id: str
    number: str
    township_code: str
    unit: UnitRef
    source: str
    source_ref: str | None = None
    reason: str
    returned_at: dt.datetime


class TicketExtended(EventPayload):
    """An extension (延期) of the handling limit was approved; the deadline moved (for 延期率)."""

    event_type = "dispatch.ticket.extended"

    ticket_id: str
    number: str
    township_code: str
    unit: UnitRef
    source: str
    source_ref: str | None = None
    value: int
    time_unit: str
    reason: str
    deadline: dt.datetime
    approved_at: dt.datetime


class TicketSignedFor(EventPayload):
    """The handling unit signed for (签收) a dispatched ticket; ``within_limit`` against the
    category's response limit (接诉即办 响应率)."""

    event_type = "dispatch.ticket.signed_for"

    ticket_id: str
    number: str
    category: str
    township_code: str
    area_code: str
    unit: UnitRef
    source: str
    source_ref: str | None = None
    signed_at: dt.datetime
    within_limit: bool


class TicketVoided(EventPayload):
    """A dispatcher voided (作废) a registered report: not a valid report (有效上报率)."""

    event_type = "dispatch.ticket.voided"

    ticket_id: str
    number: str
    category: str
    township_code: str
    area_code: str
    source: str
    source_ref: str | None = None
    reason: str
    voided_at: dt.datetime


class TicketReassigned(EventPayload):
    """The centre moved a ticket to another unit (改派, or after a return or a transfer 移送):
    the ticket counts for the unit that finally handles it, not against the one it left."""

    event_type = "dispatch.ticket.reassigned"

    ticket_id: str
    number: str
    category: str
    township_code: str
    from_unit: UnitRef
    to_unit: UnitRef
    #: return (退单) | transfer (移送) | reassignment (改派)
    reason_kind: str
    reason: str
    reassigned_at: dt.datetime


class SupervisionIssued(EventPayload):
    """A supervision order (督办单) on a limit that passed: dispatch, response or handling."""

    event_type = "dispatch.supervision.issued"

    order_id: str
    ticket_id: str
    number: str
    township_code: str
    unit: UnitRef | None = None
    #: dispatch | response | handling
    limit: str
    level: int
    addressee: str
    answer_by: dt.datetime
    issued_at: dt.datetime


class CallbackRecorded(EventPayload):
    """The satisfaction callback (回访) of a citizen's ticket (12345 满意率, 解决率)."""

    event_type = "dispatch.callback.recorded"

    ticket_id: str
    number: str
    category: str
    township_code: str
    area_code: str
    unit: UnitRef
    source: str
    source_ref: str | None = None
    #: satisfied | basically_satisfied | dissatisfied
    result: str
    #: whether the caller's problem was solved, as the callback judged it
    resolved: bool
    #: 1 for the first callback, 2 after rework
    attempt: int = 1
    recorded_at: dt.datetime


class TicketVerified(EventPayload):
    """The feedback was verified on site (核查通过). A citizen's ticket now awaits its callback
    (``awaiting_callback``); any other closes at once (dispatch.ticket.closed follows)."""

    event_type = "dispatch.ticket.verified"

    ticket_id: str
    number: str
    township_code: str
    unit: UnitRef
    source: str
    source_ref: str | None = None
    awaiting_callback: bool
    on_time: bool
    verified_at: dt.datetime
    #: added to version 1 as optional fields (additive: a consumer that does not know them ignores
    #: them), so assessment can count the verifier's on-time verifications (按时核查, rules-reference §3.5)
    verified_by: str | None = Field(default=None, description="username of whoever verified on site (核查人)")
    handled_at: dt.datetime | None = Field(
        default=None, description="when the unit's feedback came: the start of the verification clock"
    )


class TicketParked(EventPayload):
    """The township leader approved parking (挂账) the ticket: its handling clock is paused (挂账数)."""

    event_type = "dispatch.ticket.parked"

    ticket_id: str
    number: str
    township_code: str
    unit: UnitRef
    source: str
    source_ref: str | None = None
    reason: str
    parked_at: dt.datetime


class TicketResumed(EventPayload):
    """A parked ticket is taken up again; its deadline moved by the time it was parked."""

    event_type = "dispatch.ticket.resumed"

    ticket_id: str
    number: str
    township_code: str
    unit: UnitRef
    deadline: dt.datetime | None = None
    paused_seconds: int
    resumed_at: dt.datetime


class SpikeDetected(EventPayload):
    """Early warning (研判预警): a category's reports in a township spiked on a day, against the
    trailing mean of the same weekday. Raised once per category, township and day."""

    event_type = "dispatch.warning.spike"

    warning_id: str
    category: str
    township_code: str
    day: dt.date
    count: int
    baseline: float
    threshold: float
    raised_at: dt.datetime


class CategoryChanged(EventPayload):
    """A category of the dictionary was created, changed or retired (the whole category as it now is):
    services keeping a copy (svc-grid for incident intake) replace theirs unless ``version`` is older."""

    event_type = "dispatch.category.changed"

    code: str
    label_zh: str
    major: str
    urgent: bool
    dispatch_limit_minutes: int
    handle_limit_value: int
    #: minutes | hours | working_days
    handle_limit_unit: str
    extension_max_value: int | None = None
    functional_department: bool
    retired: bool
    #: created | updated | retired
    change: str
    #: dispatch's row version: increases with every change of the category
    category_version: int
    changed_at: dt.datetime


class ResponsibilityListPublished(EventPayload):
    """A version of the territorial responsibility list (属地管理清单) was published."""

    event_type = "dispatch.responsibility_list.published"

    list_version: int
    effective_from: dt.datetime
    items: int
    domains: int
    note: str = ""
    published_at: dt.datetime
