"""Demonstration data: valid, believable, marked, refused where real cases are, removable."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from analytics.cases.demo import (
    DEMO_REFERENCE_PREFIX,
    DemoRefused,
    first_day_of_history,
    generate_demo_cases,
    load_demo_data,
    remove_demo_data,
)
from analytics.cases.register import count_cases, record_case
from analytics.cases.rules import validate_case
from tests.conftest import NOW, PINNED_NOW, TODAY, make_case


@pytest.fixture(scope="module")
def demo_cases():
    return list(generate_demo_cases(3000, seed=11, today=TODAY))


def test_every_demonstration_case_keeps_every_rule(demo_cases):
    broken = {case.reference: validate_case(case, TODAY) for case in demo_cases}
    assert {ref: problems for ref, problems in broken.items() if problems} == {}


def test_cases_spread_over_several_academic_years_up_to_today(demo_cases):
    reported = [case.reported_on for case in demo_cases]
    assert first_day_of_history(TODAY) == date(2022, 9, 1)
    assert min(reported) >= date(2022, 9, 1) and max(reported) <= TODAY
    academic_years = {day.year if day.month >= 9 else day.year - 1 for day in reported}
    assert academic_years == {2022, 2023, 2024, 2025}


def test_most_cases_are_settled_at_discussion_and_some_are_open(demo_cases):
    stages = Counter(
        "escalated" if case.actions else "settled" if case.closed_on else "open"
        for case in demo_cases
    )
    assert stages["settled"] > stages["escalated"] > stages["open"] > 0
    assert stages["settled"] > len(demo_cases) / 2


def test_the_mix_of_categories_platforms_and_actions_is_believable(demo_cases):
    categories = Counter(code for case in demo_cases for code in case.categories)
    assert categories.most_common(1)[0][0] == "complaints"
    assert categories["threats_of_violence"] < categories["complaints"] / 3
    platforms = Counter(case.platform for case in demo_cases)
    assert platforms.most_common(1)[0][0] == "facebook"
    actions = Counter(step.action for case in demo_cases for step in case.actions)
    assert set(actions) == {
        "written_warning", "legal_advice", "police", "access_blocked",
        "provider_removal_request", "legal_action",
    }  # fmt: skip


def test_some_person_references_recur(demo_cases):
    per_person = Counter(case.person_ref for case in demo_cases)
    repeat_cases = sum(count - 1 for count in per_person.values())
    assert 0.1 < repeat_cases / len(demo_cases) < 0.3


def test_the_same_seed_gives_the_same_cases():
    first = list(generate_demo_cases(50, seed=3, today=TODAY))
    assert first == list(generate_demo_cases(50, seed=3, today=TODAY))
    assert first != list(generate_demo_cases(50, seed=4, today=TODAY))


def test_loaded_cases_are_marked_as_demonstration(store):
    load_demo_data(store, 120, actor="test", now=NOW)
    assert count_cases(store, demo=True) == 120
    assert count_cases(store, demo=False) == 0
    references = [row[0] for row in store.read_rows("SELECT reference FROM incidents")]
    assert all(ref.startswith(DEMO_REFERENCE_PREFIX) for ref in references)


def test_demo_refuses_a_store_with_real_cases(store):
    record_case(store, make_case(), actor="head", now=NOW)
    with pytest.raises(DemoRefused, match="holds 1 real case"):
        load_demo_data(store, 10, actor="test", now=NOW)
    assert count_cases(store) == 1


def test_demo_refuses_to_load_twice(store):
    load_demo_data(store, 10, actor="test", now=NOW)
    with pytest.raises(DemoRefused, match="already holds 10 demonstration"):
        load_demo_data(store, 10, actor="test", now=NOW)


def test_removing_demonstration_data_keeps_real_cases_and_leaves_no_orphan_steps(store):
    load_demo_data(store, 200, actor="test", now=NOW)
    record_case(store, make_case(reference="REAL-1"), actor="head", now=NOW)
    assert remove_demo_data(store, actor="test", now=PINNED_NOW) == 200
    assert count_cases(store) == 1
    orphans = store.read_value(
        "SELECT count(*) FROM escalation_actions "
        "WHERE incident_id NOT IN (SELECT id FROM incidents)"
    )
    assert orphans == 0
    assert [row[0] for row in store.read_rows("SELECT action FROM audit_log ORDER BY id")] == [
        "demo data loaded", "case logged", "demo data removed",
    ]  # fmt: skip


def test_removing_demonstration_data_removes_its_evidence_too(store):
    import io

    from PIL import Image

    from analytics.cases.evidence import load_evidence_list, record_evidence

    load_demo_data(store, 5, actor="head", now=PINNED_NOW)
    (demo_id,) = store.read_rows("SELECT min(id) FROM incidents WHERE is_demo")[0]
    picture = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(picture, format="PNG")
    record_evidence(
        store, demo_id, picture.getvalue(), "x.png", note=None, actor="head", now=PINNED_NOW
    )
    remove_demo_data(store, actor="head", now=PINNED_NOW)
    assert not load_evidence_list(store, demo_id)
    assert store.read_value("SELECT count(*) FROM evidence") == 0
