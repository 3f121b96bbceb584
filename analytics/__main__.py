"""Command line: python -m analytics demo | import | export | summary | policies | report |
backup | restore | accounts | audit verify.

The store is $DASHBOARD_DB (default data/dashboard.duckdb); terms come from $DASHBOARD_TERMS
(default data/terms.csv, else the default calendar).
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb

from analytics.access import (
    AUDIENCE_BY_ROLE,
    ROLES,
    find_account_id,
    has_second_factor,
    record_account,
    record_password,
    record_second_factor_reset,
)
from analytics.cases import (
    DemoRefused,
    ImportRejected,
    export_cases,
    find_case_id,
    import_cases_file,
    load_demo_data,
    load_evidence_list,
    record_evidence_file,
    remove_demo_data,
)
from analytics.figures import (
    Scope,
    disclose_overview,
    summarise,
)
from analytics.policies import (
    load_policy_statuses,
)
from analytics.problems import RulesBroken
from analytics.records import (
    BACKUP_FOLDER,
    SCHOOL_NAME,
    KeyFileProblem,
    StoreInUse,
    audit_verify_command,
    command_line_actor,
    database_path,
    describe_failure,
    keep_new_files_private,
    load_setting,
    load_threshold,
    record_audit,
    wal_path,
    write_private_file,
)
from analytics.reporting import (
    MODES,
    build_report,
    gather_report_figures,
    last_complete_term,
)
from analytics.service import (
    BackupUnanswered,
    RestoreRefused,
    find_backup,
    open_dashboard_store,
    request_backup,
    restore_backup,
    write_backup,
)
from analytics.terms import (
    Period,
    TermCalendar,
    TermsInvalid,
    load_term_calendar,
    parse_academic_year,
    parse_term,
)
from analytics.vocabulary import CATEGORIES, DOCUMENT_FORMATS, PLATFORMS

# `summary --audience`: whose figures, by role.
AUDIENCE_OPTIONS = {role: AUDIENCE_BY_ROLE[role] for role in ("headteacher", "governor")}


def _now() -> datetime:
    """The command line's one reading of the real clock: every command takes today and now
    from here and hands them to the rules, which never read a clock themselves."""
    return datetime.now()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analytics",
        description=f"Work with the incident store (now {database_path()}; set DASHBOARD_DB "
        "to use another file).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="load or remove demonstration cases")
    demo.add_argument("--incidents", type=int, default=300, help="how many cases (default 300)")
    demo.add_argument("--seed", type=int, default=1, help="random seed, for repeatable data")
    demo.add_argument("--remove", action="store_true", help="remove every demonstration case")

    import_command = commands.add_parser("import", help="import cases from a CSV file")
    import_command.add_argument("file", type=Path)

    export = commands.add_parser("export", help="export every case to a CSV file")
    export.add_argument("file", type=Path)

    summary = commands.add_parser(
        "summary", help="the governors' figures for a period, as JSON (default: this term)"
    )
    period = summary.add_mutually_exclusive_group()
    period.add_argument("--term", help='a term, e.g. "Autumn 2025"')
    period.add_argument("--year", help='an academic year, e.g. "2025/26"')
    period.add_argument("--from", dest="start", type=_iso_date, help="first day, YYYY-MM-DD")
    summary.add_argument("--to", dest="end", type=_iso_date, help="last day, YYYY-MM-DD")
    summary.add_argument(
        "--category", action="append", default=[], choices=list(CATEGORIES), metavar="CODE",
        help=f"only cases in this category (repeatable): {', '.join(CATEGORIES)}",
    )  # fmt: skip
    summary.add_argument(
        "--platform", action="append", default=[], choices=list(PLATFORMS), metavar="CODE",
        help=f"only cases on this platform (repeatable): {', '.join(PLATFORMS)}",
    )  # fmt: skip
    summary.add_argument(
        "--audience", choices=list(AUDIENCE_OPTIONS), default="headteacher",
        help="whose figures: the headteacher's exact ones (default), or a governor's, "
        "protected as on the governor's Overview",
    )  # fmt: skip

    report = commands.add_parser("report", help="the termly report to governors, as a document")
    report.add_argument(
        "--term", help='a term, e.g. "Autumn 2025" (default: the last complete one)'
    )
    report.add_argument("--format", choices=list(DOCUMENT_FORMATS), default="pdf")
    report.add_argument("--mode", choices=list(MODES), default="circulation")
    report.add_argument("--out", type=Path, required=True, help="the file to write")

    backup = commands.add_parser(
        "backup",
        help="copy the whole store into a folder; while the app runs, it makes the backup, "
        "into the folder chosen on its Retention page only",
    )
    backup.add_argument(
        "--out", type=Path,
        help="the folder for the backup file (default: the folder chosen on the Retention page)",
    )  # fmt: skip
    restore = commands.add_parser("restore", help="restore a backup into a new or empty store")
    restore.add_argument("source", type=Path, help="a backup file, or a folder of them")

    accounts = commands.add_parser(
        "accounts",
        help="add an account, or reset a forgotten password or a lost second factor, on the server",
    )
    account_commands = accounts.add_subparsers(dest="accounts_command", required=True)
    add = account_commands.add_parser("add", help="create an account")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=list(ROLES))
    add.add_argument("--name", help="the person's name (default: the username)")
    reset = account_commands.add_parser(
        "reset-password", help="set a new password (the way back for a forgotten one)"
    )
    reset.add_argument("username")
    for command in (add, reset):
        command.add_argument(
            "--password-stdin", action="store_true",
            help="read the password from standard input instead of asking for it twice",
        )  # fmt: skip
    reset_second_factor = account_commands.add_parser(
        "reset-second-factor",
        help="remove an account's two-factor sign-in and end its sessions (the way back for "
        "a lost phone and lost recovery codes); the next sign-in sets up a new one",
    )
    reset_second_factor.add_argument("username")

    audit = commands.add_parser("audit", help="check the audit trail")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    audit_commands.add_parser(
        "verify",
        help="exit 0 if the audit trail is whole, 1 naming the first bad row if not (the "
        "store is only read)",
    )

    evidence = commands.add_parser("evidence", help="attach a screenshot or document to a case")
    evidence_commands = evidence.add_subparsers(dest="evidence_command", required=True)
    attach = evidence_commands.add_parser(
        "add",
        help="attach a PNG, JPEG or WebP image or a PDF (at most 10 MB); images are saved "
        "again without their hidden details (GPS position, camera)",
    )
    attach.add_argument("reference", help="the case's reference")
    attach.add_argument("file", type=Path)
    attach.add_argument("--note", default=None)
    case_file = commands.add_parser(
        "casefile",
        help="one confidential PDF of a case, for the police, legal advice or a platform",
    )
    case_file.add_argument("reference", help="the case's reference")
    case_file.add_argument("--out", type=Path, required=True, help="the PDF to write")

    policies = commands.add_parser(
        "policies", help="the policy register and review status, as JSON"
    )
    policies.add_argument("--as-of", type=_iso_date, default=None, help="the day to judge on")
    return parser


# DuckDB's memory during an import, in megabytes (see _import).
IMPORT_MEMORY_MB = 256
# What the command line says first when a command stops on an error it cannot help (a
# full disk, a file it cannot write, a missing key file); the cause follows.
STOPPED = {
    "demo": "Nothing loaded or removed",
    "import": "Nothing imported",
    "export": "No export written",
    "report": "No report written",
    "backup": "No backup made",
    "accounts": "Nothing changed",
    "evidence": "Nothing attached",
    "casefile": "No case file written",
}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Exports, reports, backups and the store itself are for the school's eyes only.
    keep_new_files_private()
    actor = command_line_actor()
    if args.command == "restore":
        return _restore(args.source, actor)
    if args.command == "audit":
        code, message = audit_verify_command(database_path())
        print(message, file=sys.stdout if code == 0 else sys.stderr)
        return code
    try:
        calendar = load_term_calendar()
    except TermsInvalid as problem:
        print(f"The terms file cannot be read: {problem}", file=sys.stderr)
        return 2
    try:
        store = open_dashboard_store(calendar, now=_now())
    except StoreInUse as in_use:
        if args.command == "backup":
            return _backup_through_the_app(args.out)
        print(f"{in_use}\n  (The store: {database_path()}.)", file=sys.stderr)
        return 2
    except (duckdb.Error, OSError) as error:
        print(f"The store {database_path()} cannot be opened: {describe_failure(error)}.",
              file=sys.stderr)  # fmt: skip
        return 2
    except KeyFileProblem as problem:
        print(problem, file=sys.stderr)
        return 2
    # Success is told only once the store is closed, its writes in the file itself: a
    # failure on the way (a full disk) must not follow a line saying all went well.
    said: list[str] = []
    try:
        code = _run(store, args, calendar, parser, actor, said.append)
    except (duckdb.Error, OSError) as error:
        _close_after_failure(store)
        print(f"{STOPPED.get(args.command, 'Stopped')}: {describe_failure(error)}.",
              file=sys.stderr)  # fmt: skip
        return 1
    except KeyFileProblem as problem:  # its message names the key file and what to do
        _close_after_failure(store)
        print(f"{STOPPED.get(args.command, 'Stopped')}: {problem}", file=sys.stderr)
        return 1
    except BaseException:
        _close_after_failure(store)
        raise
    try:
        store.close()
    except (duckdb.Error, OSError) as error:
        for line in said:
            print(line)
        print(
            f"But the store file could not be brought up to date: {describe_failure(error)}. "
            f"What was committed is kept in {wal_path(store.path)} and is written into the "
            "store the next time it opens; make room on the disk first.",
            file=sys.stderr,
        )
        return 1
    for line in said:
        print(line)
    return code


def _run(store, args, calendar, parser, actor: str, say) -> int:
    """Carry out one command on an open store; success lines go to say, problems are
    printed at once."""
    if args.command == "demo":
        return _demo(store, args, actor, say)
    if args.command == "import":
        return _import(store, args.file, actor, say)
    if args.command == "summary":
        return _summary(store, args, calendar, parser, say)
    if args.command == "policies":
        return _policies(store, args, calendar, say)
    if args.command == "accounts":
        return _accounts(store, args, actor, say)
    if args.command == "report":
        return _report(store, args, calendar, parser, actor, say)
    if args.command == "backup":
        return _backup(store, args.out, actor, say)
    if args.command == "evidence":
        return _evidence(store, args, actor, say)
    if args.command == "casefile":
        return _case_file(store, args, actor, say)
    return _export(store, args.file, actor, say)


def _evidence(store, args, actor: str, say) -> int:
    """`evidence add REF FILE`: attach a file to the case with that reference."""
    incident_id = find_case_id(store, args.reference.strip())
    if incident_id is None:
        print(f"No case has the reference {args.reference!r}; nothing attached.", file=sys.stderr)
        return 1
    if not args.file.is_file():
        print(f"{args.file}: no such file; nothing attached.", file=sys.stderr)
        return 1
    try:
        evidence_id = record_evidence_file(
            store, incident_id, args.file, note=args.note, actor=actor, now=_now()
        )
    except RulesBroken as broken:
        print(f"{args.file}: nothing attached; correct:", file=sys.stderr)
        for problem in broken.problems:
            print(f"  {problem.for_people()}", file=sys.stderr)
        return 1
    item = next(i for i in load_evidence_list(store, incident_id) if i.id == evidence_id)
    say(
        f"Attached {args.file} to case {args.reference} as item {evidence_id}: "
        f"{item.type_label}, SHA-256 {item.sha256}."
    )
    return 0


def _case_file(store, args, actor: str, say) -> int:
    """`casefile REF --out FILE.pdf`: the case file, written readable by its owner only."""
    incident_id = find_case_id(store, args.reference.strip())
    if incident_id is None:
        print(f"No case has the reference {args.reference!r}.", file=sys.stderr)
        return 1
    try:
        from analytics.reporting import (
            build_case_file,
        )

        content = build_case_file(store, incident_id, actor=actor, now=_now())
    except RulesBroken as broken:
        print(f"No case file written: {broken.problems[0].rule}.", file=sys.stderr)
        return 1
    write_private_file(args.out, content)
    say(f"Wrote the case file of {args.reference} to {args.out}.")
    return 0


def _close_after_failure(store) -> None:
    """Close a store after a command failed; the first failure is the one to report."""
    with contextlib.suppress(duckdb.Error, OSError):
        store.close()


def _demo(store, args, actor: str, say) -> int:
    if args.remove:
        removed = remove_demo_data(store, actor=actor, now=_now())
        say(f"Removed {removed} demonstration case(s).")
        return 0
    try:
        added = load_demo_data(store, args.incidents, seed=args.seed, actor=actor, now=_now())
    except DemoRefused as refusal:
        print(f"Demonstration data not loaded: {refusal}.", file=sys.stderr)
        return 1
    say(f"Loaded {added} demonstration case(s) into {store.path}.")
    return 0


def _import(store, path: Path, actor: str, say) -> int:
    if not path.is_file():
        print(f"{path}: no such file.", file=sys.stderr)
        return 1
    # The whole file commits in one transaction, whose rows DuckDB keeps in memory up to
    # its limit (80% of the machine's by default): capped, a 100 MB file stays under 500 MB.
    store.limit_memory(IMPORT_MEMORY_MB)
    try:
        report = import_cases_file(store, path, actor=actor, now=_now())
    except ImportRejected as rejection:
        print(f"{path}: nothing imported; fix these and try again:", file=sys.stderr)
        for line in rejection.lines():
            print(f"  {line}", file=sys.stderr)
        return 1
    say(
        f"Imported {report.added} new case(s) from {path}; "
        f"{report.already_present} already in the store were left as they were."
    )
    return 0


def _export(store, path: Path, actor: str, say) -> int:
    export = export_cases(store, actor=actor, now=_now())
    write_private_file(path, export.text.encode("utf-8"))
    say(f"Exported {export.cases} case(s) to {path}.")
    return 0


def _backup(store, out_dir: Path | None, actor: str, say) -> int:
    """The app is not running: the store is ours to copy, into --out or the chosen folder."""
    chosen = load_setting(store, BACKUP_FOLDER)
    out_dir = out_dir or (Path(chosen) if chosen else None)
    if out_dir is None:
        print(
            "No backup made: name a folder with --out, or choose the backup folder on the "
            "app's Retention page.",
            file=sys.stderr,
        )
        return 1
    written = write_backup(store, out_dir, actor=actor, now=_now())
    say(f"Backed up {store.path} to {written}.")
    return 0


def _summary(store, args, calendar: TermCalendar, parser: argparse.ArgumentParser, say) -> int:
    try:
        period = _chosen_period(args, calendar)
    except (TermsInvalid, ValueError) as problem:
        parser.error(str(problem))
    scope = Scope(period, categories=tuple(args.category), platforms=tuple(args.platform))
    # The same release the Overview shows for this scope, so the two never differ.
    disclosed = disclose_overview(
        store, scope, calendar, today=_now().date(), audience=AUDIENCE_OPTIONS[args.audience],
        threshold=load_threshold(store),
    )  # fmt: skip
    say(json.dumps(summarise(disclosed), indent=2))
    return 0


def _chosen_period(args, calendar: TermCalendar) -> Period:
    if args.end is not None and args.start is None:
        raise ValueError("--to goes with --from")
    if args.start is not None:
        if args.end is None:
            raise ValueError("--from needs --to")
        if args.end < args.start:
            raise ValueError("--to must be on or after --from")
        return Period(args.start, args.end, f"{args.start} to {args.end}")
    if args.year:
        return calendar.academic_year_period(parse_academic_year(args.year))
    term = parse_term(args.term) if args.term else calendar.term_of(_now().date())
    return calendar.reporting_period(term)


def _report(store, args, calendar, parser, actor: str, say) -> int:
    today = _now().date()
    try:
        term = parse_term(args.term) if args.term else last_complete_term(calendar, today)
    except TermsInvalid as problem:
        parser.error(str(problem))
    school = load_setting(store, SCHOOL_NAME)
    figures = gather_report_figures(store, calendar, term, school=school, today=today)
    report = build_report(figures, args.mode, load_threshold(store))
    # Imported here: the document libraries (charts, PDF, Word) take a third of a second
    # to load, and only the commands that write a document need them.
    from analytics.reporting import (
        render_document,
    )

    write_private_file(args.out, render_document(report, args.format))
    with store.transaction() as cursor:
        record_audit(
            cursor, actor, "report downloaded", "report", term.label, now=_now(),
            detail=f"{args.format}, {args.mode}",
        )  # fmt: skip
    say(f"Wrote the {term.label} report ({MODES[args.mode].lower()}, {args.format}) to {args.out}.")
    return 0


def _accounts(store, args, actor: str, say) -> int:
    """`accounts add`, `reset-password` and `reset-second-factor`, audited under the
    operating-system user."""
    if args.accounts_command == "reset-second-factor":
        return _reset_second_factor(store, args.username, actor, say)
    password = _read_password(args.password_stdin)
    if password is None:
        print("Nothing changed: the two passwords are not the same.", file=sys.stderr)
        return 1
    try:
        if args.accounts_command == "add":
            account = record_account(
                store, args.username, args.name or args.username, args.role, password,
                actor=actor, now=_now(),
            )  # fmt: skip
            say(f"Added {account.username} ({ROLES[account.role]}).")
            return 0
        account_id = find_account_id(store, args.username)
        if account_id is None:
            print(f"No account is named {args.username!r}.", file=sys.stderr)
            return 1
        # Typed at the server by the person it is for: no need to change it again.
        record_password(store, account_id, password, actor=actor, temporary=False, now=_now())
        say(f"Set a new password for {args.username.strip().lower()}.")
        return 0
    except RulesBroken as broken:
        print("Nothing changed; fix these and try again:", file=sys.stderr)
        for problem in broken.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1


def _reset_second_factor(store, username: str, actor: str, say) -> int:
    """The way back for someone (a sole headteacher, say) who has lost both their phone and
    their recovery codes: only whoever can run commands on the server can take it."""
    account_id = find_account_id(store, username)
    if account_id is None:
        print(f"No account is named {username!r}.", file=sys.stderr)
        return 1
    name = username.strip().lower()
    if not has_second_factor(store, account_id):
        print(
            f"Nothing changed: {name} has no two-factor sign-in to reset (a set-up begun "
            "and not finished carries on at the next sign-in).",
            file=sys.stderr,
        )
        return 1
    try:
        record_second_factor_reset(store, account_id, actor=actor, now=_now())
    except RulesBroken as broken:
        print("Nothing changed:", "; ".join(map(str, broken.problems)), file=sys.stderr)
        return 1
    say(
        f"Reset the two-factor sign-in of {name} and ended its open sessions. At the next "
        "sign-in, after the password, the app asks to set up an authenticator app again."
    )
    return 0


def _read_password(from_stdin: bool) -> str | None:
    """The new password: one line of standard input, or typed twice at a prompt (None when
    the two differ)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("New password: ")
    return first if getpass.getpass("The same password again: ") == first else None


def _backup_through_the_app(out_dir: Path | None) -> int:
    """The app holds the store: ask it to make the backup, into the folder chosen on its
    Retention page, and wait for its answer."""
    print("The app holds the store; asking it to make the backup...", file=sys.stderr)
    try:
        written = request_backup(database_path(), out_dir)
    except BackupUnanswered as problem:
        print(f"No backup made: {problem}.", file=sys.stderr)
        return 1
    print(f"Backed up {database_path()} to {written} (made by the running app).")
    return 0


def _restore(source: Path, actor: str) -> int:
    try:
        counts = restore_backup(source, database_path(), actor=actor, now=_now())
    except RestoreRefused as refusal:
        print(f"Nothing restored: {refusal}.", file=sys.stderr)
        return 1
    except StoreInUse as in_use:
        print(f"{in_use}\n  (The store: {database_path()}.)", file=sys.stderr)
        return 2
    except (duckdb.Error, OSError) as error:
        print(f"Nothing restored: {describe_failure(error)}.", file=sys.stderr)
        return 1
    listed = ", ".join(f"{table} {rows}" for table, rows in counts.items())
    print(f"Restored {database_path()} from {find_backup(source)}: {listed}.")
    return 0


def _policies(store, args, calendar: TermCalendar, say) -> int:
    as_of = args.as_of or _now().date()
    listed = [
        {
            "title": policy.title,
            "approved_on": policy.approved_on.isoformat(),
            "review_term": policy.review_term.label,
            "review_due": policy.review_due.isoformat(),
            "status": policy.status,
            "days_overdue": policy.days_overdue,
        }
        for policy in load_policy_statuses(store, calendar, as_of)
    ]
    say(json.dumps(listed, indent=2))
    return 0


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date written as YYYY-MM-DD") from None


if __name__ == "__main__":
    sys.exit(main())
