"""Pure rules of decisions (no I/O), with their numbers as parameters (defaults from the design).

Law: 行政处罚法 (2021). Art. 9 lists the kinds of penalty; art. 51 the summary procedure;
art. 44-45 and 62 the rights notice; art. 58 the legal review of major decisions; art. 63 the
heavy penalties that carry a hearing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from jiceng_shared.enums import LabelledEnum
from jiceng_shared.errors import FieldErrors, Problem


class Calendar(Protocol):
    def deadline(self, start: dt.datetime, n: int) -> dt.datetime: ...


PROCEDURE_LABELS = {"summary": "简易程序", "ordinary": "普通程序"}

Procedure = Literal["summary", "ordinary"]


class PartyKind(LabelledEnum):
    """Who a rights notice or a decision is addressed to (当事人)."""

    PERSON = "person", "公民"
    ORGANISATION = "organisation", "法人或者其他组织"


class ReviewOutcome(LabelledEnum):
    """The outcome of a legal review (法制审核, art. 58)."""

    PASSED = "passed", "审核通过"
    FAILED = "failed", "审核未通过"


PARTY_LABELS = PartyKind.labels()
REVIEW_LABELS = ReviewOutcome.labels()


@dataclass(frozen=True)
class Penalty:
    label_zh: str
    #: an adverse decision: the party must be told beforehand (art. 44-45)
    adverse: bool = True
    #: art. 63 heavy penalties (hearing; a major decision under legal review)
    heavy: bool = False
    #: the amount is the fine (fine_yuan) or the confiscated value (confiscated_value_yuan)
    amount: Literal["fine", "confiscation"] | None = None


#: art. 9 penalties a township may impose, and the non-penalty outcomes of art. 57. 行政拘留
#: (administrative detention) restricts personal freedom: never a township's, so not listed.
PENALTIES: dict[str, Penalty] = {
    "warning": Penalty("警告"),
    "circulated_criticism": Penalty("通报批评"),
    "fine": Penalty("罚款", amount="fine"),
    "confiscation_illegal_gains": Penalty("没收违法所得", amount="confiscation"),
    "confiscation_illegal_property": Penalty("没收非法财物", amount="confiscation"),
    "licence_suspension": Penalty("暂扣许可证件"),
    "qualification_downgrade": Penalty("降低资质等级", heavy=True),
    "licence_revocation": Penalty("吊销许可证件", heavy=True),
    "business_restriction": Penalty("限制开展生产经营活动", heavy=True),
    "suspension_order": Penalty("责令停产停业", heavy=True),
    "closure_order": Penalty("责令关闭", heavy=True),
    "practice_ban": Penalty("限制从业", heavy=True),
    "no_penalty": Penalty("不予行政处罚", adverse=False),
    "not_established": Penalty("违法事实不能成立，不予行政处罚", adverse=False),
    "judicial_transfer": Penalty("移送司法机关", adverse=False),
}
PenaltyCode = Literal[
    "warning",
    "circulated_criticism",
    "fine",
    "confiscation_illegal_gains",
    "confiscation_illegal_property",
    "licence_suspension",
    "qualification_downgrade",
    "licence_revocation",
    "business_restriction",
    "suspension_order",
    "closure_order",
    "practice_ban",
    "no_penalty",
    "not_established",
    "judicial_transfer",
]
#: what may be decided on the spot (art. 51)
SUMMARY_PENALTIES = frozenset({"warning", "fine"})


@dataclass(frozen=True)
class SummaryLimits:
    """Art. 51: on-the-spot fines up to 200 yuan for a person, 3,000 yuan for an organisation."""

    person_yuan: int = 200
    organisation_yuan: int = 3000


@dataclass(frozen=True)
class LargeAmounts:
    """较大数额: from these amounts a fine or confiscation is heavy (art. 63; values set locally)."""

    person_yuan: int = 5000
    organisation_yuan: int = 50000


def check_amounts(penalty: str, fine_yuan: int, confiscated_value_yuan: int) -> FieldErrors:
    errors = FieldErrors()
    kind = PENALTIES[penalty].amount
    if kind == "fine" and fine_yuan <= 0:
        errors.add("fine_yuan", "fine_required", "a fine needs its amount in yuan")
    if kind != "fine" and fine_yuan:
        errors.add("fine_yuan", "fine_not_applicable", f"{penalty} carries no fine")
    if kind != "confiscation" and confiscated_value_yuan:
        errors.add("confiscated_value_yuan", "confiscation_not_applicable", f"{penalty} confiscates nothing")
    return errors


def check_summary(penalty: str, fine_yuan: int, party_kind: str, limits: SummaryLimits = SummaryLimits()) -> None:
    """Art. 51: the summary procedure only for a warning or a fine within the party's ceiling."""
    if penalty not in SUMMARY_PENALTIES:
        raise Problem(
            422,
            "summary_procedure_limit",
            "Summary procedure not allowed",
            "the summary procedure (简易程序) allows only a warning or a fine; use the ordinary procedure",
        )
    ceiling = limits.person_yuan if party_kind == "person" else limits.organisation_yuan
    if penalty == "fine" and fine_yuan > ceiling:
        raise Problem(
            422,
            "summary_procedure_limit",
            "Summary procedure not allowed",
            f"a {party_kind} may be fined at most {ceiling} yuan on the spot (行政处罚法 art. 51); "
            f"{fine_yuan} needs the ordinary procedure",
            ceiling_yuan=ceiling,
        )


def is_heavy(
    penalty: str, fine_yuan: int, confiscated_value_yuan: int, party_kind: str, large: LargeAmounts = LargeAmounts()
) -> bool:
    """Art. 63: a heavy penalty (hearing offered, legal review required)."""
    threshold = large.person_yuan if party_kind == "person" else large.organisation_yuan
    return PENALTIES[penalty].heavy or fine_yuan >= threshold or confiscated_value_yuan >= threshold


def legal_review_due(submitted_at: dt.datetime, calendar: Calendar, workdays: int = 10) -> dt.datetime:
    """Rules-reference §7.4: the legal review is completed within ``workdays`` working days of the file."""
    return calendar.deadline(submitted_at, workdays)


def review_late(reviewed_at: dt.datetime, due: dt.datetime | None) -> bool:
    return due is not None and reviewed_at > due


def reviewer_certified(qualification: object | None, township_code: str, on: dt.date) -> bool:
    """Art. 58: the reviewer holds a legal qualification valid that day, for the case's township."""
    if qualification is None:
        return False
    q: Any = qualification
    return q.township_code == township_code and q.valid_from <= on and (q.valid_until is None or on <= q.valid_until)


def check_members(members: list[str], min_members: int = 3) -> FieldErrors:
    """Art. 57: the leaders deliberate collectively; at least ``min_members`` distinct people, minuted."""
    errors = FieldErrors()
    if len({m.strip() for m in members if m.strip()}) < min_members:
        errors.add("members", "too_few_members", f"a collective deliberation needs at least {min_members} leaders")
    return errors


@dataclass(frozen=True)
class Proposal:
    penalty: str
    fine_yuan: int
    confiscated_value_yuan: int


def within(decided: Proposal, proposed: Proposal) -> bool:
    """The decision is the proposal or lighter in amount: art. 45 forbids a heavier one after the defence."""
    return (
        decided.penalty == proposed.penalty
        and decided.fine_yuan <= proposed.fine_yuan
        and decided.confiscated_value_yuan <= proposed.confiscated_value_yuan
    )
