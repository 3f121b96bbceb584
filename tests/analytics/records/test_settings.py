"""Report settings: defaults until changed, each change checked and audited."""

import pytest

import analytics.records.settings
from analytics.records.settings import (
    SCHOOL_NAME,
    SUPPRESSION_THRESHOLD,
    SettingInvalid,
    delete_setting,
    load_setting,
    load_setting_in,
    load_threshold,
    record_setting,
    record_settings,
    write_setting,
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


def test_settings_saved_together_are_all_kept_and_each_audited(store):
    record_settings(
        store,
        {SCHOOL_NAME: " St Anne’s Primary ", SUPPRESSION_THRESHOLD: "4"},
        actor="head",
        now=PINNED_NOW,
    )
    assert (load_setting(store, SCHOOL_NAME), load_threshold(store)) == ("St Anne’s Primary", 4)
    audited = store.read_rows(
        "SELECT record_id, detail FROM audit_log WHERE action = 'setting changed' ORDER BY id"
    )
    assert audited == [(SCHOOL_NAME, "St Anne’s Primary"), (SUPPRESSION_THRESHOLD, "4")]


def test_settings_saved_together_are_refused_together_naming_every_broken_rule(store):
    with pytest.raises(SettingInvalid) as refused:
        record_settings(
            store,
            {SCHOOL_NAME: "St Anne’s Primary", SUPPRESSION_THRESHOLD: "2"},
            actor="head",
            now=PINNED_NOW,
        )
    assert [problem.field for problem in refused.value.problems] == [SUPPRESSION_THRESHOLD]
    with pytest.raises(SettingInvalid) as refused:
        record_settings(
            store, {SCHOOL_NAME: "", SUPPRESSION_THRESHOLD: "11"}, actor="head", now=PINNED_NOW
        )
    assert [problem.field for problem in refused.value.problems] == [
        SCHOOL_NAME,
        SUPPRESSION_THRESHOLD,
    ]
    assert load_setting(store, SCHOOL_NAME) == "All Saints' CE Primary School"
    assert store.read_value("SELECT count(*) FROM audit_log") == 0


def test_settings_saved_together_are_one_transaction(store, monkeypatch):
    """A failure while the second is written leaves the first as it was: both or neither."""
    written = []

    def audit_then_fail_on_the_second(cursor, *args, **kwargs):
        written.append(args)
        if len(written) == 2:
            raise OSError("the disk is full")
        record_audit(cursor, *args, **kwargs)

    record_audit = analytics.records.settings.record_audit
    monkeypatch.setattr(analytics.records.settings, "record_audit", audit_then_fail_on_the_second)
    with pytest.raises(OSError):
        record_settings(
            store,
            {SCHOOL_NAME: "St Anne’s Primary", SUPPRESSION_THRESHOLD: "4"},
            actor="head",
            now=PINNED_NOW,
        )
    assert len(written) == 2
    assert (load_setting(store, SCHOOL_NAME), load_threshold(store)) == (
        "All Saints' CE Primary School",
        5,
    )


def test_a_setting_is_read_written_and_forgotten_inside_the_callers_transaction(store):
    with store.transaction() as cursor:
        assert load_setting_in(cursor, SCHOOL_NAME) == "All Saints' CE Primary School"
        assert load_setting_in(cursor, "setup_code_hash") is None  # kept by the app, no default
        write_setting(cursor, SCHOOL_NAME, "St Anne's Primary", now=PINNED_NOW)
        write_setting(cursor, "setup_code_hash", "abc", now=PINNED_NOW)
        assert load_setting_in(cursor, SCHOOL_NAME) == "St Anne's Primary"
        assert load_setting_in(cursor, "setup_code_hash") == "abc"
    assert load_setting(store, SCHOOL_NAME) == "St Anne's Primary"
    with store.transaction() as cursor:
        delete_setting(cursor, SCHOOL_NAME)
        delete_setting(cursor, "setup_code_hash")
    assert load_setting(store, SCHOOL_NAME) == "All Saints' CE Primary School"
    with store.transaction() as cursor:
        assert load_setting_in(cursor, "setup_code_hash") is None
