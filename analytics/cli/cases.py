"""The register's commands: demo, import, export and evidence add."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

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
from analytics.cli import clock
from analytics.problems import RulesBroken
from analytics.records import write_private_file

# DuckDB's memory during an import, in megabytes (see run_import): 192 since the commit
# also writes a vouch line for each new case (analytics.records.vouching); at 256 a
# 100 MB file peaked at 457 to 514 MB, at 192 at 441 to 444.
IMPORT_MEMORY_MB = 192


def add_demo_command(commands: argparse._SubParsersAction) -> None:
    demo = commands.add_parser("demo", help="load or remove demonstration cases")
    demo.add_argument("--incidents", type=int, default=300, help="how many cases (default 300)")
    demo.add_argument("--seed", type=int, default=1, help="random seed, for repeatable data")
    demo.add_argument("--remove", action="store_true", help="remove every demonstration case")


def add_import_command(commands: argparse._SubParsersAction) -> None:
    import_command = commands.add_parser("import", help="import cases from a CSV file")
    import_command.add_argument("file", type=Path)


def add_export_command(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser("export", help="export every case to a CSV file")
    export.add_argument("file", type=Path)


def add_evidence_command(commands: argparse._SubParsersAction) -> None:
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


def run_demo(store, args, actor: str, say) -> int:
    if args.remove:
        removed = remove_demo_data(store, actor=actor, now=clock.now())
        say(f"Removed {removed} demonstration case(s).")
        return 0
    try:
        added = load_demo_data(store, args.incidents, seed=args.seed, actor=actor, now=clock.now())
    except DemoRefused as refusal:
        print(f"Demonstration data not loaded: {refusal}.", file=sys.stderr)
        return 1
    say(f"Loaded {added} demonstration case(s) into {store.path}.")
    return 0


def run_import(store, path: Path, actor: str, say) -> int:
    if not path.is_file():
        print(f"{path}: no such file.", file=sys.stderr)
        return 1
    # The whole file commits in one transaction, whose rows DuckDB keeps in memory up to
    # its limit (80% of the machine's by default): capped, a 100 MB file stays under 500 MB.
    store.limit_memory(IMPORT_MEMORY_MB)
    try:
        report = import_cases_file(store, path, actor=actor, now=clock.now())
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


def run_export(store, path: Path, actor: str, say) -> int:
    export = export_cases(store, actor=actor, now=clock.now())
    write_private_file(path, export.text.encode("utf-8"))
    say(f"Exported {export.cases} case(s) to {path}.")
    return 0


def run_evidence(store, args, actor: str, say) -> int:
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
            store, incident_id, args.file, note=args.note, actor=actor, now=clock.now()
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
