"""The headteacher's termly report to governors: its figures, tables and narrative.

gather_report_figures() takes the exact figures for a term from the store (a plain dict,
so a snapshot can freeze it). build_report() turns them into what is printed, for one
mode: "circulation" hides small counts and any cell that would give one away, and gives
no change or difference between terms; "confidential" shows exact figures. Neither ever
holds a name, a summary, a reference or a person reference: the figures have none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from analytics.overview import (
    HEADLINE_FIGURES,
    Scope,
    as_counts,
    count_by_action,
    count_by_platform,
    count_earlier_cases,
    count_headline,
    count_repeat_cases,
    count_stages_by_category,
    count_unclosed_by_age,
    measure_removal_and_closing,
)
from analytics.policies import describe_overdue, load_policy_statuses
from analytics.store import Store
from analytics.suppression import Relation, Suppressed, shown, suppress
from analytics.terms import Term, TermCalendar
from analytics.vocabulary import CATEGORIES, ESCALATION_ACTIONS, PLATFORMS

MODES = {"circulation": "For circulation", "confidential": "Confidential (closed item)"}
HEADLINE_LABELS = ("Incidents", "Settled at discussion", "Escalated", "Open")
STAGE_COLUMNS = ("settled_at_discussion", "escalated", "open")
NOT_SHOWN = "–"


@dataclass(frozen=True)
class ReportTable:
    """One table as printed: a header and rows of text, first column the row's label."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""

    def as_frame(self) -> pd.DataFrame:
        return pd.DataFrame(list(self.rows), columns=list(self.columns))


@dataclass(frozen=True)
class Report:
    """Everything a document of the report prints, for one mode."""

    school: str
    term: str
    period: str
    mode: str
    threshold: int
    generated_on: date
    narrative: tuple[str, ...]
    tables: tuple[ReportTable, ...]

    @property
    def title(self) -> str:
        return f"Parental use of social media: termly report to governors, {self.term}"

    @property
    def mode_label(self) -> str:
        return MODES[self.mode]

    @property
    def marking(self) -> str:
        """The line printed on every page of every document."""
        return f"{self.mode_label} · For information · {self.generated_on:%-d %B %Y}"

    def table(self, key: str) -> ReportTable:
        return next(table for table in self.tables if table.key == key)


def last_complete_term(calendar: TermCalendar, today: date) -> Term:
    return calendar.term_of(today).previous()


def gather_report_figures(
    store: Store, calendar: TermCalendar, term: Term, *, school: str, today: date
) -> dict[str, Any]:
    """The exact figures of one term's report, as plain values."""
    period = calendar.reporting_period(term)
    scope = Scope(period)
    comparisons = {
        "this": term,
        "previous": term.previous(),
        "year_earlier": term.years_later(-1),
    }
    headline = {
        name: {
            figure: int(value)
            for figure, value in count_headline(store, Scope(calendar.reporting_period(t)))
            .iloc[0]
            .items()
        }
        for name, t in comparisons.items()
    }
    removal = measure_removal_and_closing(store, scope).iloc[0]
    by_platform = as_counts(count_by_platform(store, scope))
    by_platform["not_recorded"] = headline["this"]["incidents"] - sum(by_platform.values())
    median = removal["median_days_to_removal"]
    return {
        "school": school,
        "term": term.label,
        "period_from": period.start.isoformat(),
        "period_to": period.end.isoformat(),
        "previous_term": comparisons["previous"].label,
        "year_earlier_term": comparisons["year_earlier"].label,
        "generated_on": today.isoformat(),
        "earlier_cases": count_earlier_cases(store, period.start),
        "headline": headline,
        "stages_by_category": count_stages_by_category(store, scope).to_dict("records"),
        "by_action": as_counts(count_by_action(store, scope)),
        "by_platform": by_platform,
        "repeat_cases": count_repeat_cases(store, scope),
        "content_removed": int(removal["content_removed"]),
        "median_days_to_removal": None if pd.isna(median) else float(median),
        "unclosed_by_age": count_unclosed_by_age(store, scope, calendar, today=today).to_dict(
            "records"
        ),
        "policies": [
            {
                "title": policy.title,
                "review_term": policy.review_term.label,
                "review_due": policy.review_due.isoformat(),
                "status": policy.status_label,
                "overdue": describe_overdue(policy.review_due, today)
                if policy.status == "overdue"
                else "",
                "governs_incidents": policy.governs_incidents,
            }
            for policy in load_policy_statuses(store, calendar, today)
        ],
    }


def build_report(figures: dict[str, Any], mode: str, threshold: int) -> Report:
    """The report as printed in mode ("circulation" or "confidential")."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    hide = mode == "circulation"
    tables = (
        _headline_table(figures, hide, threshold),
        _category_table(figures, hide, threshold),
        _count_table(
            "actions",
            "Escalation actions",
            [(ESCALATION_ACTIONS[code], n) for code, n in figures["by_action"].items()],
            hide,
            threshold,
            note="Cases in which each action was taken at least once; a case may have several.",
        ),
        _platform_table(figures, hide, threshold),
        _other_figures_table(figures, hide, threshold),
        _unclosed_table(figures, hide, threshold),
        ReportTable(
            "policies",
            "Policy review status",
            ("Policy", "Review term", "Due by", "Status"),
            tuple(
                (p["title"], p["review_term"], _long_date(p["review_due"]), p["status"])
                for p in figures["policies"]
            ),
            note="A review is due by the last day of its review term.",
        ),
    )
    period = f"{_long_date(figures['period_from'])} to {_long_date(figures['period_to'])}"
    return Report(
        school=figures["school"],
        term=figures["term"],
        period=period,
        mode=mode,
        threshold=threshold,
        generated_on=date.fromisoformat(figures["generated_on"]),
        narrative=tuple(_narrative(figures, tables, hide)),
        tables=tables,
    )


# ----------------------------------------------------------------------------- tables


def _printed(
    key: str,
    title: str,
    columns: tuple[str, ...],
    labels: list[str],
    values: list[list[int | None]],
    relations: list[Relation],
    hide: bool,
    threshold: int,
    note: str = "",
) -> ReportTable:
    """A table of counts, suppressed when hide is set, as text."""
    suppressed: Suppressed | None = suppress(values, relations, threshold) if hide else None
    rows = tuple(
        (label, *(shown(v, (r, c), suppressed, threshold) for c, v in enumerate(row)))
        for r, (label, row) in enumerate(zip(labels, values, strict=True))
    )
    if suppressed is not None and suppressed.hidden:
        note = " ".join(
            part
            for part in (
                note,
                f"<{threshold}: fewer than {threshold} cases.",
                "*: hidden so that a small count cannot be worked out."
                if suppressed.derivable
                else "",
            )
            if part
        )
    return ReportTable(key, title, columns, rows, note)


def _headline_table(figures, hide, threshold) -> ReportTable:
    periods = ("this", "previous", "year_earlier")
    values = [[figures["headline"][p][f] for p in periods] for f in HEADLINE_FIGURES]
    columns = (
        "",
        figures["term"],
        f"Previous term ({figures['previous_term']})",
        f"A year earlier ({figures['year_earlier_term']})",
    )
    # Incidents are settled + escalated + open, in each term's column.
    relations = [Relation((0, c), ((1, c), (2, c), (3, c))) for c in range(3)]
    table = _printed(
        "headline", "Headline figures", columns, list(HEADLINE_LABELS), values, relations,
        hide, threshold,
    )  # fmt: skip
    if hide:
        return table
    # Confidential: the changes too (never in circulation, where they could reveal a count).
    changes = [
        (*row, _signed(v[0] - v[1]), _signed(v[0] - v[2]))
        for row, v in zip(table.rows, values, strict=True)
    ]
    return ReportTable(
        table.key,
        table.title,
        (*columns, "Change on previous term", "Change on a year earlier"),
        tuple(changes),
        table.note,
    )


def _category_table(figures, hide, threshold) -> ReportTable:
    rows = figures["stages_by_category"]
    values = [
        [sum(row[s] for s in STAGE_COLUMNS), *(row[s] for s in STAGE_COLUMNS)] for row in rows
    ]
    relations = [Relation((r, 0), ((r, 1), (r, 2), (r, 3))) for r in range(len(rows))]
    return _printed(
        "categories",
        "Cases by category: settled at discussion and escalated",
        ("Category", "Cases", *HEADLINE_LABELS[1:]),
        [CATEGORIES[row["category"]] for row in rows],
        values,
        relations,
        hide,
        threshold,
        note="A case in several categories counts once in each, so the rows add up to more "
        "than the cases.",
    )


def _count_table(
    key, title, labelled: list[tuple[str, int]], hide, threshold, note=""
) -> ReportTable:
    return _printed(
        key, title, ("", "Cases"), [label for label, _ in labelled],
        [[n] for _, n in labelled], [], hide, threshold, note,
    )  # fmt: skip


def _platform_table(figures, hide, threshold) -> ReportTable:
    counts = figures["by_platform"]
    labels = [PLATFORMS.get(code, "Not recorded") for code in counts] + ["All cases"]
    values = [[n] for n in counts.values()] + [[figures["headline"]["this"]["incidents"]]]
    total_row = len(values) - 1
    relation = Relation((total_row, 0), tuple((r, 0) for r in range(total_row)))
    return _printed(
        "platforms", "Platforms", ("", "Cases"), labels, values, [relation], hide, threshold
    )


def _other_figures_table(figures, hide, threshold) -> ReportTable:
    table = _count_table(
        "other",
        "Repeat cases and content removal",
        [
            ("Repeat cases (by someone with an earlier case)", figures["repeat_cases"]),
            ("Cases where the content came down", figures["content_removed"]),
        ],
        hide,
        threshold,
    )
    median = figures["median_days_to_removal"]
    removal_hidden = hide and 1 <= figures["content_removed"] < threshold
    median_text = NOT_SHOWN if median is None or removal_hidden else f"{median:g}"
    note = table.note
    if removal_hidden:
        note = f"{note} The median is not shown where it rests on fewer than {threshold} cases."
    return ReportTable(
        table.key,
        table.title,
        ("", "Figure"),
        (*table.rows, ("Median days from report to removal", median_text)),
        note.strip(),
    )


def _unclosed_table(figures, hide, threshold) -> ReportTable:
    ages = figures["unclosed_by_age"]
    values = [[row["calendar_days"], row["school_days"]] for row in ages]
    values.append([sum(v[0] for v in values), sum(v[1] for v in values)])
    total = len(values) - 1
    relations = [Relation((total, c), tuple((r, c) for r in range(total))) for c in range(2)]
    return _printed(
        "unclosed",
        "Cases not yet closed, by age",
        ("Age", "In calendar days", "In school days"),
        [row["age"].capitalize() for row in ages] + ["All not yet closed"],
        values,
        relations,
        hide,
        threshold,
        note="Open and escalated cases still running at the date of the report.",
    )


# -------------------------------------------------------------------------- narrative


def _narrative(figures, tables: tuple[ReportTable, ...], hide: bool) -> list[str]:
    """Plain sentences written only from what the tables print, so they reveal nothing more."""
    by_key = {table.key: table for table in tables}
    headline = {row[0]: row[1:] for row in by_key["headline"].rows}
    exact = figures["headline"]
    term = figures["term"]
    sentences = []
    if exact["this"]["incidents"] == 0:
        sentences.append(f"No incidents were reported in {term}.")
    else:
        sentences.append(
            f"{_cases_phrase(headline['Incidents'][0], 'incident')} reported in {term}."
        )
    if figures["earlier_cases"] == 0:
        sentences.append(
            "This is the first term on record, so there is no earlier term to compare with."
        )
    else:
        this, before, year = (headline["Incidents"][i] for i in range(3))
        comparison = (
            f"In {figures['previous_term']} there were {_plain(before)}, and in "
            f"{figures['year_earlier_term']} {_plain(year)}."
        )
        if _is_count(this) and _is_count(before):
            change = int(this) - int(before)
            trend = (
                "the same number as" if change == 0 else "more than" if change > 0 else "fewer than"
            )
            comparison += f" This term saw {trend} the term before."
        sentences.append(comparison)
    if exact["this"]["incidents"]:
        settled, escalated, still_open = (headline[label][0] for label in HEADLINE_LABELS[1:])
        if settled == still_open == "0":
            sentences.append("Every case this term went beyond the discussion stage.")
        else:
            sentences.append(
                f"{_plain(settled).capitalize()} settled at the discussion stage, "
                f"{_plain(escalated)} escalated and {_plain(still_open)} still open."
            )
        sentences.extend(_most_common_category(by_key["categories"]))
        sentences.append(_escalation_sentence(by_key["actions"]))
    for policy in figures["policies"]:
        if not policy["governs_incidents"]:
            continue
        if policy["overdue"]:
            sentences.append(
                f"The {policy['title'].lower()} is {policy['overdue']}. The governing "
                "body should review it."
            )
        else:
            sentences.append(
                f"The {policy['title'].lower()} is {policy['status'].lower()}; its review is "
                f"due by {_long_date(policy['review_due'])}."
            )
    return sentences


def _most_common_category(table: ReportTable) -> list[str]:
    counted = [(row[0], int(row[1])) for row in table.rows if _is_count(row[1]) and row[1] != "0"]
    if not counted:
        return []
    most = max(n for _, n in counted)
    leaders = [label for label, n in counted if n == most]
    if len(leaders) == 1:
        return [f"The most common kind was {leaders[0].lower()} ({_plain(str(most), 'case')})."]
    named = ", ".join(label.lower() for label in leaders[:-1]) + f" and {leaders[-1].lower()}"
    return [f"The most common kinds were {named} ({_plain(str(most), 'case')} each)."]


def _escalation_sentence(table: ReportTable) -> str:
    used = [(label, cases) for label, cases in table.rows if cases != "0"]
    if not used:
        return "No escalation action was taken."
    listed = "; ".join(f"{label.lower()} ({_plain(cases, 'case')})" for label, cases in used)
    return f"Escalation actions taken: {listed}."


def _cases_phrase(printed: str, noun: str) -> str:
    """ "12 incidents were", "1 incident was", "Fewer than 5 incidents were"."""
    if printed.startswith("<"):
        return f"Fewer than {printed[1:]} {noun}s were"
    if printed == "*":
        return f"A number of {noun}s not shown here were"
    return f"{printed} {noun}{'' if printed == '1' else 's'} {'was' if printed == '1' else 'were'}"


def _plain(printed: str, noun: str = "") -> str:
    """A printed count in words: "<5" as "fewer than 5", "*" as "a number not shown"."""
    suffix = f" {noun}{'' if printed == '1' else 's'}" if noun else ""
    if printed.startswith("<"):
        return f"fewer than {printed[1:]}{suffix}"
    if printed == "*":
        return f"a number not shown{suffix and ' of' + suffix}"
    return f"{printed}{suffix}"


def _is_count(printed: str) -> bool:
    return printed.isdigit()


def _signed(number: int) -> str:
    return f"{number:+d}" if number else "0"


def _long_date(iso: str) -> str:
    return f"{date.fromisoformat(iso):%-d %B %Y}"
