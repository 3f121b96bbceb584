"""The command line as one program: parse, open the store, run one command, say how it went."""

from __future__ import annotations

import contextlib
import sys

import duckdb

from analytics.cli import clock
from analytics.cli.accounts import run_accounts
from analytics.cli.cases import run_demo, run_evidence, run_export, run_import
from analytics.cli.parser import build_parser
from analytics.cli.reports import run_case_file, run_policies, run_report, run_summary
from analytics.cli.store import (
    audit_verify_command,
    run_backup,
    run_backup_through_the_app,
    run_restore,
)
from analytics.records import (
    KeyFileProblem,
    StoreInUse,
    command_line_actor,
    database_path,
    describe_failure,
    keep_new_files_private,
    wal_path,
)
from analytics.service import open_dashboard_store
from analytics.terms import (
    TermsInvalid,
    load_term_calendar,
)

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
        return run_restore(args.source, actor)
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
        store = open_dashboard_store(calendar, now=clock.now())
    except StoreInUse as in_use:
        if args.command == "backup":
            return run_backup_through_the_app(args.out)
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
        return run_demo(store, args, actor, say)
    if args.command == "import":
        return run_import(store, args.file, actor, say)
    if args.command == "summary":
        return run_summary(store, args, calendar, parser, say)
    if args.command == "policies":
        return run_policies(store, args, calendar, say)
    if args.command == "accounts":
        return run_accounts(store, args, actor, say)
    if args.command == "report":
        return run_report(store, args, calendar, parser, actor, say)
    if args.command == "backup":
        return run_backup(store, args.out, actor, say)
    if args.command == "evidence":
        return run_evidence(store, args, actor, say)
    if args.command == "casefile":
        return run_case_file(store, args, actor, say)
    return run_export(store, args.file, actor, say)


def _close_after_failure(store) -> None:
    """Close a store after a command failed; the first failure is the one to report."""
    with contextlib.suppress(duckdb.Error, OSError):
        store.close()
