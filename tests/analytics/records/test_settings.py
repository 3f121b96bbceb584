"""Report settings: defaults until changed, each change checked and audited."""

import pytest

from analytics.records.settings import (
    SCHOOL_NAME,
    SUPPRESSION_THRESHOLD,
    SettingInvalid,
    load_setting,
    load_threshold,
    record_setting,
)
from tests.conftest import PINNED_NOW


def test_defaults_until_the_school_sets_its_own(store):
    assert load_threshold(store) == 5
    assert load_setting(store, SCHOOL_NAME) == "All Saints' CE Primary School"


def test_a_change_is_kept_and_audited(store):
    record_setting(store, SUPPRESSION_THRESHOLD, "10", actor="head", now=PINNED_NOW)
    record_setting(store, SUPPRESSION_THRESHOLD, "7", actor="head", now=PINNED_NOW)
    record_setting(store, SCHOOL_NAME, "St Anne’s Primary", actor="head", now=PINNED_NOW)
    assert load_threshold(store) == 7
    assert load_setting(store, SCHOOL_NAME) == "St Anne’s Primary"
    assert store.read_value("SELECT count(*) FROM audit_log WHERE action = 'setting changed'") == 3


@pytest.mark.parametrize(
    ("name", "value"),
    [
        (SUPPRESSION_THRESHOLD, "1"),
        (SUPPRESSION_THRESHOLD, "2"),  # "<2" would print every 1: no protection at all
        (SUPPRESSION_THRESHOLD, "11"),
        (SUPPRESSION_THRESHOLD, "five"),
        (SCHOOL_NAME, " "),
        ("colour", "red"),
    ],
)
def test_a_bad_value_names_the_rule_and_writes_nothing(store, name, value):
    with pytest.raises(SettingInvalid):
        record_setting(store, name, value, actor="head", now=PINNED_NOW)
    assert load_threshold(store) == 5
    assert store.read_value("SELECT count(*) FROM audit_log") == 0


def test_the_threshold_rule_is_named_in_the_message(store):
    with pytest.raises(SettingInvalid, match="from 3 to 10"):
        record_setting(store, SUPPRESSION_THRESHOLD, "2", actor="head", now=PINNED_NOW)


def test_a_threshold_stored_under_the_old_rule_is_raised_to_3(store):
    """Before the rule was 3 to 10, 2 could be saved; such a store is read as 3."""
    with store.transaction() as cursor:
        cursor.execute(
            "INSERT INTO settings (name, value) VALUES (?, '2')", [SUPPRESSION_THRESHOLD]
        )
    assert load_threshold(store) == 3
