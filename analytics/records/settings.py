"""Settings the headteacher may change: the school's name, the suppression threshold."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from analytics.problems import Problem, RulesBroken
from analytics.records.audit import record_audit
from analytics.records.store import Store, make_private_folder
from analytics.text import FREE_TEXT_CONTROL_CHARACTERS

# The thresholds the disclosure rule allows (its audit can honour no other).
# The small-number threshold a school may choose: below 3 a hidden count can be guessed,
# above 10 too little is shown (docs/disclosure.md).
MIN_THRESHOLD, MAX_THRESHOLD = 3, 10
THRESHOLDS = range(MIN_THRESHOLD, MAX_THRESHOLD + 1)

SUPPRESSION_THRESHOLD = "suppression_threshold"
SCHOOL_NAME = "school_name"
RETENTION_YEARS = "retention_years"
BACKUP_FOLDER = "backup_folder"
DEFAULTS = {
    # Counts from 1 to one less than this are hidden from governors and in everything
    # circulated (analytics.figures.disclosure); a whole number from 3 to 10.
    SUPPRESSION_THRESHOLD: "5",
    # Printed on every report; the policy's own heading.
    SCHOOL_NAME: "All Saints' CE Primary School",
    # A closed case's free text is removed this many years after it closed.
    RETENTION_YEARS: "6",
    # The only folder a backup asked for from the command line, while the app runs, is
    # written to; empty until the headteacher chooses one (such requests are refused).
    BACKUP_FOLDER: "",
}
MAX_FOLDER_LENGTH = 500
_SETTING_VALUE = "SELECT value FROM settings WHERE name = ?"


class SettingInvalid(RulesBroken):
    """A setting's new value breaks its rule; nothing was written."""


def load_setting(store: Store, name: str) -> str:
    """The setting's value, or its default while the school has not set it."""
    value = store.read_value(_SETTING_VALUE, [name])
    return DEFAULTS[name] if value is None else value


def load_setting_in(cursor, name: str) -> str | None:
    """The setting's value read through the caller's cursor (inside its transaction): its
    default while the school has not set it, None for one kept only by the app (the setup
    code's hash) while there is none."""
    rows = cursor.execute(_SETTING_VALUE, [name]).fetchall()
    return rows[0][0] if rows else DEFAULTS.get(name)


def load_threshold(store: Store) -> int:
    """The threshold in force; one stored before the rule was 3 to 10 is raised to 3."""
    stored = int(load_setting(store, SUPPRESSION_THRESHOLD))
    return min(max(stored, THRESHOLDS[0]), THRESHOLDS[-1])


def record_setting(store: Store, name: str, value: str, *, actor: str, now: datetime) -> None:
    """Change one setting, after checking its rule."""
    record_settings(store, {name: value}, actor=actor, now=now)


def record_settings(store: Store, values: Mapping[str, str], *, actor: str, now: datetime) -> None:
    """Change several settings together, after checking each one's rule: all of them are
    written, in one transaction, or none (SettingInvalid names every rule broken)."""
    values = {name: (value or "").strip() for name, value in values.items()}
    problems = [problem for name, value in values.items() for problem in _problems(name, value)]
    if problems:
        raise SettingInvalid(problems)
    with store.transaction() as cursor:
        for name, value in values.items():
            write_setting(cursor, name, value, now=now)
            record_audit(cursor, actor, "setting changed", "setting", name, now=now, detail=value)


def _problems(name: str, value: str) -> list[Problem]:
    """The rule the setting's new value breaks, or nothing."""
    if name not in DEFAULTS:
        return [Problem(name, "is not a setting")]
    if name == SUPPRESSION_THRESHOLD and not (value.isdigit() and int(value) in THRESHOLDS):
        return [Problem(name, f"must be a whole number from {THRESHOLDS[0]} to {THRESHOLDS[-1]}")]
    if name == RETENTION_YEARS and not (value.isdigit() and 1 <= int(value) <= 50):
        return [Problem(name, "must be a whole number of years from 1 to 50")]
    if name == SCHOOL_NAME and not 1 <= len(value) <= 120:
        return [Problem(name, "is required (1 to 120 characters)")]
    if name == BACKUP_FOLDER and value:
        return backup_folder_problems(value, create=True)
    return []


def write_setting(cursor, name: str, value: str, *, now: datetime) -> None:
    """Keep a setting's value inside the caller's transaction, which has checked it and
    audits the change (record_setting does both for the headteacher's settings)."""
    cursor.execute(
        "INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) "
        "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        [name, value, now],
    )


def delete_setting(cursor, name: str) -> None:
    """Forget a setting inside the caller's transaction (its default applies again)."""
    cursor.execute("DELETE FROM settings WHERE name = ?", [name])


def backup_folder_problems(folder: str, *, create: bool = False) -> list[Problem]:
    """What makes folder unfit for backups, or nothing: it must be a full path to a folder
    (not a link) of this process's own user that no other user can write to, so that no
    one else can read, swap or plant a backup in it. create makes a missing folder (0700).
    """
    if len(folder) > MAX_FOLDER_LENGTH or FREE_TEXT_CONTROL_CHARACTERS.search(folder):
        return [Problem(BACKUP_FOLDER, f"must be a path of at most {MAX_FOLDER_LENGTH} characters")]
    path = Path(folder)
    if not path.is_absolute():
        return [Problem(BACKUP_FOLDER, "must be a full path, starting with /")]
    try:
        if create and not os.path.lexists(path):
            make_private_folder(path)
        status = path.lstat()
    except OSError as error:
        return [Problem(BACKUP_FOLDER, f"cannot be made or read ({error.strerror})")]
    if stat.S_ISLNK(status.st_mode) or not stat.S_ISDIR(status.st_mode):
        return [Problem(BACKUP_FOLDER, "must be a folder itself, not a file or a link")]
    if status.st_uid != os.getuid():
        return [Problem(BACKUP_FOLDER, "must belong to the user the app runs as")]
    if status.st_mode & 0o022:
        mode = f"{stat.S_IMODE(status.st_mode):o}"
        return [Problem(BACKUP_FOLDER, f"must not be writable by other users (its mode is {mode})")]
    return []
