"""python -m analytics against a store named by DASHBOARD_DB: run in the test process (the
imports paid once), and as a real process where the process itself is the point."""

from __future__ import annotations

import csv
import io
import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest

from analytics.__main__ import main
from analytics.access.accounts import record_account
from analytics.access.second_factor import begin_enrolment, has_second_factor, record_enrolment
from analytics.access.session_ending import SESSION_ENDED_SECOND_FACTOR_RESET
from analytics.access.sessions import check_session, record_session_start
from analytics.access.signing_in import sign_in
from analytics.cases.register import count_cases
from analytics.figures.scope import Scope
from analytics.records.keys import key_path
from analytics.records.opening import open_store
from analytics.records.settings import BACKUP_FOLDER, record_setting
from analytics.service.opening import open_dashboard_store
from analytics.terms import TermCalendar, parse_term
from tests.analytics.reporting.report_store import fill_report_store
from tests.conftest import PINNED_NOW, SAMPLE_CSV, summary_of_scope

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "cli.duckdb"


PASSWORD = "correct horse battery"


# The umask a command starts from in a new shell: the command must make its own files
# private, whatever other tests in this process have set before.
SHELL_UMASK = 0o022


@dataclass(frozen=True)
class Finished:
    """What a command left, as a finished process would: its exit status and its output."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(
    db_path: Path, *args: str, stdin: str = "", environment: dict | None = None
) -> Finished:
    """`python -m analytics args` on the store at db_path, run by the command line's own
    main in this process, with its environment, standard input and umask as a new
    process would have them (and this process's given back after)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in ({"DASHBOARD_DB": str(db_path)} | (environment or {})).items():
            patch.setenv(name, value)
        patch.setattr(sys, "stdin", io.StringIO(stdin))
        umask_before = os.umask(SHELL_UMASK)
        try:
            with redirect_stdout(stdout), redirect_stderr(stderr):
                try:
                    code = main(list(args))
                except SystemExit as exit_:  # argparse refusing the arguments, as a process
                    code = exit_.code
        finally:
            os.umask(umask_before)
    return Finished(code, stdout.getvalue(), stderr.getvalue())


def run_cli_process(db_path: Path, *args: str) -> subprocess.CompletedProcess:
    """`python -m analytics args` as a real process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "analytics", *args],
        cwd=PROJECT_ROOT,
        env=os.environ | {"DASHBOARD_DB": str(db_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def cases_in(db_path: Path) -> int:
    store = open_store(db_path, now=PINNED_NOW)
    try:
        return count_cases(store)
    finally:
        store.close()


def test_import_then_export_gives_the_same_cases(db_path, tmp_path):
    imported = run_cli(db_path, "import", str(SAMPLE_CSV))
    assert imported.returncode == 0, imported.stderr
    assert "Imported 5 new case(s)" in imported.stdout
    again = run_cli(db_path, "import", str(SAMPLE_CSV))
    assert "Imported 0 new case(s)" in again.stdout and "5 already in the store" in again.stdout
    out = tmp_path / "out.csv"
    out.write_text("readable by everyone before")
    os.chmod(out, 0o644)
    exported = run_cli(db_path, "export", str(out))
    assert exported.returncode == 0, exported.stderr
    assert out.read_text(encoding="utf-8") == SAMPLE_CSV.read_text(encoding="utf-8")
    # Personal data: the export, like the store, is its owner's alone.
    assert [mode_of(path) for path in (out, db_path)] == [0o600, 0o600]


def test_a_bad_file_exits_non_zero_names_every_bad_line_and_imports_nothing(db_path, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "reference,reported_on,categories\nA,2026-01-01,racist\nB,,racist\nC,2026-01-01,rude\n"
        + "".join(f"R-{n},2026-01-01,rude\n" for n in range(250)),
        encoding="utf-8",
    )
    # A real process: its exit status is what a script calling it sees.
    result = run_cli_process(db_path, "import", str(bad))
    assert result.returncode == 1 and result.stdout == ""
    assert "nothing imported" in result.stderr
    assert "line 3, reported_on: is required" in result.stderr
    assert "line 4, categories: 'rude' is not a known code" in result.stderr
    assert "line 2," not in result.stderr
    # 252 bad lines: the first 200 listed, the rest counted.
    lines = result.stderr.splitlines()
    assert len(lines) == 1 + 200 + 1 and lines[-1] == "  and 52 more"
    assert cases_in(db_path) == 0


def test_demo_loads_refuses_real_cases_and_removes(db_path):
    loaded = run_cli(db_path, "demo", "--incidents", "40", "--seed", "2")
    assert loaded.returncode == 0, loaded.stderr
    assert cases_in(db_path) == 40
    removed = run_cli(db_path, "demo", "--remove")
    assert "Removed 40 demonstration case(s)" in removed.stdout
    run_cli(db_path, "import", str(SAMPLE_CSV))
    refused = run_cli(db_path, "demo", "--incidents", "10")
    assert refused.returncode == 1
    assert "holds 5 real case(s)" in refused.stderr
    assert cases_in(db_path) == 5


def test_command_line_writes_are_audited_as_the_os_user(db_path):
    run_cli(db_path, "import", str(SAMPLE_CSV))
    store = open_store(db_path, now=PINNED_NOW)
    actors = store.read_rows("SELECT actor FROM audit_log WHERE action = 'cases imported'")
    store.close()
    assert len(actors) == 1 and actors[0][0].startswith("os:")


def test_a_missing_file_is_a_plain_message(db_path, tmp_path):
    result = run_cli(db_path, "import", str(tmp_path / "nope.csv"))
    assert result.returncode == 1
    assert "no such file" in result.stderr
    assert "Traceback" not in result.stderr


# Holds a store as the running app does (its backup service on, on the app's clock), until
# told to stop.
APP_LIKE = """
import sys
from analytics.service.backup import serve_backup_requests
from analytics.service.opening import open_dashboard_store
from analytics.records.keys import key_path
from analytics.terms import TermCalendar
from ui import clock
store = open_dashboard_store(TermCalendar(), sys.argv[1], now=clock.now())
serve_backup_requests(store, clock=clock.now)
print("holding", flush=True)
sys.stdin.readline()
store.close()
"""


@contextmanager
def app_holding(db_path: Path):
    """A real second process holding the store, as the app does; yields its PID."""
    holder = subprocess.Popen(
        [sys.executable, "-c", APP_LIKE, str(db_path)],
        cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "holding"
        yield holder.pid
    finally:
        holder.communicate("\n", timeout=60)


def test_while_the_app_holds_the_store_a_backup_goes_only_to_the_chosen_folder(db_path, tmp_path):
    chosen = tmp_path / "chosen"
    store = open_store(db_path, now=PINNED_NOW)
    try:
        record_setting(store, BACKUP_FOLDER, str(chosen), actor="head", now=PINNED_NOW)
    finally:
        store.close()
    with app_holding(db_path) as pid:
        held = run_cli(db_path, "export", str(tmp_path / "cases.csv"))
        made = run_cli(db_path, "backup")
        elsewhere = run_cli(db_path, "backup", "--out", str(tmp_path / "mine"))
    # Any other command is told which process holds the store.
    assert held.returncode == 2 and "Traceback" not in held.stderr
    assert held.stderr.splitlines()[0] == (
        f"The store is in use by another process (PID {pid}); stop it first."
    )
    assert made.returncode == 0, made.stderr
    (written,) = chosen.iterdir()
    assert f"to {written} (made by the running app)" in made.stdout
    assert mode_of(written) == 0o600
    assert elsewhere.returncode == 1
    assert (
        "No backup made: the app refused the backup: a backup asked for from the command "
        f"line goes only into the folder chosen on the Retention page, {chosen}."
        in elsewhere.stderr
    )
    assert not (tmp_path / "mine").exists()
    store = open_store(db_path, now=PINNED_NOW)
    try:
        actors = store.read_rows(
            "SELECT action, actor FROM audit_log WHERE action LIKE 'backup %' ORDER BY id"
        )
    finally:
        store.close()
    me = f"os:{pwd.getpwuid(os.getuid()).pw_name}"
    assert actors == [("backup made", me), ("backup refused", me)]


def summary_of(db_path: Path, *args: str) -> dict:
    result = run_cli(db_path, "summary", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_summary_for_a_term_gives_the_hand_worked_figures(db_path):
    run_cli(db_path, "import", str(SAMPLE_CSV))
    summary = summary_of(db_path, "--term", "Autumn 2025")
    # 2025-001 settled (removed after 1 day, closed after 4); 2025-002 escalated and open;
    # 2025-003 escalated (removed the same day, closed after 11).
    assert (summary["from"], summary["to"]) == ("2025-09-01", "2025-12-31")
    assert [summary[k] for k in ("incidents", "settled_at_discussion", "escalated", "open")] == [
        3, 1, 2, 0,
    ]  # fmt: skip
    assert summary["by_category"]["offensive_comments"] == 1
    assert summary["by_action"] == {
        "written_warning": 1, "legal_advice": 0, "police": 1, "access_blocked": 1,
        "provider_removal_request": 0, "legal_action": 0,
    }  # fmt: skip
    assert summary["median_days_to_removal"] == 0.5
    assert summary["median_days_to_close"] == 7.5


def test_summary_for_a_year_a_range_and_with_filters(db_path):
    run_cli(db_path, "import", str(SAMPLE_CSV))
    assert summary_of(db_path, "--year", "2025/26")["incidents"] == 5
    in_range = summary_of(db_path, "--from", "2025-10-02", "--to", "2026-01-12")
    assert in_range["incidents"] == 3  # both ends included
    # 2026-001 (F-02) is a repeat of 2025-002 (F-02).
    assert in_range["repeat_cases"] == 1
    filtered = summary_of(
        db_path, "--year", "2025/26", "--category", "racist", "--category", "complaints",
        "--platform", "facebook",
    )  # fmt: skip
    assert filtered["incidents"] == 2
    assert filtered["median_days_to_close"] == 5.5  # 4 and 7 days


def test_summary_agrees_with_the_functions_the_page_calls(db_path):
    run_cli(db_path, "import", str(SAMPLE_CSV))
    printed = summary_of(db_path, "--term", "Spring 2026", "--platform", "tiktok")
    store = open_store(db_path, now=PINNED_NOW)
    try:
        period = TermCalendar().reporting_period(parse_term("Spring 2026"))
        computed = summary_of_scope(store, Scope(period, platforms=("tiktok",)))
    finally:
        store.close()
    assert printed == computed


def test_summary_refuses_a_bad_period_plainly(db_path):
    result = run_cli(db_path, "summary", "--term", "Winter 2025")
    assert result.returncode == 2
    assert "write it like 'Autumn 2024'" in result.stderr
    assert "Traceback" not in result.stderr
    assert run_cli(db_path, "summary", "--from", "2025-01-01").returncode == 2


def test_policies_shows_the_seeded_policy_overdue(db_path):
    result = run_cli(db_path, "policies", "--as-of", "2026-11-24")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        {
            "title": "Policy on parental use of social networking and internet sites",
            "approved_on": "2021-10-04",
            "review_term": "Autumn 2024",
            "review_due": "2024-12-31",
            "status": "overdue",
            "days_overdue": 693,
        }
    ]
    on_time = json.loads(run_cli(db_path, "policies", "--as-of", "2024-10-01").stdout)
    assert (on_time[0]["status"], on_time[0]["days_overdue"]) == ("in_date", 0)


def test_report_csv_gives_the_hand_worked_figures_in_each_mode(db_path, tmp_path):
    store = open_store(db_path, now=PINNED_NOW)
    fill_report_store(store)
    store.close()
    confidential, circulation = tmp_path / "confidential.csv", tmp_path / "circulation.csv"
    for mode, out in [("confidential", confidential), ("circulation", circulation)]:
        result = run_cli(
            db_path, "report", "--term", "Autumn 2025", "--format", "csv", "--mode", mode,
            "--out", str(out),
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert mode_of(out) == 0o600

    def headline(path):
        rows = list(csv.DictReader(path.open(encoding="utf-8")))
        return {
            r["row"]: r["value"]
            for r in rows
            if r["table"] == "Headline figures" and r["column"] == "Autumn 2025"
        }

    assert headline(confidential) == {
        "Incidents": "15", "Settled at discussion": "12", "Escalated": "3", "Open": "0",
    }  # fmt: skip
    assert headline(circulation) == {
        "Incidents": "15", "Settled at discussion": "*", "Escalated": "<5", "Open": "0",
    }  # fmt: skip


def test_report_pdf_and_docx_are_written(db_path, tmp_path):
    for format_name, magic in [("pdf", b"%PDF"), ("docx", b"PK")]:
        out = tmp_path / f"report.{format_name}"
        result = run_cli(
            db_path, "report", "--term", "Spring 2026", "--format", format_name, "--out", str(out)
        )
        assert result.returncode == 0, result.stderr
        assert out.read_bytes().startswith(magic)


def test_backup_then_restore_from_the_command_line(db_path, tmp_path):
    run_cli(db_path, "import", str(SAMPLE_CSV))
    nowhere = run_cli(db_path, "backup")
    assert nowhere.returncode == 1
    assert "name a folder with --out, or choose the backup folder" in nowhere.stderr
    backed_up = run_cli(db_path, "backup", "--out", str(tmp_path / "backups"))
    assert backed_up.returncode == 0, backed_up.stderr
    target = tmp_path / "new.duckdb"
    shutil.copy(key_path(db_path), key_path(target))  # the key is backed up apart
    restored = run_cli(target, "restore", str(tmp_path / "backups"))
    assert restored.returncode == 0, restored.stderr
    assert cases_in(target) == 5
    again = run_cli(target, "restore", str(tmp_path / "backups"))
    assert again.returncode == 1 and "not empty" in again.stderr


def test_summary_for_a_governor_shows_no_count_under_the_threshold(db_path):
    run_cli(db_path, "import", str(SAMPLE_CSV))
    one_day = ("--from", "2025-11-20", "--to", "2025-11-20")  # one case: 2025-003
    exact = summary_of(db_path, *one_day)
    assert exact["incidents"] == 1 and exact["audience"] == "exact"
    protected = summary_of(db_path, *one_day, "--audience", "governor")
    assert protected["audience"] == "protected"
    assert protected["incidents"] == "<5"

    def counts(summary):
        for value in summary.values():
            yield from counts(value) if isinstance(value, dict) else [value]

    assert not [n for n in counts(protected) if isinstance(n, int) and 1 <= n < 5]
    assert protected["median_days_to_close"] is None


def test_accounts_are_added_and_passwords_reset_on_the_server_under_its_own_user(db_path):
    """The way in for a new store, and the way back for a forgotten password."""
    new_password = "a different long passphrase"
    added = run_cli(
        db_path, "accounts", "add", "Head", "--role", "headteacher", "--name", "Ms Head",
        "--password-stdin", stdin=f"{PASSWORD}\n", environment={"LOGNAME": "someone-else"},
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "Added head (Headteacher)." in added.stdout
    reset = run_cli(
        db_path, "accounts", "reset-password", "head", "--password-stdin",
        stdin=f"{new_password}\n",
    )  # fmt: skip
    assert reset.returncode == 0, reset.stderr
    store = open_store(db_path, now=PINNED_NOW)
    try:
        assert sign_in(store, "head", new_password, now=PINNED_NOW).role == "headteacher"
        actors = store.read_rows(
            "SELECT actor, action FROM audit_log WHERE action IN ('account created', "
            "'password reset') ORDER BY id"
        )
    finally:
        store.close()
    me = f"os:{pwd.getpwuid(os.getuid()).pw_name}"
    assert actors == [(me, "account created"), (me, "password reset")]


def test_accounts_commands_name_what_is_wrong_and_change_nothing(db_path):
    unknown = run_cli(db_path, "accounts", "reset-password", "nobody", "--password-stdin",
                      stdin=f"{PASSWORD}\n")  # fmt: skip
    assert unknown.returncode == 1 and "No account is named 'nobody'" in unknown.stderr
    short = run_cli(db_path, "accounts", "add", "gov", "--role", "governor", "--password-stdin",
                    stdin="short\n")  # fmt: skip
    assert short.returncode == 1 and "password:" in short.stderr
    assert "Traceback" not in unknown.stderr + short.stderr
    store = open_store(db_path, now=PINNED_NOW)
    try:
        assert store.read_value("SELECT count(*) FROM accounts") == 0
    finally:
        store.close()


def test_a_lost_second_factor_is_reset_on_the_server_and_its_sessions_end(db_path):
    """The way back for a sole headteacher without phone or recovery codes."""
    store = open_store(db_path, now=PINNED_NOW)
    try:
        head = record_account(
            store, "head", "Ms Head", "headteacher", PASSWORD, actor="setup", now=PINNED_NOW
        )
        secret = begin_enrolment(
            store, head.id, username="head", issuer="School", now=PINNED_NOW
        ).secret
        record_enrolment(store, head.id, pyotp.TOTP(secret).now(), actor="head", now=PINNED_NOW)
        token = record_session_start(
            store, head, how="password and two-factor code", now=PINNED_NOW
        )
    finally:
        store.close()
    reset = run_cli(db_path, "accounts", "reset-second-factor", " Head ")
    assert reset.returncode == 0, reset.stderr
    assert "Reset the two-factor sign-in of head and ended its open sessions" in reset.stdout
    store = open_store(db_path, now=PINNED_NOW)
    try:
        assert not has_second_factor(store, head.id)
        assert store.read_value("SELECT count(*) FROM recovery_codes") == 0
        assert (
            check_session(store, token, now=PINNED_NOW).ended_why
            == SESSION_ENDED_SECOND_FACTOR_RESET
        )
        last = store.read_rows("SELECT actor, action FROM audit_log ORDER BY id DESC LIMIT 1")
        # The password still signs in; the app then asks for a new authenticator app.
        assert sign_in(store, "head", PASSWORD, now=PINNED_NOW) == head
        assert (
            begin_enrolment(store, head.id, username="head", issuer="School", now=PINNED_NOW).secret
            != secret
        )
    finally:
        store.close()
    assert last == [(f"os:{pwd.getpwuid(os.getuid()).pw_name}", "second factor reset")]


def test_a_second_factor_reset_names_what_is_wrong_and_changes_nothing(db_path):
    # As the command line opens it.
    store = open_dashboard_store(TermCalendar(), db_path, now=PINNED_NOW)
    try:
        head = record_account(
            store, "head", "Ms Head", "headteacher", PASSWORD, actor="setup", now=PINNED_NOW
        )
        token = record_session_start(store, head, how="password", now=PINNED_NOW)
        written = store.read_value("SELECT count(*) FROM audit_log")
    finally:
        store.close()
    unknown = run_cli(db_path, "accounts", "reset-second-factor", "nobody")
    assert unknown.returncode == 1 and "No account is named 'nobody'" in unknown.stderr
    nothing = run_cli(db_path, "accounts", "reset-second-factor", "head")
    assert nothing.returncode == 1
    assert "Nothing changed: head has no two-factor sign-in to reset" in nothing.stderr
    assert "Traceback" not in unknown.stderr + nothing.stderr
    assert unknown.stdout == nothing.stdout == ""
    store = open_store(db_path, now=PINNED_NOW)
    try:
        assert store.read_value("SELECT count(*) FROM audit_log") == written
        assert check_session(store, token, now=PINNED_NOW).account == head
    finally:
        store.close()


def test_evidence_and_a_case_file_from_the_command_line(tmp_path):
    import io as _io

    from PIL import Image
    from pypdf import PdfReader

    from analytics.cases.interchange import import_cases_file

    db_path = tmp_path / "cli.duckdb"
    store = open_store(db_path, now=PINNED_NOW)
    import_cases_file(store, SAMPLE_CSV, actor="seed", now=PINNED_NOW)
    store.close()
    picture = tmp_path / "post.jpg"
    Image.new("RGB", (20, 10), "green").save(picture, format="JPEG")

    def run(*arguments):
        return run_cli(db_path, *arguments)

    attached = run("evidence", "add", "2025-003", str(picture), "--note", "from the forum")
    assert attached.returncode == 0, attached.stderr
    assert "SHA-256" in attached.stdout
    refused = run("evidence", "add", "2025-003", str(SAMPLE_CSV))
    assert refused.returncode == 1 and "nothing attached" in refused.stderr
    out = tmp_path / "case.pdf"
    made = run("casefile", "2025-003", "--out", str(out))
    assert made.returncode == 0, made.stderr
    text = " ".join(page.extract_text() for page in PdfReader(_io.BytesIO(out.read_bytes())).pages)
    assert "Confidential" in text and "2025-003" in text
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert run("casefile", "NO-SUCH", "--out", str(tmp_path / "x.pdf")).returncode == 1
