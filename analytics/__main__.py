"""Command line: python -m analytics demo | import | export (the store is $DASHBOARD_DB)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from analytics.audit import command_line_actor
from analytics.demo import DemoRefused, load_demo_data, remove_demo_data
from analytics.interchange import ImportRejected, export_cases, import_cases_file
from analytics.store import database_path, open_store


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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    actor = command_line_actor()
    try:
        store = open_store()
    except duckdb.IOException as error:
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


if __name__ == "__main__":
    sys.exit(main())
