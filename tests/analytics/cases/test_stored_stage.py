"""The stage stored with each case always equals the stage its steps give it.

The register writes the stage (analytics.cases.rules.stage_of) with every case and action, so
the figures never join the actions table. These tests derive the stage independently, in
SQL from the actions and the closing date, after every kind of write.
"""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.cases.demo import load_demo_data, remove_demo_data
from analytics.cases.interchange import import_cases_file
from analytics.cases.register import (
    count_cases,
    record_case,
    record_closing,
    record_edit,
    record_escalation,
)
from analytics.cases.rules import Case, CaseInvalid, EscalationStep, stage_of
from analytics.figures.core import gather_figures
from analytics.figures.scope import Scope
from analytics.records.opening import (
    apply_migrations,
    migration_files,
    open_store,
)
from analytics.records.pseudonyms import rekey_person_pseudonyms
from analytics.records.store import Store
from analytics.terms import Period, TermCalendar
from tests.conftest import NOW, PINNED_NOW, SAMPLE_CSV, TODAY, make_case, open_new_store

# The policy's rule, written here independently of the code under test.
DERIVED_STAGE = """
    CASE
        WHEN EXISTS (SELECT 1 FROM escalation_actions WHERE incident_id = incidents.id)
            THEN 'escalated'
        WHEN incidents.closed_on IS NOT NULL THEN 'settled_at_discussion'
        ELSE 'open'
    END
"""


def cases_whose_stage_disagrees(store: Store) -> list[tuple]:
    return store.read_rows(
        f"SELECT reference, stage, {DERIVED_STAGE} FROM incidents WHERE stage <> {DERIVED_STAGE}"
    )


@pytest.mark.parametrize(
    ("case", "stage"),
    [
        (make_case(), "open"),
        (make_case(discussion_on=date(2026, 1, 13), discussion_outcome="refused"), "open"),
        (make_case(closed_on=date(2026, 1, 14), rationale="Removed"), "settled_at_discussion"),
        (make_case(actions=(EscalationStep("police", date(2026, 1, 14)),)), "escalated"),
        (
            make_case(
                actions=(EscalationStep("police", date(2026, 1, 14)),),
                closed_on=date(2026, 1, 20),
            ),
            "escalated",
        ),
    ],
)
def test_stage_of_follows_the_policy(case: Case, stage: str):
    assert stage_of(case) == stage


# One step a user can take on one of three cases; cases are logged as the steps need them.
steps = st.lists(
    st.tuples(
        st.sampled_from(["log", "log escalated", "log closed", "escalate", "close", "reopen"]),
        st.integers(min_value=0, max_value=2),
    ),
    max_size=12,
)


# Each example is a new store and up to twelve writes: `make test` tries some, `make soak`
# many more.
DRAWS = {"suppress_health_check": [HealthCheck.too_slow]}


@settings(max_examples=15, **DRAWS)
@given(steps=steps)
def test_after_any_steps_every_stored_stage_equals_the_derived_one(
    tmp_path_factory, migrated_template, steps
):
    check_every_stored_stage_after(tmp_path_factory, migrated_template, steps)


@pytest.mark.soak
@settings(max_examples=150, **DRAWS)
@given(steps=steps)
def test_after_any_steps_every_stored_stage_equals_the_derived_one_at_length(
    tmp_path_factory, migrated_template, steps
):
    check_every_stored_stage_after(tmp_path_factory, migrated_template, steps)


def check_every_stored_stage_after(
    tmp_path_factory, template: Path, steps: list[tuple[str, int]]
) -> None:
    store = open_new_store(template, tmp_path_factory.mktemp("stage") / "stage.duckdb")
    logged: list[int] = []
    try:
        for kind, which in steps:
            # A refused step writes nothing; the stage must agree all the same.
            with contextlib.suppress(CaseInvalid):
                apply_step(store, logged, kind, which)
            assert cases_whose_stage_disagrees(store) == []
    finally:
        store.close()


def apply_step(store: Store, logged: list[int], kind: str, which: int) -> None:
    on = date(2026, 2, 1)
    if kind.startswith("log"):
        steps_so_far = {
            "log": {},
            "log escalated": {"actions": (EscalationStep("written_warning", on),)},
            "log closed": {"closed_on": on, "outcome": "Down", "rationale": "Removed"},
        }[kind]
        case = make_case(reference=f"2026-{len(logged):03d}", **steps_so_far)
        logged.append(record_case(store, case, actor="head", now=NOW))
    elif logged:
        incident_id = logged[which % len(logged)]
        if kind == "escalate":
            step = EscalationStep("provider_removal_request", on)
            record_escalation(store, incident_id, step, actor="head", now=NOW)
        elif kind == "close":
            record_closing(store, incident_id, on, "Down", "Removed", actor="head", now=NOW)
        elif kind == "reopen":
            changes = {"closed_on": None, "outcome": None, "rationale": None}
            record_edit(store, incident_id, changes, "Closed in error", actor="head", now=NOW)


def test_imported_and_demonstration_cases_carry_their_stage(store):
    load_demo_data(store, 300, actor="head", now=NOW)
    stages = dict(store.read_rows("SELECT stage, count(*) FROM incidents GROUP BY stage"))
    assert set(stages) == {"open", "settled_at_discussion", "escalated"}
    assert cases_whose_stage_disagrees(store) == []
    remove_demo_data(store, actor="head", now=PINNED_NOW)
    import_cases_file(store, SAMPLE_CSV, actor="head", now=PINNED_NOW)
    assert count_cases(store) == 5 and cases_whose_stage_disagrees(store) == []


def test_the_migration_keeps_the_stage_and_person_of_cases_logged_before_it(tmp_path, monkeypatch):
    before_stage = [entry for entry in migration_files() if entry[1] != "faster_figures"]
    monkeypatch.setattr("analytics.records.opening.migration_files", lambda: before_stage)
    store = open_store(tmp_path / "old.duckdb", now=PINNED_NOW)
    with store.transaction() as cursor:
        # As the register wrote cases then: the pseudonym was the whole md5 digest, as text.
        cursor.execute(
            """
            INSERT INTO incidents
                (reference, reported_on, categories, closed_on, outcome, rationale)
            VALUES ('A', DATE '2025-01-06', ['complaints'], NULL, NULL, NULL),
                   ('B', DATE '2025-01-06', ['complaints'], '2025-01-08', 'Down', 'Removed'),
                   ('C', DATE '2025-01-06', ['complaints'], '2025-01-09', 'Down', 'Removed'),
                   ('D', DATE '2025-01-06', ['complaints'], NULL, NULL, NULL)
            """
        )
        cursor.execute(
            "INSERT INTO escalation_actions (incident_id, action, taken_on) "
            "SELECT id, 'written_warning', DATE '2025-01-07' FROM incidents "
            "WHERE reference IN ('C', 'D')"
        )
        # The salt the store then kept (a new store has none now).
        cursor.execute(
            "INSERT INTO settings (name, value) VALUES ('person_key_salt', CAST(uuid() AS VARCHAR))"
        )
        cursor.execute(
            "UPDATE incidents SET person_ref = 'F-01', person_key = md5('F-01' || "
            "(SELECT value FROM settings WHERE name = 'person_key_salt')) WHERE reference = 'A'"
        )
    monkeypatch.undo()
    faster_figures = next(v for v, name, _ in migration_files() if name == "faster_figures")
    assert faster_figures in apply_migrations(store)
    # As open_store then does: the pseudonyms made again under the key file's key.
    assert rekey_person_pseudonyms(store, now=PINNED_NOW) == 1
    assert not store.read_value("SELECT count(*) FROM settings WHERE name = 'person_key_salt'")
    stages = store.read_rows("SELECT reference, stage FROM incidents ORDER BY reference")
    assert stages == [
        ("A", "open"),
        ("B", "settled_at_discussion"),
        ("C", "escalated"),
        ("D", "escalated"),
    ]
    # A case logged now is a repeat of the same person's case logged before the migration.
    record_case(store, make_case(reference="E", person_ref="F-01"), actor="head", now=NOW)
    period = Period(date(2026, 1, 1), date(2026, 1, 31), "January")
    assert gather_figures(store, Scope(period), TermCalendar(), today=TODAY).repeat_cases == 1
    store.close()
