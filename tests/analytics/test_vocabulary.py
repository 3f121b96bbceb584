"""The vocabulary's codes are the interface for imports: fixed, and the schema agrees."""

import re

import duckdb
import pytest

from analytics import vocabulary
from analytics.vocabulary import CODED_COLUMNS


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
