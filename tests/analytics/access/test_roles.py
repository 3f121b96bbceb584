"""The table of roles: what each may open and do, and everything that reads it."""

from __future__ import annotations

import re
from pathlib import Path

from analytics.access.roles import (
    ACTIONS_BY_ROLE,
    AUDIENCE_BY_ROLE,
    GOVERNOR,
    HEADTEACHER,
    PAGES_BY_ROLE,
    ROLE_TABLE,
    ROLES,
    STAFF,
)
from analytics.vocabulary import AUDIENCES, PROTECTED


def test_every_action_a_lesser_role_may_take_the_headteacher_may_take_too():
    assert ACTIONS_BY_ROLE["governor"] < ACTIONS_BY_ROLE["staff"] < ACTIONS_BY_ROLE["headteacher"]
    assert "download_confidential_report" not in ACTIONS_BY_ROLE["governor"]
    assert (
        not {"download_backup", "manage_accounts", "read_server_metrics"}
        & (ACTIONS_BY_ROLE["staff"])
    )


def test_what_each_role_may_open():
    assert PAGES_BY_ROLE["governor"] == {"overview", "termly_report", "policies"}
    assert {"incidents", "log_incident"} <= PAGES_BY_ROLE["staff"]
    assert not {"accounts", "audit", "retention"} & PAGES_BY_ROLE["staff"]
    assert PAGES_BY_ROLE["staff"] < PAGES_BY_ROLE["headteacher"]


def test_every_lookup_of_a_role_reads_the_one_table():
    assert list(ROLES) == list(ROLE_TABLE) == [HEADTEACHER, STAFF, GOVERNOR]
    for code, role in ROLE_TABLE.items():
        assert role.code == code
        assert ROLES[code] == role.label
        assert PAGES_BY_ROLE[code] == role.pages
        assert ACTIONS_BY_ROLE[code] == role.actions
        assert AUDIENCE_BY_ROLE[code] == role.audience


def test_each_role_is_shown_figures_as_an_audience_the_disclosure_rule_knows():
    assert {role.audience for role in ROLE_TABLE.values()} <= set(AUDIENCES)
    assert AUDIENCE_BY_ROLE[GOVERNOR] == PROTECTED


def test_every_page_a_role_may_open_is_a_view():
    views = {path.stem for path in (Path(__file__).resolve().parents[3] / "views").glob("*.py")}
    for role in ROLE_TABLE.values():
        assert role.pages <= views, role.code


def test_the_schema_accepts_exactly_the_roles_of_the_table(store):
    (expression,) = store.read_rows(
        "SELECT expression FROM duckdb_constraints() "
        "WHERE constraint_type = 'CHECK' AND table_name = 'accounts' "
        "AND list_contains(constraint_column_names, 'role')"
    )[0]
    assert set(re.findall(r"'([a-z_]+)'", expression)) == set(ROLE_TABLE)
