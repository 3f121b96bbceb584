"""Logging and following a case on a real store: writes, stage, edits, audit, lists."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.cases.register import (
    CaseFilter,
    CaseNotFound,
    count_cases,
    describe_case_list,
    describe_timeline,
    find_case_id,
    load_case,
    load_case_list,
    load_edit_history,
    load_stage,
    load_status,
    record_case,
    record_closing,
    record_discussion,
    record_edit,
    record_escalation,
    record_removal,
)
from analytics.cases.rules import CaseInvalid, EscalationStep
from analytics.terms import Period
from analytics.vocabulary import STATUSES
from tests.conftest import NOW, PINNED_NOW, TODAY, escalated_case, make_case


def audit_actions(store) -> list[str]:
    return [row[0] for row in store.read_rows("SELECT action FROM audit_log ORDER BY id")]


def test_a_logged_case_reads_back_as_it_was_entered(store):
    case = escalated_case(summary="Text with 'quotes', <b>tags</b> and **markdown**")
    incident_id = record_case(store, case, actor="head", now=NOW)
    assert load_case(store, incident_id) == case
    assert find_case_id(store, "2026-001") == incident_id


def test_a_reference_is_used_once(store):
    record_case(store, make_case(), actor="head", now=NOW)
    with pytest.raises(CaseInvalid, match="reference: '2026-001' is already used"):
        record_case(store, make_case(summary="another"), actor="head", now=NOW)
    assert count_cases(store) == 1


def test_an_invalid_case_writes_nothing_at_all(store):
    with pytest.raises(CaseInvalid):
        record_case(store, make_case(categories=()), actor="head", now=NOW)
    assert count_cases(store) == 0
    assert store.read_value("SELECT count(*) FROM audit_log") == 0


# The stage, exactly as the issue defines it.
def test_stage_is_open_while_not_closed_and_not_escalated(store):
    incident_id = record_case(store, make_case(), actor="head", now=NOW)
    assert load_stage(store, incident_id) == "open"
    record_discussion(store, incident_id, date(2026, 1, 13), "refused", actor="head", now=NOW)
    assert load_stage(store, incident_id) == "open"


def test_stage_is_settled_at_discussion_when_closed_without_escalation(store):
    incident_id = record_case(store, make_case(), actor="head", now=NOW)
    record_discussion(store, incident_id, date(2026, 1, 13), "removed", actor="head", now=NOW)
    record_closing(
        store, incident_id, date(2026, 1, 14), "Removed", "Settled", actor="head", now=NOW
    )
    assert load_stage(store, incident_id) == "settled_at_discussion"


def test_stage_is_escalated_with_any_action_open_or_closed(store):
    incident_id = record_case(store, make_case(), actor="head", now=NOW)
    record_escalation(
        store,
        incident_id,
        EscalationStep("provider_removal_request", date(2026, 1, 20)),
        actor="head",
        now=NOW,
    )
    assert load_stage(store, incident_id) == "escalated"
    record_closing(
        store,
        incident_id,
        date(2026, 1, 25),
        "Taken down",
        "Host removed it",
        actor="head",
        now=NOW,
    )
    assert load_stage(store, incident_id) == "escalated"


def test_a_case_followed_from_report_to_closing_keeps_every_step(store):
    incident_id = record_case(store, make_case(), actor="head", now=NOW)
    record_discussion(store, incident_id, date(2026, 1, 13), "refused", actor="head", now=NOW)
    for action, on in [("written_warning", 15), ("written_warning", 22), ("legal_advice", 23)]:
        record_escalation(
            store,
            incident_id,
            EscalationStep(action, date(2026, 1, on), "note"),
            actor="head",
            now=NOW,
        )
    record_removal(store, incident_id, date(2026, 1, 24), actor="head", now=NOW)
    record_closing(
        store,
        incident_id,
        date(2026, 1, 30),
        "Removed",
        "Warning worked",
        actor="head",
        now=NOW,
    )
    case = load_case(store, incident_id)
    assert [step.action for step in case.actions] == [
        "written_warning", "written_warning", "legal_advice",
    ]  # fmt: skip
    assert case.content_removed_on == date(2026, 1, 24)
    assert (case.closed_on, case.outcome, case.rationale) == (
        date(2026, 1, 30), "Removed", "Warning worked",
    )  # fmt: skip
    assert audit_actions(store) == [
        "case logged", "discussion recorded", "escalation recorded", "escalation recorded",
        "escalation recorded", "removal recorded", "case closed",
    ]  # fmt: skip


def test_a_step_breaking_a_rule_writes_nothing(store):
    incident_id = record_case(store, make_case(platform="facebook"), actor="head", now=NOW)
    with pytest.raises(CaseInvalid, match="access_blocked_on"):
        record_escalation(
            store,
            incident_id,
            EscalationStep("access_blocked", date(2026, 1, 14)),
            actor="head",
            now=NOW,
        )
    with pytest.raises(CaseInvalid, match="discussion_on: must be on or after the reported"):
        record_discussion(store, incident_id, date(2026, 1, 1), "removed", actor="head", now=NOW)
    with pytest.raises(CaseInvalid, match="rationale: is required"):
        record_closing(store, incident_id, date(2026, 1, 20), "Done", "", actor="head", now=NOW)
    assert load_case(store, incident_id) == make_case(platform="facebook")
    assert store.read_value("SELECT count(*) FROM escalation_actions") == 0
    assert audit_actions(store) == ["case logged"]


def test_a_case_cannot_be_closed_twice_or_discussed_twice(store):
    incident_id = record_case(store, make_case(), actor="head", now=NOW)
    record_discussion(store, incident_id, date(2026, 1, 13), "removed", actor="head", now=NOW)
    record_closing(store, incident_id, date(2026, 1, 14), "x", "y", actor="head", now=NOW)
    with pytest.raises(CaseInvalid, match="already closed"):
        record_closing(store, incident_id, date(2026, 1, 15), "x", "y", actor="head", now=NOW)
    with pytest.raises(CaseInvalid, match="already recorded"):
        record_discussion(store, incident_id, date(2026, 1, 13), "refused", actor="h", now=NOW)


def test_closing_before_a_recorded_step_is_refused(store):
    incident_id = record_case(store, escalated_case(), actor="head", now=NOW)
    with pytest.raises(CaseInvalid, match="closed_on: must be on or after every step"):
        record_closing(store, incident_id, date(2026, 1, 14), "x", "y", actor="head", now=NOW)


def test_steps_on_a_missing_case_say_so(store):
    with pytest.raises(CaseNotFound):
        record_removal(store, 999, date(2026, 1, 14), actor="head", now=NOW)


def test_an_edit_needs_a_reason_and_writes_nothing_without_one(store):
    incident_id = record_case(store, make_case(), actor="head", now=NOW)
    with pytest.raises(CaseInvalid, match="reason: is required"):
        record_edit(store, incident_id, {"platform": "tiktok"}, "  ", actor="head", now=NOW)
    assert load_case(store, incident_id).platform == "facebook"


def test_an_edit_records_which_fields_changed_and_why_but_not_their_values(store):
    incident_id = record_case(store, make_case(), actor="head", now=NOW)
    changed = record_edit(
        store,
        incident_id,
        {"reference": "2026-001A", "summary": "Corrected summary", "platform": "facebook"},
        "Typo in the case number",
        actor="head",
        now=NOW,
    )
    assert changed == ["reference", "summary"]
    case = load_case(store, incident_id)
    assert (case.reference, case.summary) == ("2026-001A", "Corrected summary")
    history = load_edit_history(store, incident_id)
    assert history[["Who", "Fields changed", "Reason"]].values.tolist() == [
        ["head", "Reference, Summary", "Typo in the case number"]
    ]
    trail = " ".join(str(v) for row in store.read_rows("SELECT * FROM audit_log") for v in row)
    assert "Corrected summary" not in trail


def test_an_edit_is_checked_against_every_rule(store):
    incident_id = record_case(store, escalated_case(), actor="head", now=NOW)
    with pytest.raises(CaseInvalid, match="reported_on"):
        record_edit(
            store, incident_id, {"reported_on": date(2026, 3, 20)}, "wrong", actor="h", now=NOW
        )
    with pytest.raises(CaseInvalid, match="cannot be edited"):
        record_edit(store, incident_id, {"actions": ()}, "wrong", actor="h", now=NOW)
    with pytest.raises(CaseInvalid, match="nothing was changed"):
        record_edit(store, incident_id, {"platform": "facebook"}, "same", actor="h", now=NOW)


def test_an_edit_cannot_take_another_cases_reference(store):
    record_case(store, make_case(reference="A"), actor="head", now=NOW)
    second = record_case(store, make_case(reference="B"), actor="head", now=NOW)
    with pytest.raises(CaseInvalid, match="reference: 'A' is already used by another case"):
        record_edit(store, second, {"reference": "A"}, "merge", actor="head", now=NOW)
    assert load_case(store, second).reference == "B"


def _three_cases(store):
    settled = record_case(
        store,
        make_case(
            reference="S", platform="whatsapp", reported_on=date(2025, 10, 1), posted_on=None
        ),
        actor="h",
        now=NOW,
    )
    record_discussion(store, settled, date(2025, 10, 2), "removed", actor="h", now=NOW)
    record_closing(store, settled, date(2025, 10, 5), "Removed", "Settled", actor="h", now=NOW)
    record_case(store, escalated_case(reference="E", categories=("racist", "complaints")),
                actor="h", now=NOW)  # fmt: skip
    record_case(store, make_case(reference="O", categories=("threats_of_violence",),
                                 reported_on=date(2026, 3, 1), posted_on=None),
                actor="h", now=NOW)  # fmt: skip


@pytest.mark.parametrize(
    ("case_filter", "references"),
    [
        (CaseFilter(), ["O", "E", "S"]),
        (CaseFilter(categories=("complaints",)), ["E", "S"]),
        (CaseFilter(categories=("racist", "threats_of_violence")), ["O", "E"]),
        (CaseFilter(platforms=("whatsapp",)), ["S"]),
        (CaseFilter(stages=("escalated",)), ["E"]),
        (CaseFilter(stages=("open", "settled_at_discussion")), ["O", "S"]),
        (CaseFilter(reported_from=date(2026, 1, 1)), ["O", "E"]),
        (CaseFilter(reported_to=date(2026, 1, 12)), ["E", "S"]),
        (CaseFilter(reported_from=date(2026, 1, 13), reported_to=date(2026, 2, 28)), []),
    ],
)
def test_case_list_filters(store, case_filter, references):
    _three_cases(store)
    listed = load_case_list(store, case_filter, today=TODAY)
    assert listed["reference"].tolist() == references


def test_a_filter_within_a_term_keeps_only_the_days_both_allow():
    autumn = Period(date(2025, 9, 1), date(2025, 12, 31), "Autumn 2025")
    assert CaseFilter(platforms=("tiktok",)).within(None) == CaseFilter(platforms=("tiktok",))
    assert CaseFilter().within(autumn) == CaseFilter(
        reported_from=date(2025, 9, 1), reported_to=date(2025, 12, 31)
    )
    narrower = CaseFilter(reported_from=date(2025, 10, 1), reported_to=date(2026, 2, 1))
    assert (narrower.within(autumn).reported_from, narrower.within(autumn).reported_to) == (
        date(2025, 10, 1),
        date(2025, 12, 31),
    )


def test_case_list_shows_stage_and_days_open(store):
    _three_cases(store)
    listed = load_case_list(store, CaseFilter(), today=TODAY).set_index("reference")
    assert listed.loc["S", "stage"] == "settled_at_discussion"
    assert listed.loc["S", "days_open"] == 4  # 1 to 5 October: days until closing
    assert listed.loc["O", "days_open"] == 14  # 1 to 15 March: still open today
    assert listed.loc["E", "stage"] == "escalated"


def test_case_list_is_limited_but_counts_every_match(store):
    _three_cases(store)
    listed = load_case_list(store, CaseFilter(), today=TODAY, row_limit=2)
    assert len(listed) == 2
    assert set(listed["matching_cases"]) == {3}


def test_case_list_for_people_uses_labels(store):
    _three_cases(store)
    shown = describe_case_list(
        load_case_list(store, CaseFilter(platforms=("whatsapp",)), today=PINNED_NOW.date())
    )
    assert shown.iloc[0]["Platform"] == "WhatsApp"
    assert shown.iloc[0]["Status"] == "Closed: settled at discussion"
    # Status comes second, where it cannot scroll off screen.
    assert list(shown.columns[:2]) == ["Reference", "Status"]


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({}, "open_not_discussed"),
        ({"discussion_on": date(2026, 1, 13), "discussion_outcome": "refused"},
         "open_discussed"),
        ({"discussion_on": date(2026, 1, 13), "discussion_outcome": "refused",
          "actions": (EscalationStep("written_warning", date(2026, 1, 15)),)}, "open_escalated"),
        ({"discussion_on": date(2026, 1, 13), "discussion_outcome": "removed",
          "closed_on": date(2026, 1, 20), "outcome": "Removed", "rationale": "Done"},
         "closed_settled"),
        ({"discussion_on": date(2026, 1, 13), "discussion_outcome": "refused",
          "actions": (EscalationStep("written_warning", date(2026, 1, 15)),),
          "closed_on": date(2026, 1, 20), "outcome": "Removed", "rationale": "Done"},
         "closed_escalated"),
    ],
)  # fmt: skip
def test_every_case_has_one_status_in_words_and_the_list_filters_by_it(store, changes, status):
    incident_id = record_case(store, make_case(**changes), actor="head", now=NOW)
    assert load_status(store, incident_id) == status
    assert status in STATUSES
    listed = load_case_list(store, CaseFilter(statuses=(status,)), today=TODAY)
    assert listed["id"].tolist() == [incident_id]
    others = tuple(code for code in STATUSES if code != status)
    assert load_case_list(store, CaseFilter(statuses=others), today=TODAY).empty


def test_the_list_finds_a_persons_cases_by_their_reference(store):
    _three_cases(store)
    people = store.read_rows(
        "SELECT DISTINCT person_ref FROM incidents WHERE person_ref IS NOT NULL"
    )
    person = people[0][0]
    found = load_case_list(store, CaseFilter(person_ref=f" {person} "), today=TODAY)
    expected = store.read_value("SELECT count(*) FROM incidents WHERE person_ref = ?", [person])
    assert len(found) == expected > 0
    assert load_case_list(store, CaseFilter(person_ref="nobody"), today=TODAY).empty


def test_timeline_lists_every_step_in_date_order():
    case = escalated_case(
        content_removed_on=date(2026, 1, 16),
        closed_on=date(2026, 1, 20),
        outcome="Removed after warning",
        rationale="Done",
    )
    timeline = describe_timeline(case)
    assert timeline["step"].tolist() == [
        "Posted", "Reported to the school", "Discussion with the parent", "Escalation",
        "Content removed", "Closed",
    ]  # fmt: skip
    assert timeline["date"].tolist() == sorted(timeline["date"].tolist())


def test_an_earlier_dated_step_added_later_is_recorded_as_entered(store):
    incident_id = record_case(store, escalated_case(), actor="head", now=NOW)  # warning 15 Jan
    record_escalation(
        store, incident_id, EscalationStep("police", date(2026, 1, 13), " called "),
        actor="head", now=NOW,
    )  # fmt: skip
    steps = [(s.action, s.taken_on, s.note) for s in load_case(store, incident_id).actions]
    assert steps == [
        ("police", date(2026, 1, 13), "called"), ("written_warning", date(2026, 1, 15), None),
    ]  # fmt: skip
    assert store.read_value("SELECT detail FROM audit_log ORDER BY id DESC LIMIT 1") == "police"
