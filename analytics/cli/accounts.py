"""The accounts commands, on the server: add, reset-password and reset-second-factor."""

from __future__ import annotations

import argparse
import getpass
import sys

from analytics.access import (
    ROLES,
    find_account_id,
    has_second_factor,
    record_account,
    record_password,
    record_second_factor_reset,
)
from analytics.cli import clock
from analytics.problems import RulesBroken


def add_account_commands(commands: argparse._SubParsersAction) -> None:
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


def run_accounts(store, args, actor: str, say) -> int:
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
                actor=actor, now=clock.now(),
            )  # fmt: skip
            say(f"Added {account.username} ({ROLES[account.role]}).")
            return 0
        account_id = find_account_id(store, args.username)
        if account_id is None:
            print(f"No account is named {args.username!r}.", file=sys.stderr)
            return 1
        # Typed at the server by the person it is for: no need to change it again.
        record_password(store, account_id, password, actor=actor, temporary=False, now=clock.now())
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
        record_second_factor_reset(store, account_id, actor=actor, now=clock.now())
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
