"""The commands that report: summary, report, casefile and policies."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from analytics.access import (
    AUDIENCE_BY_ROLE,
    GOVERNOR,
    HEADTEACHER,
)
from analytics.cases import find_case_id
from analytics.cli import clock
from analytics.figures import (
    Scope,
    disclose_overview,
    summarise,
)
from analytics.policies import load_policy_statuses
from analytics.problems import RulesBroken
from analytics.records import (
    SCHOOL_NAME,
    load_setting,
    load_threshold,
    record_audit,
    write_private_file,
)
from analytics.reporting import (
    MODES,
    build_report,
    gather_report_figures,
    last_complete_term,
)
from analytics.terms import (
    Period,
    TermCalendar,
    TermsInvalid,
    parse_academic_year,
    parse_term,
)
from analytics.vocabulary import CATEGORIES, DOCUMENT_FORMATS, PLATFORMS

# `summary --audience`: whose figures, by role.
AUDIENCE_OPTIONS = {role: AUDIENCE_BY_ROLE[role] for role in (HEADTEACHER, GOVERNOR)}


def add_summary_command(commands: argparse._SubParsersAction) -> None:
    summary = commands.add_parser(
        "summary", help="the governors' figures for a period, as JSON (default: this term)"
    )
    period = summary.add_mutually_exclusive_group()
    period.add_argument("--term", help='a term, e.g. "Autumn 2025"')
    period.add_argument("--year", help='an academic year, e.g. "2025/26"')
    period.add_argument("--from", dest="start", type=iso_date, help="first day, YYYY-MM-DD")
    summary.add_argument("--to", dest="end", type=iso_date, help="last day, YYYY-MM-DD")
    summary.add_argument(
        "--category", action="append", default=[], choices=list(CATEGORIES), metavar="CODE",
        help=f"only cases in this category (repeatable): {', '.join(CATEGORIES)}",
    )  # fmt: skip
    summary.add_argument(
        "--platform", action="append", default=[], choices=list(PLATFORMS), metavar="CODE",
        help=f"only cases on this platform (repeatable): {', '.join(PLATFORMS)}",
    )  # fmt: skip
    summary.add_argument(
        "--audience", choices=list(AUDIENCE_OPTIONS), default=HEADTEACHER,
        help="whose figures: the headteacher's exact ones (default), or a governor's, "
        "protected as on the governor's Overview",
    )  # fmt: skip


def add_report_command(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser("report", help="the termly report to governors, as a document")
    report.add_argument(
        "--term", help='a term, e.g. "Autumn 2025" (default: the last complete one)'
    )
    report.add_argument("--format", choices=list(DOCUMENT_FORMATS), default="pdf")
    report.add_argument("--mode", choices=list(MODES), default="circulation")
    report.add_argument("--out", type=Path, required=True, help="the file to write")


def add_case_file_command(commands: argparse._SubParsersAction) -> None:
    case_file = commands.add_parser(
        "casefile",
        help="one confidential PDF of a case, for the police, legal advice or a platform",
    )
    case_file.add_argument("reference", help="the case's reference")
    case_file.add_argument("--out", type=Path, required=True, help="the PDF to write")


def add_policies_command(commands: argparse._SubParsersAction) -> None:
    policies = commands.add_parser(
        "policies", help="the policy register and review status, as JSON"
    )
    policies.add_argument("--as-of", type=iso_date, default=None, help="the day to judge on")


def run_summary(store, args, calendar: TermCalendar, parser: argparse.ArgumentParser, say) -> int:
    try:
        period = _chosen_period(args, calendar)
    except (TermsInvalid, ValueError) as problem:
        parser.error(str(problem))
    scope = Scope(period, categories=tuple(args.category), platforms=tuple(args.platform))
    # The same release the Overview shows for this scope, so the two never differ.
    disclosed = disclose_overview(
        store, scope, calendar, today=clock.now().date(), audience=AUDIENCE_OPTIONS[args.audience],
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
    term = parse_term(args.term) if args.term else calendar.term_of(clock.now().date())
    return calendar.reporting_period(term)


def run_report(store, args, calendar, parser, actor: str, say) -> int:
    today = clock.now().date()
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
            cursor, actor, "report downloaded", "report", term.label, now=clock.now(),
            detail=f"{args.format}, {args.mode}",
        )  # fmt: skip
    say(f"Wrote the {term.label} report ({MODES[args.mode].lower()}, {args.format}) to {args.out}.")
    return 0


def run_case_file(store, args, actor: str, say) -> int:
    """`casefile REF --out FILE.pdf`: the case file, written readable by its owner only."""
    incident_id = find_case_id(store, args.reference.strip())
    if incident_id is None:
        print(f"No case has the reference {args.reference!r}.", file=sys.stderr)
        return 1
    try:
        from analytics.reporting import (
            build_case_file,
        )

        content = build_case_file(store, incident_id, actor=actor, now=clock.now())
    except RulesBroken as broken:
        print(f"No case file written: {broken.problems[0].rule}.", file=sys.stderr)
        return 1
    write_private_file(args.out, content)
    say(f"Wrote the case file of {args.reference} to {args.out}.")
    return 0


def run_policies(store, args, calendar: TermCalendar, say) -> int:
    as_of = args.as_of or clock.now().date()
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


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date written as YYYY-MM-DD") from None
