"""The numbered rules of enforcement, without I/O: each test fails if its number changes."""

import datetime as dt
import hashlib
from dataclasses import dataclass, replace

import pytest

from enforcement.cases import rules as cases
from enforcement.config import EnforcementSettings
from enforcement.decisions import rules as decisions
from enforcement.disclosure import rules as disclosure
from enforcement.hearings import rules as hearings
from enforcement.inspections import rules as inspections
from enforcement.items import rules as items
from enforcement.leads import rules as leads
from enforcement.officers import rules as officers
from enforcement.payments import rules as payments
from enforcement.records import rules as records
from enforcement.service_of_documents import rules as service
from enforcement.squads import rules as squads
from jiceng_shared.errors import Problem
from jiceng_shared.workdays import COUNTY_ZONE, WorkdayCalendar

calendar = WorkdayCalendar()
BUFENG = "320971100000"


def local(y: int, m: int, d: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, hour, tzinfo=COUNTY_ZONE)


def code_of(call) -> str:
    with pytest.raises(Problem) as caught:
        call()
    return caught.value.code


def test_the_configured_defaults_are_the_numbers_of_the_law():
    s = EnforcementSettings()
    assert (s.filing_workdays, s.filing_extension_workdays) == (15, 15)
    assert (s.min_officers, s.decision_days, s.decision_extension_days) == (2, 90, 30)
    assert (s.summary_fine_max_person_yuan, s.summary_fine_max_organisation_yuan) == (200, 3000)
    assert (s.large_fine_person_yuan, s.large_fine_organisation_yuan) == (5000, 50000)
    assert (s.hearing_request_workdays, s.hearing_notice_days) == (5, 7)
    assert (s.legal_review_workdays, s.deliberation_min_members) == (10, 3)
    assert (s.service_days, s.payment_days, s.late_fee_percent_per_day) == (7, 15, 3)
    assert (s.administrative_review_days, s.litigation_months) == (60, 6)
    assert (s.disclosure_workdays, s.withdrawal_workdays) == (7, 3)
    assert (s.inspection_min_ratio_percent, s.inspection_min_inspectors) == (3, 2)
    assert s.stationed_township_weight_percent == 60
    assert service.ExecutionRules.from_settings(s) == service.ExecutionRules(7, 15, 3, 60, 6)
    assert s.record_content_max_chars == 20000


# --- summary procedure (行政处罚法 art. 51) ---------------------------------------------------


def test_summary_procedure_fines_a_person_up_to_200_yuan():
    decisions.check_summary("fine", 200, "person")
    assert code_of(lambda: decisions.check_summary("fine", 201, "person")) == "summary_procedure_limit"


def test_summary_procedure_fines_an_organisation_up_to_3000_yuan():
    decisions.check_summary("fine", 3000, "organisation")
    assert code_of(lambda: decisions.check_summary("fine", 3001, "organisation")) == "summary_procedure_limit"


def test_summary_procedure_allows_a_warning_and_nothing_but_a_warning_or_a_fine():
    decisions.check_summary("warning", 0, "person")
    for penalty in ("confiscation_illegal_gains", "licence_suspension", "circulated_criticism", "no_penalty"):
        assert code_of(lambda p=penalty: decisions.check_summary(p, 0, "person")) == "summary_procedure_limit"


def test_summary_limits_are_configurable():
    stricter = decisions.SummaryLimits(person_yuan=50, organisation_yuan=1000)
    assert code_of(lambda: decisions.check_summary("fine", 51, "person", stricter)) == "summary_procedure_limit"
    decisions.check_summary("fine", 1000, "organisation", stricter)


# --- major decisions: large amounts and heavy penalties (art. 58, 63) -----------------------


def test_a_fine_of_5000_yuan_on_a_person_is_major_and_4999_is_not():
    assert decisions.is_heavy("fine", 4999, 0, "person") is False
    assert decisions.is_heavy("fine", 5000, 0, "person") is True


def test_a_fine_of_50000_yuan_on_an_organisation_is_major_and_49999_is_not():
    assert decisions.is_heavy("fine", 49999, 0, "organisation") is False
    assert decisions.is_heavy("fine", 50000, 0, "organisation") is True


def test_licence_revocation_and_closure_are_major_whatever_the_amount():
    for penalty in ("licence_revocation", "closure_order", "suspension_order", "practice_ban"):
        assert decisions.is_heavy(penalty, 0, 0, "organisation") is True
    assert decisions.is_heavy("warning", 0, 0, "organisation") is False
    assert decisions.is_heavy("confiscation_illegal_gains", 0, 5000, "person") is True


def test_amounts_belong_to_the_penalty_that_has_them():
    assert [e["code"] for e in decisions.check_amounts("fine", 0, 0).errors] == ["fine_required"]
    assert [e["code"] for e in decisions.check_amounts("warning", 100, 0).errors] == ["fine_not_applicable"]
    assert [e["code"] for e in decisions.check_amounts("fine", 100, 5).errors] == ["confiscation_not_applicable"]
    assert not decisions.check_amounts("confiscation_illegal_property", 0, 800)


def test_a_decision_may_not_be_heavier_than_the_proposal_notified():
    proposed = decisions.Proposal("fine", 1000, 0)
    assert decisions.within(decisions.Proposal("fine", 1000, 0), proposed)
    assert decisions.within(decisions.Proposal("fine", 999, 0), proposed)
    assert not decisions.within(decisions.Proposal("fine", 1001, 0), proposed)
    assert not decisions.within(decisions.Proposal("licence_revocation", 0, 0), proposed)


# --- time limits ------------------------------------------------------------------------------


def test_the_decision_is_due_90_calendar_days_after_registration():
    registered = local(2026, 11, 21, 15)
    deadline = cases.decision_deadline(registered, calendar)
    assert deadline == dt.datetime(2027, 2, 19, 23, 59, 59, tzinfo=COUNTY_ZONE)
    assert (deadline.date() - registered.date()).days == 90
    assert cases.days_left(deadline, registered, calendar) == 90
    assert cases.days_left(deadline, local(2027, 2, 20), calendar) == -1


def test_the_extension_adds_30_calendar_days_to_the_limit_and_the_last_second_is_in_time():
    deadline = cases.decision_deadline(local(2026, 11, 21, 15), calendar)
    extended = cases.extended_deadline(deadline, calendar)
    assert extended == dt.datetime(2027, 3, 21, 23, 59, 59, tzinfo=COUNTY_ZONE)
    assert cases.extended_deadline(deadline, calendar, days=29).date() == dt.date(2027, 3, 20)
    assert cases.in_time(deadline, deadline) and not cases.in_time(deadline + dt.timedelta(seconds=1), deadline)


def test_the_filing_decision_is_due_15_working_days_after_the_lead():
    # November 2026 has no holiday: three weeks of five working days
    assert leads.filing_deadline(local(2026, 11, 2), calendar) == dt.datetime(
        2026, 11, 23, 23, 59, 59, tzinfo=COUNTY_ZONE
    )
    assert calendar.add_workdays(dt.date(2026, 11, 2), 14) == dt.date(2026, 11, 20)


def test_the_filing_limit_is_extended_by_15_more_working_days_once():
    deadline = leads.filing_deadline(local(2026, 9, 28), calendar)
    assert leads.extended_filing_deadline(deadline, calendar).date() == dt.date(2026, 11, 13)
    assert leads.extended_filing_deadline(deadline, calendar, workdays=14).date() == dt.date(2026, 11, 12)
    assert not leads.decided_late(deadline, deadline)
    assert leads.decided_late(deadline + dt.timedelta(seconds=1), deadline)


def test_the_filing_limit_skips_the_national_day_holiday_and_counts_the_make_up_saturday():
    # 15 weekdays would end on 19 October; 1-7 October are off, Saturday 10 October is a working day
    assert leads.filing_deadline(local(2026, 9, 28), calendar).date() == dt.date(2026, 10, 23)


# --- officers (art. 42) -----------------------------------------------------------------------


@dataclass
class FakeOfficer:
    username: str
    township_code: str = BUFENG
    valid_from: dt.date = dt.date(2024, 1, 1)
    valid_until: dt.date = dt.date(2026, 12, 31)


PAIR = {
    "a": FakeOfficer("a"),
    "b": FakeOfficer("b"),
    "old": FakeOfficer("old", valid_until=dt.date(2024, 12, 31)),
    "far": FakeOfficer("far", township_code="320971001000"),
}
TODAY = dt.date(2026, 11, 21)


def pair(usernames, on=TODAY, **kw):
    return officers.check_officer_pair(usernames, PAIR, township_code=BUFENG, on=on, **kw)


def test_two_distinct_certified_officers_may_act_together():
    assert pair(["a", "b"]) == ["a", "b"]


def test_one_officer_or_the_same_officer_twice_is_not_enough():
    assert code_of(lambda: pair(["a"])) == "two_officers_required"
    assert code_of(lambda: pair(["a", "a"])) == "two_officers_required"
    assert code_of(lambda: pair(["a", "b"], min_officers=3)) == "two_officers_required"


def test_an_expired_or_unknown_certificate_does_not_count():
    assert code_of(lambda: pair(["a", "old"])) == "certificate_invalid"
    assert code_of(lambda: pair(["a", "nobody"])) == "certificate_invalid"


def test_a_certificate_is_valid_through_its_last_day():
    last_day = dt.date(2026, 12, 31)
    assert officers.certificate_valid(PAIR["a"], last_day)
    assert not officers.certificate_valid(PAIR["a"], last_day + dt.timedelta(days=1))
    assert not officers.certificate_valid(PAIR["a"], dt.date(2023, 12, 31))


def test_officers_of_another_township_do_not_form_the_pair():
    assert code_of(lambda: pair(["a", "far"])) == "officer_outside_township"


# --- the enforcement-item list --------------------------------------------------------------


@dataclass
class Rev:
    code: str
    revision: int
    effective_from: dt.date
    effective_until: dt.date | None = None


def test_the_revision_in_force_is_the_latest_that_took_effect():
    revisions = [Rev("X", 1, dt.date(2024, 1, 1)), Rev("X", 2, dt.date(2026, 12, 1))]
    assert items.in_force(revisions, dt.date(2023, 12, 31)) is None
    assert items.in_force(revisions, dt.date(2026, 11, 30)).revision == 1
    assert items.in_force(revisions, dt.date(2026, 12, 1)).revision == 2
    repealed = [Rev("X", 1, dt.date(2024, 1, 1), effective_until=dt.date(2025, 6, 30))]
    assert items.in_force(repealed, dt.date(2025, 6, 30)).revision == 1
    assert items.in_force(repealed, dt.date(2025, 7, 1)) is None


def test_a_delegation_covers_its_township_from_its_first_to_its_last_day():
    d = items.DelegationSpec(BUFENG, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert items.is_delegated([d], BUFENG, dt.date(2025, 1, 1))
    assert items.is_delegated([d], BUFENG, dt.date(2025, 12, 31))
    assert not items.is_delegated([d], BUFENG, dt.date(2024, 12, 31))
    assert not items.is_delegated([d], BUFENG, dt.date(2026, 1, 1))
    assert not items.is_delegated([d], "320971001000", dt.date(2025, 6, 1))


def item_errors(**overrides):
    base = {
        "categories": ["street_occupation"],
        "open_categories": {"street_occupation"},
        "competent_dept": "cle",
        "delegable": True,
        "restricts_personal_freedom": False,
        "national_security": False,
        "effective_from": TODAY,
        "effective_until": None,
        "delegations": [items.DelegationSpec(BUFENG, TODAY, None)],
        "today": TODAY,
    }
    return [e["code"] for e in items.check_item(**(base | overrides)).errors]


def test_items_restricting_personal_freedom_or_touching_national_security_are_never_delegated():
    assert item_errors() == []
    assert item_errors(restricts_personal_freedom=True) == ["not_delegable"]
    assert item_errors(national_security=True, delegations=[]) == ["not_delegable"]
    assert item_errors(delegable=False) == ["not_delegable"]
    assert item_errors(delegable=False, restricts_personal_freedom=True, delegations=[]) == []


def test_a_revision_never_takes_effect_in_the_past():
    assert item_errors(effective_from=TODAY - dt.timedelta(days=1)) == ["effective_from_in_past"]


def test_two_delegations_of_one_township_may_not_overlap():
    first = items.DelegationSpec(BUFENG, dt.date(2027, 1, 1), dt.date(2027, 6, 30))
    assert item_errors(delegations=[first, items.DelegationSpec(BUFENG, dt.date(2027, 6, 30), None)]) == [
        "overlapping_delegation"
    ]
    assert item_errors(delegations=[first, items.DelegationSpec(BUFENG, dt.date(2027, 7, 1), None)]) == []


# --- the hash chain ---------------------------------------------------------------------------


@dataclass
class Entry:
    case_id: str
    seq: int
    kind: str
    content: str
    prev_hash: str
    hash: str = ""
    data: dict | None = None
    attachment: dict | None = None
    actor_id: str = "u1"
    actor_name: str = "执法人员甲"
    actor_username: str | None = "enforcement_officer.bufeng"
    request_id: str | None = None
    recorded_at: dt.datetime = dt.datetime(2026, 11, 21, 4, 0, tzinfo=dt.UTC)


def chain(n: int) -> list[Entry]:
    out, prev = [], records.GENESIS
    for seq in range(1, n + 1):
        e = Entry("c1", seq, "note", f"记录{seq}", prev)
        e.hash = records.chain_hash(prev, records.hashed_fields(e))
        out.append(e)
        prev = e.hash
    return out


def test_the_hash_is_sha256_of_the_previous_hash_and_the_canonical_json():
    e = chain(1)[0]
    canonical = (
        '{"actor_id":"u1","actor_name":"执法人员甲","actor_username":"enforcement_officer.bufeng",'
        '"attachment":null,"case_id":"c1","content":"记录1","data":null,"kind":"note",'
        '"recorded_at":"2026-11-21T04:00:00.000000+00:00","request_id":null,"seq":1}'
    )
    assert records.canonical_json(records.hashed_fields(e)) == canonical
    assert e.hash == hashlib.sha256(("0" * 64 + canonical).encode()).hexdigest()


def test_an_intact_chain_verifies():
    entries = chain(4)
    result = records.verify(entries, expected_count=4, expected_head=entries[-1].hash)
    assert result.valid and result.entries == 4 and result.broken_at is None


def test_a_changed_entry_breaks_the_chain_where_it_was_changed():
    entries = chain(4)
    entries[2] = replace(entries[2], content="改过的记录")
    assert records.verify(entries, expected_count=4, expected_head=entries[-1].hash).broken_at == 3


def test_a_removed_entry_or_a_cut_off_tail_is_noticed():
    entries = chain(4)
    assert records.verify(entries[:1] + entries[2:], expected_count=4, expected_head=entries[-1].hash).broken_at == 2
    cut = records.verify(entries[:3], expected_count=4, expected_head=entries[-1].hash)
    assert not cut.valid and cut.broken_at == 4


def test_the_legal_review_is_due_on_the_10th_working_day_across_the_national_day():
    due = decisions.legal_review_due(local(2026, 9, 29), calendar)
    assert due == dt.datetime(2026, 10, 19, 23, 59, 59, tzinfo=COUNTY_ZONE)
    assert decisions.legal_review_due(local(2026, 9, 29), calendar, workdays=9).date() == dt.date(2026, 10, 16)
    assert not decisions.review_late(due, due) and decisions.review_late(due + dt.timedelta(seconds=1), due)
    assert not decisions.review_late(due, None)


def test_a_reviewer_is_certified_from_the_first_to_the_last_day_of_the_qualification():
    @dataclass
    class Q:
        township_code: str = BUFENG
        valid_from: dt.date = dt.date(2026, 1, 1)
        valid_until: dt.date | None = dt.date(2026, 12, 31)

    assert decisions.reviewer_certified(Q(), BUFENG, dt.date(2026, 1, 1))
    assert decisions.reviewer_certified(Q(), BUFENG, dt.date(2026, 12, 31))
    assert not decisions.reviewer_certified(Q(), BUFENG, dt.date(2025, 12, 31))
    assert not decisions.reviewer_certified(Q(), BUFENG, dt.date(2027, 1, 1))
    assert decisions.reviewer_certified(Q(valid_until=None), BUFENG, dt.date(2040, 1, 1))
    assert not decisions.reviewer_certified(Q(), "320971001000", dt.date(2026, 6, 1))
    assert not decisions.reviewer_certified(None, BUFENG, dt.date(2026, 6, 1))


def test_a_collective_deliberation_needs_three_distinct_leaders():
    assert not decisions.check_members(["a", "b", "c"])
    assert decisions.check_members(["a", "b"]).errors[0]["code"] == "too_few_members"
    assert decisions.check_members(["a", "a", "b"])
    assert not decisions.check_members(["a", "b"], min_members=2)


# --- hearings (art. 63-65) --------------------------------------------------------------------


def test_the_hearing_request_window_is_5_working_days_across_the_national_day():
    # notice Tuesday 29 September 2026: 30 Sep, 8, 9, Saturday 10 (make-up) and Monday 12 October
    deadline = hearings.request_deadline(local(2026, 9, 29), calendar)
    assert deadline == dt.datetime(2026, 10, 12, 23, 59, 59, tzinfo=COUNTY_ZONE)
    assert hearings.may_request(deadline, deadline)
    assert not hearings.may_request(deadline + dt.timedelta(seconds=1), deadline)
    assert hearings.request_deadline(local(2026, 9, 29), calendar, workdays=4).date() == dt.date(2026, 10, 10)


def test_a_hearing_is_notified_at_least_7_days_ahead_and_chaired_by_a_non_investigator():
    now = local(2026, 11, 24, 9)
    officers_ = [{"username": "a"}, {"username": "b"}]

    def codes(at, chair="c", public=True, reason=None, days=7):
        errors = hearings.check_schedule(
            now=now,
            scheduled_for=at,
            hearing_officer=chair,
            case_officers=officers_,
            public=public,
            not_public_reason=reason,
            notice_days=days,
        )
        return {e["code"] for e in errors.errors}

    assert codes(now + dt.timedelta(days=7)) == set()
    assert codes(now + dt.timedelta(days=7, seconds=-1)) == {"hearing_notice_too_short"}
    assert codes(now + dt.timedelta(days=6), days=6) == set()
    assert codes(now + dt.timedelta(days=8), chair="a") == {"hearing_officer_is_case_officer"}
    assert codes(now + dt.timedelta(days=8), public=False) == {"not_public_reason_required"}
    assert codes(now + dt.timedelta(days=8), public=False, reason="涉及个人隐私") == set()


def test_the_decision_waits_for_the_window_and_for_a_hearing_asked_for():
    deadline = dt.datetime(2026, 11, 30, 23, 59, 59, tzinfo=COUNTY_ZONE)
    after = deadline + dt.timedelta(seconds=1)

    def blocked(status, now, offered=True):
        return hearings.decision_blocked(offered=offered, request_deadline=deadline, hearing_status=status, now=now)

    assert blocked(None, deadline) == "hearing_window_open"
    assert blocked(None, after) is None
    assert blocked(None, deadline, offered=False) is None
    assert blocked("waived", deadline) is None
    assert blocked("requested", after) == "hearing_pending"
    assert blocked("scheduled", after) == "hearing_pending"
    assert blocked("held", after) is None and blocked("absent", after) is None


# --- service and payment (art. 61, 66-73) -----------------------------------------------------


def test_the_decision_is_served_within_7_days_and_the_periods_run_from_the_service():
    decided = local(2026, 12, 28)
    due = service.service_due(decided, calendar)
    assert due == dt.datetime(2027, 1, 4, 23, 59, 59, tzinfo=COUNTY_ZONE)  # across New Year: calendar days
    assert service.service_due(decided, calendar, days=6).date() == dt.date(2027, 1, 3)
    assert not service.served_late(due, due) and service.served_late(due + dt.timedelta(seconds=1), due)
    served = local(2026, 8, 31)
    assert service.review_until(served, calendar).date() == dt.date(2026, 10, 30)
    # six months from 31 August end on the last day of February
    assert service.litigation_until(served, calendar) == dt.datetime(2027, 2, 28, 23, 59, 59, tzinfo=COUNTY_ZONE)
    assert service.litigation_until(served, calendar, months_=5).date() == dt.date(2027, 1, 31)


def test_electronic_service_needs_consent_and_an_announcement_a_reason():
    def codes(method, consent=False, reason=None, served=local(2026, 12, 1)):
        return {
            e["code"]
            for e in service.check_service(
                method=method,
                served_at=served,
                decided_at=local(2026, 11, 30),
                now=local(2026, 12, 2),
                consent=consent,
                announcement_reason=reason,
            ).errors
        }

    assert codes(service.ServiceMethod.IN_PERSON) == set()
    assert codes(service.ServiceMethod.ELECTRONIC) == {"electronic_consent_required"}
    assert codes(service.ServiceMethod.ELECTRONIC, consent=True) == set()
    assert codes(service.ServiceMethod.PUBLIC_ANNOUNCEMENT) == {"announcement_reason_required"}
    assert codes(service.ServiceMethod.POST, served=local(2026, 11, 29)) == {"served_before_decision"}
    assert codes(service.ServiceMethod.POST, served=local(2026, 12, 3)) == {"served_in_future"}


def test_payment_is_due_15_days_after_the_service():
    due = payments.payment_due(local(2026, 12, 2), calendar)
    assert due == dt.datetime(2026, 12, 17, 23, 59, 59, tzinfo=COUNTY_ZONE)
    assert payments.payment_due(local(2026, 12, 2), calendar, days=14).date() == dt.date(2026, 12, 16)
    assert payments.days_late(due, due, calendar) == 0
    assert payments.days_late(due, due + dt.timedelta(seconds=1), calendar) == 1


def test_the_late_fee_is_3_percent_a_day_and_never_more_than_the_fine():
    assert payments.late_fee(60000, 0) == 0
    assert payments.late_fee(60000, 1) == 1800
    assert payments.late_fee(60000, 33) == 59400
    assert payments.late_fee(60000, 34) == 60000  # 102 % capped at the fine
    assert payments.late_fee(60000, 365) == 60000
    assert payments.late_fee(60000, 1, percent_per_day=2) == 1200
    assert payments.late_fee(99, 1) == 2  # whole yuan, rounded down


def test_an_arrangement_covers_exactly_what_is_owed_on_future_dates_in_order():
    inst = payments.Instalment
    today = dt.date(2026, 12, 10)
    assert not payments.check_schedule([inst(today, 500), inst(dt.date(2027, 1, 10), 500)], 1000, today)
    codes = {
        e["code"]
        for e in payments.check_schedule(
            [inst(dt.date(2027, 1, 10), 500), inst(dt.date(2026, 12, 9), 499)], 1000, today
        ).errors
    }
    assert codes == {"instalments_do_not_add_up", "due_in_the_past", "instalments_out_of_order"}


def test_the_court_only_once_something_is_overdue_and_the_periods_have_run_out():
    end = local(2027, 6, 2, 23)
    assert payments.may_apply_to_court(end + dt.timedelta(days=1), False, end) == "nothing_overdue"
    assert payments.may_apply_to_court(end, True, end) == "periods_running"
    assert payments.may_apply_to_court(end + dt.timedelta(seconds=1), True, end) is None


# --- disclosure (art. 48) ---------------------------------------------------------------------


def test_publication_is_due_7_working_days_after_the_decision_and_withdrawal_3_after_the_change():
    due = disclosure.publication_due(local(2026, 9, 29), calendar)
    assert due == dt.datetime(2026, 10, 14, 23, 59, 59, tzinfo=COUNTY_ZONE)
    assert disclosure.publication_due(local(2026, 9, 29), calendar, workdays=6).date() == dt.date(2026, 10, 13)
    # a change on Wednesday 30 September: 8, 9 and Saturday 10 October
    assert disclosure.withdrawal_due(local(2026, 9, 30), calendar).date() == dt.date(2026, 10, 10)
    assert disclosure.withdrawal_due(local(2026, 9, 30), calendar, workdays=2).date() == dt.date(2026, 10, 9)
    assert not disclosure.late(due, due) and disclosure.late(due + dt.timedelta(seconds=1), due)


def test_a_person_is_published_by_surname_and_an_organisation_by_name():
    assert disclosure.public_party("person", "王小明") == "王**"
    assert disclosure.public_party("person", "张某") == "张*"
    assert disclosure.public_party("organisation", "某某有限公司") == "某某有限公司"


# --- random inspections (双随机) -----------------------------------------------------------------


def test_a_plan_draws_3_percent_rounded_up_and_no_less():
    assert inspections.targets_to_draw(100, 3) == 3
    assert inspections.targets_to_draw(101, 3) == 4
    assert inspections.targets_to_draw(33, 3) == 1 and inspections.targets_to_draw(34, 3) == 2
    assert inspections.targets_to_draw(2, 100) == 2
    assert not inspections.check_plan(3, 2)
    assert {e["code"] for e in inspections.check_plan(2, 2).errors} == {"ratio_below_minimum"}
    assert {e["code"] for e in inspections.check_plan(3, 1).errors} == {"too_few_inspectors"}
    assert not inspections.check_plan(2, 1, min_ratio=2, min_inspectors=1)


def test_the_draw_is_reproducible_and_excludes_conflicts():
    targets = [f"t{n:02}" for n in range(40)]
    inspectors = ["a", "b", "c"]
    conflicts = {t: ["a"] for t in targets}
    first = inspections.draw("seed-1", targets, inspectors, conflicts, ratio_percent=10, inspectors_per_target=2)
    again = inspections.draw(
        "seed-1", list(reversed(targets)), inspectors[::-1], conflicts, ratio_percent=10, inspectors_per_target=2
    )
    assert first == again and len(first) == 4
    assert all(set(a.inspectors) == {"b", "c"} for a in first)
    other = inspections.draw("seed-2", targets, inspectors, {}, ratio_percent=10, inspectors_per_target=2)
    assert [a.target_id for a in other] != [a.target_id for a in first]
    with pytest.raises(Problem) as caught:
        inspections.draw("s", targets, ["a", "b"], conflicts, ratio_percent=100, inspectors_per_target=2)
    assert caught.value.code == "not_enough_inspectors"


# --- squads (dual leadership) ----------------------------------------------------------------


def test_a_stationed_squad_is_assessed_60_by_the_township_and_40_by_the_county():
    assert squads.assessment_weights(squads.SquadKind.STATIONED) == (60, 40)
    assert squads.assessment_weights(squads.SquadKind.STATIONED, 75) == (75, 25)
    assert squads.assessment_weights(squads.SquadKind.TOWNSHIP) == (100, 0)
    assert not squads.check_weight(60) and not squads.check_weight(100)
    assert squads.check_weight(59).errors[0]["code"] == "township_weight_too_low"
    assert not squads.check_weight(55, minimum=55)
