"""The command line's parser: every command, each added by the module of its group."""

from __future__ import annotations

import argparse

from analytics.cli.accounts import add_account_commands
from analytics.cli.cases import (
    add_demo_command,
    add_evidence_command,
    add_export_command,
    add_import_command,
)
from analytics.cli.reports import (
    add_case_file_command,
    add_policies_command,
    add_report_command,
    add_summary_command,
)
from analytics.cli.store import add_audit_command, add_backup_commands
from analytics.records import database_path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analytics",
        description=f"Work with the incident store (now {database_path()}; set DASHBOARD_DB "
        "to use another file).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    # In the order `--help` has always listed them.
    add_demo_command(commands)
    add_import_command(commands)
    add_export_command(commands)
    add_summary_command(commands)
    add_report_command(commands)
    add_backup_commands(commands)
    add_account_commands(commands)
    add_audit_command(commands)
    add_evidence_command(commands)
    add_case_file_command(commands)
    add_policies_command(commands)
    return parser
