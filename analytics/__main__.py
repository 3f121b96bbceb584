"""Command line: python -m analytics demo | import | export | summary | policies | report |
backup | restore | accounts.

The store is $DASHBOARD_DB (default data/dashboard.duckdb); terms come from $DASHBOARD_TERMS
(default data/terms.csv, else the default calendar).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import date
from pathlib import Path

import duckdb

from analytics.accounts import (
    AUDIENCE_BY_ROLE,
    ROLES,
    find_account_id,
    record_account,
    record_password,
)
from analytics.audit import command_line_actor, record_audit
from analytics.backup import (
    BackupUnanswered,
    RestoreRefused,
    find_backup,
    request_backup,
    restore_backup,
    write_backup,
)
from analytics.bootstrap import open_dashboard_store
from analytics.cases import RulesBroken
from analytics.demo import DemoRefused, load_demo_data, remove_demo_data
from analytics.documents import render_document
from analytics.figures.frames import summarise
from analytics.figures.releases import disclose_overview
from analytics.interchange import ImportRejected, export_cases, import_cases_file
from analytics.overview import Scope
from analytics.policies import load_policy_statuses
from analytics.report import MODES, build_report, gather_report_figures, last_complete_term
from analytics.second_factor import has_second_factor, record_second_factor_reset
from analytics.settings import SCHOOL_NAME, load_setting, load_threshold
from analytics.snapshots import FORMATS
from analytics.store import database_path
from analytics.terms import (
    Period,
    TermCalendar,
    TermsInvalid,
    load_term_calendar,
    parse_academic_year,
    parse_term,
)
from analytics.vocabulary import CATEGORIES, PLATFORMS

# `summary --audience`: whose figures, by role.
AUDIENCE_OPTIONS = {role: AUDIENCE_BY_ROLE[role] for role in ("headteacher", "governor")}


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
    report.add_argument("--format", choices=list(FORMATS), default="pdf")
    report.add_argument("--mode", choices=list(MODES), default="circulation")
    report.add_argument("--out", type=Path, required=True, help="the file to write")

    backup = commands.add_parser("backup", help="copy the whole store into a folder")
    backup.add_argument("--out", type=Path, required=True, help="the folder for the backup file")
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

    policies = commands.add_parser(
        "policies", help="the policy register and review status, as JSON"
    )
    policies.add_argument("--as-of", type=_iso_date, default=None, help="the day to judge on")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    actor = command_line_actor()
    if args.command == "restore":
        return _restore(args.source, actor)
    try:
        calendar = load_term_calendar()
    except TermsInvalid as problem:
        print(f"The terms file cannot be read: {problem}", file=sys.stderr)
        return 2
    try:
        store = open_dashboard_store(calendar)
    except duckdb.IOException as error:
        if "lock" in str(error).lower() and args.command == "backup":
            return _backup_through_the_app(args.out, actor)
        if "lock" in str(error).lower():
            print(
                f"The store {database_path()} is in use by another program (is the app "
                "running?). Stop it, or point DASHBOARD_DB at another file, and try again.",
                file=sys.stderr,
            )
            return 2
        raise
    try:
        if args.command == "demo":
            return _demo(store, args, actor)
        if args.command == "import":
            return _import(store, args.file, actor)
        if args.command == "summary":
            return _summary(store, args, calendar, parser)
        if args.command == "policies":
            return _policies(store, args, calendar)
        if args.command == "accounts":
            return _accounts(store, args, actor)
        if args.command == "report":
            return _report(store, args, calendar, parser, actor)
        if args.command == "backup":
            written = write_backup(store, args.out, actor=actor)
            print(f"Backed up {store.path} to {written}.")
            return 0
        return _export(store, args.file, actor)
    finally:
        store.close()


def _demo(store, args, actor: str) -> int:
    if args.remove:
        removed = remove_demo_data(store, actor=actor)
        print(f"Removed {removed} demonstration case(s).")
        return 0
    try:
        added = load_demo_data(store, args.incidents, seed=args.seed, actor=actor)
    except DemoRefused as refusal:
        print(f"Demonstration data not loaded: {refusal}.", file=sys.stderr)
        return 1
    print(f"Loaded {added} demonstration case(s) into {store.path}.")
    return 0


def _import(store, path: Path, actor: str) -> int:
    if not path.is_file():
        print(f"{path}: no such file.", file=sys.stderr)
        return 1
    try:
        report = import_cases_file(store, path, actor=actor)
    except ImportRejected as rejection:
        print(f"{path}: nothing imported; fix these and try again:", file=sys.stderr)
        for problem in rejection.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(
        f"Imported {report.added} new case(s) from {path}; "
        f"{report.already_present} already in the store were left as they were."
    )
    return 0


def _export(store, path: Path, actor: str) -> int:
    export = export_cases(store, actor=actor)
    path.write_text(export.text, encoding="utf-8", newline="")
    print(f"Exported {export.cases} case(s) to {path}.")
    return 0


def _summary(store, args, calendar: TermCalendar, parser: argparse.ArgumentParser) -> int:
    try:
        period = _chosen_period(args, calendar)
    except (TermsInvalid, ValueError) as problem:
        parser.error(str(problem))
    scope = Scope(period, categories=tuple(args.category), platforms=tuple(args.platform))
    # The same release the Overview shows for this scope, so the two never differ.
    disclosed = disclose_overview(
        store, scope, calendar, today=date.today(), audience=AUDIENCE_OPTIONS[args.audience],
        threshold=load_threshold(store),
    )  # fmt: skip
    print(json.dumps(summarise(disclosed), indent=2))
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
    term = parse_term(args.term) if args.term else calendar.term_of(date.today())
    return calendar.reporting_period(term)


def _report(store, args, calendar, parser, actor: str) -> int:
    today = date.today()
    try:
        term = parse_term(args.term) if args.term else last_complete_term(calendar, today)
    except TermsInvalid as problem:
        parser.error(str(problem))
    school = load_setting(store, SCHOOL_NAME)
    figures = gather_report_figures(store, calendar, term, school=school, today=today)
    report = build_report(figures, args.mode, load_threshold(store))
    args.out.write_bytes(render_document(report, args.format))
    with store.transaction() as cursor:
        record_audit(
            cursor, actor, "report downloaded", "report", term.label,
            detail=f"{args.format}, {args.mode}",
        )  # fmt: skip
    print(
        f"Wrote the {term.label} report ({MODES[args.mode].lower()}, {args.format}) to {args.out}."
    )
    return 0


def _accounts(store, args, actor: str) -> int:
    """`accounts add`, `reset-password` and `reset-second-factor`, audited under the
    operating-system user."""
    if args.accounts_command == "reset-second-factor":
        return _reset_second_factor(store, args.username, actor)
    password = _read_password(args.password_stdin)
    if password is None:
        print("Nothing changed: the two passwords are not the same.", file=sys.stderr)
        return 1
    try:
        if args.accounts_command == "add":
            account = record_account(
                store, args.username, args.name or args.username, args.role, password,
                actor=actor,
            )  # fmt: skip
            print(f"Added {account.username} ({ROLES[account.role]}).")
            return 0
        account_id = find_account_id(store, args.username)
        if account_id is None:
            print(f"No account is named {args.username!r}.", file=sys.stderr)
            return 1
        # Typed at the server by the person it is for: no need to change it again.
        record_password(store, account_id, password, actor=actor, temporary=False)
        print(f"Set a new password for {args.username.strip().lower()}.")
        return 0
    except RulesBroken as broken:
        print("Nothing changed; fix these and try again:", file=sys.stderr)
        for problem in broken.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1


def _reset_second_factor(store, username: str, actor: str) -> int:
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
        record_second_factor_reset(store, account_id, actor=actor)
    except RulesBroken as broken:
        print("Nothing changed:", "; ".join(map(str, broken.problems)), file=sys.stderr)
        return 1
    print(
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


def _backup_through_the_app(out_dir: Path, actor: str) -> int:
    """The app holds the store: ask it to make the backup, and wait for its answer."""
    print("The app holds the store; asking it to make the backup...", file=sys.stderr)
    try:
        written = request_backup(database_path(), out_dir, actor=actor)
    except BackupUnanswered as problem:
        print(f"No backup made: {problem}.", file=sys.stderr)
        return 1
    print(f"Backed up {database_path()} to {written} (made by the running app).")
    return 0


def _restore(source: Path, actor: str) -> int:
    try:
        counts = restore_backup(source, database_path(), actor=actor)
    except RestoreRefused as refusal:
        print(f"Nothing restored: {refusal}.", file=sys.stderr)
        return 1
    except duckdb.IOException:
        print(
            f"The store {database_path()} is in use by another program (is the app running?). "
            "Stop it and try again.",
            file=sys.stderr,
        )
        return 2
    listed = ", ".join(f"{table} {rows}" for table, rows in counts.items())
    print(f"Restored {database_path()} from {find_backup(source)}: {listed}.")
    return 0


def _policies(store, args, calendar: TermCalendar) -> int:
    as_of = args.as_of or date.today()
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
    print(json.dumps(listed, indent=2))
    return 0


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date written as YYYY-MM-DD") from None


if __name__ == "__main__":
    sys.exit(main())
