"""The vocabulary's codes are the interface for imports: fixed, and the schema agrees."""

import re
from datetime import date, datetime
from importlib import resources

import duckdb
import pytest

from analytics import vocabulary
from analytics.vocabulary import (
    CLOSED_ESCALATED,
    CLOSED_SETTLED,
    CODED_COLUMNS,
    ESCALATED,
    OPEN,
    OPEN_DISCUSSED,
    OPEN_ESCALATED,
    OPEN_NOT_DISCUSSED,
    SETTLED,
    STAGES,
    STATUSES,
    as_day,
    as_long_day,
    as_short_day,
)


def test_codes_are_exactly_the_ones_the_import_format_promises():
    assert list(vocabulary.CATEGORIES) == [
        "naming_children", "allegations", "cyber_bullying", "complaints",
        "defamatory", "offensive_comments", "racist", "threats_of_violence",
    ]  # fmt: skip
    assert list(vocabulary.PLATFORMS) == [
        "facebook", "x_twitter", "instagram", "tiktok", "whatsapp", "snapchat",
        "youtube", "school_website_or_forum", "other",
    ]  # fmt: skip
    assert list(vocabulary.POSTED_BY) == ["parent", "carer", "relative", "other_associated"]
    assert list(vocabulary.ABOUT) == ["pupil", "staff", "school", "governor", "other"]
    assert list(vocabulary.DISCUSSION_OUTCOMES) == [
        "removed", "refused", "no_response", "not_held",
    ]  # fmt: skip
    assert list(vocabulary.ESCALATION_ACTIONS) == [
        "written_warning", "legal_advice", "police", "access_blocked",
        "provider_removal_request", "legal_action",
    ]  # fmt: skip


@pytest.mark.parametrize(("table", "column"), list(CODED_COLUMNS))
def test_schema_check_lists_exactly_the_vocabulary_codes(store, table, column):
    expressions = store.read_rows(
        """
        SELECT expression FROM duckdb_constraints()
        WHERE constraint_type = 'CHECK' AND table_name = ?
            AND list_contains(constraint_column_names, ?)
        """,
        [table, column],
    )
    # The coded CHECK is the one naming a code; other CHECKs on the column are lengths.
    codes_in_schema = [
        set(re.findall(r"'([a-z_]+)'", expression))
        for (expression,) in expressions
        if re.search(r"'[a-z_]+'", expression)
    ]
    assert codes_in_schema, f"no CHECK lists the codes of {table}.{column}"
    vocabulary_codes = set(CODED_COLUMNS[(table, column)])
    # The cross-field discussion CHECK names only some outcomes; every list is a subset,
    # and the column's own CHECK lists them all.
    assert all(codes <= vocabulary_codes for codes in codes_in_schema)
    assert vocabulary_codes in codes_in_schema


_INSERT_WITH_MADE_UP_CODE = {
    ("incidents", "platform"): "INSERT INTO incidents (reference, reported_on, categories, "
    "platform) VALUES ('X', DATE '2026-01-01', ['complaints'], 'made_up')",
    ("incidents", "categories"): "INSERT INTO incidents (reference, reported_on, categories) "
    "VALUES ('X', DATE '2026-01-01', ['complaints', 'made_up'])",
    ("incidents", "posted_by"): "INSERT INTO incidents (reference, reported_on, categories, "
    "posted_by) VALUES ('X', DATE '2026-01-01', ['complaints'], 'made_up')",
    ("incidents", "about"): "INSERT INTO incidents (reference, reported_on, categories, about) "
    "VALUES ('X', DATE '2026-01-01', ['complaints'], ['made_up'])",
    ("incidents", "discussion_outcome"): "INSERT INTO incidents (reference, reported_on, "
    "categories, discussion_on, discussion_outcome) "
    "VALUES ('X', DATE '2026-01-01', ['complaints'], DATE '2026-01-02', 'made_up')",
    ("escalation_actions", "action"): "INSERT INTO escalation_actions (incident_id, action, "
    "taken_on) VALUES (1, 'made_up', DATE '2026-01-01')",
}


@pytest.mark.parametrize(("table", "column"), list(CODED_COLUMNS))
def test_schema_rejects_a_code_outside_the_vocabulary(store, table, column):
    with pytest.raises(duckdb.ConstraintException), store.transaction() as cursor:
        cursor.execute(_INSERT_WITH_MADE_UP_CODE[(table, column)])
    assert store.read_value("SELECT count(*) FROM incidents") == 0


# The status macro's answer for every stage, closed or not, discussed or not (migration 012).
CASE_STATUS_RULE = [
    (stage, closed, discussed, status)
    for stage in (SETTLED, OPEN)
    for closed, discussed, status in [
        (False, False, OPEN_NOT_DISCUSSED),
        (False, True, OPEN_DISCUSSED),
        (True, False, CLOSED_SETTLED),
        (True, True, CLOSED_SETTLED),
    ]
] + [
    (ESCALATED, False, False, OPEN_ESCALATED),
    (ESCALATED, False, True, OPEN_ESCALATED),
    (ESCALATED, True, False, CLOSED_ESCALATED),
    (ESCALATED, True, True, CLOSED_ESCALATED),
]


def test_the_status_rule_covers_every_stage_and_gives_every_status():
    assert {stage for stage, *_ in CASE_STATUS_RULE} == set(STAGES)
    assert {status for *_, status in CASE_STATUS_RULE} == set(STATUSES)
    assert len({row[:3] for row in CASE_STATUS_RULE}) == len(STAGES) * 4


@pytest.mark.parametrize(("stage", "closed", "discussed", "status"), CASE_STATUS_RULE)
def test_the_sql_status_macro_gives_the_vocabularys_status(store, stage, closed, discussed, status):
    answer = store.read_value(
        "SELECT case_status($stage, $closed_on, $discussion_on)",
        {
            "stage": stage,
            "closed_on": date(2026, 3, 1) if closed else None,
            "discussion_on": date(2026, 2, 1) if discussed else None,
        },
    )
    assert answer == status


def test_the_sql_status_macro_names_only_the_vocabularys_stages_and_statuses():
    migration = resources.files("analytics.records.migrations") / "012_case_status.sql"
    code = "\n".join(
        line for line in migration.read_text().splitlines() if not line.startswith("--")
    )
    assert set(re.findall(r"'([a-z_]+)'", code)) <= set(STAGES) | set(STATUSES)


@pytest.mark.parametrize(
    ("day", "numeric", "long", "short"),
    [
        (date(2026, 11, 25), "25/11/2026", "25 November 2026", "25 Nov 2026"),
        (date(2026, 12, 1), "01/12/2026", "1 December 2026", "1 Dec 2026"),
        (datetime(2027, 1, 9, 14, 5), "09/01/2027", "9 January 2027", "9 Jan 2027"),
    ],
)
def test_a_day_is_written_in_the_schools_three_ways(day, numeric, long, short):
    assert (as_day(day), as_long_day(day), as_short_day(day)) == (numeric, long, short)
