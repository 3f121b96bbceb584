"""The headteacher's termly report to governors: its figures, tables and narrative.

gather_report_figures() takes the exact figures for a term from the store (a plain dict,
so a snapshot can freeze it). build_report() turns them into what is printed, for one
mode: "circulation" is protected by the one disclosure rule (analytics.figures.disclosure),
with earlier terms as their own frozen circulated reports printed them or as the
governors' Overview of each shows it, and gives no change between terms; "confidential"
shows exact figures. Neither ever holds a name, a summary, a reference or a person
reference: the figures have none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from analytics.cases import count_cases
from analytics.figures import (
    AGE_MEASURES,
    COMPLEMENTARY,
    COMPLEMENTARY_MARK,
    EXACT,
    PROTECTED,
    SMALL,
    Disclosed,
    EarlierRelease,
    Published,
    Release,
    Scope,
    Shown,
    disclose,
    gather_overview_release,
    gather_term_release,
    headline_cell,
    load_circulated_releases,
    published_cells,
    published_from_dict,
    published_to_dict,
    release_from_dict,
    release_to_dict,
    shown_as_published,
)
from analytics.policies import (
    describe_overdue,
    load_policy_statuses,
)
from analytics.records import Store
from analytics.terms import Term, TermCalendar
from analytics.vocabulary import (
    ALL_CASES,
    CATEGORIES,
    ESCALATED,
    ESCALATION_ACTIONS,
    HEADLINE,
    OPEN,
    OVERDUE,
    PLATFORMS_COUNTED,
    REPORT_MODES,
    SETTLED,
    STAGES,
    UNCLOSED_AGES,
    as_long_day,
)

MODES = REPORT_MODES
# Who each mode is for: circulation is protected like everything a governor sees.
MODE_AUDIENCE = {"circulation": PROTECTED, "confidential": EXACT}
NOT_SHOWN = "–"
DEMONSTRATION_MARK = "Demonstration data: not real"
COMPARED = {"previous": "Previous term", "year_earlier": "A year earlier"}


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
    demonstration: bool = False
    # What the report's readers are told of each figure, kept when it is frozen so that
    # later releases of the same terms are audited against it.
    published: Published | None = None

    @property
    def title(self) -> str:
        return f"Parental use of social media: termly report to governors, {self.term}"

    @property
    def mode_label(self) -> str:
        return MODES[self.mode]

    @property
    def marking(self) -> str:
        """The line printed on every page of every document."""
        parts = [self.mode_label, "For information", as_long_day(self.generated_on)]
        if self.demonstration:
            parts.insert(0, DEMONSTRATION_MARK)
        return " · ".join(parts)

    def table(self, key: str) -> ReportTable:
        return next(table for table in self.tables if table.key == key)


def report_modes_for(audience: str) -> list[str]:
    """The report modes an audience may open: protected figures only ever for circulation."""
    return [mode for mode in MODES if audience == EXACT or MODE_AUDIENCE[mode] == audience]


def last_complete_term(calendar: TermCalendar, today: date) -> Term:
    return calendar.term_of(today).previous()


def gather_report_figures(
    store: Store, calendar: TermCalendar, term: Term, *, school: str, today: date
) -> dict[str, Any]:
    """The exact figures of one term's report, as plain values (a snapshot freezes them),
    with what earlier circulated reports told their readers of these terms."""
    release = gather_term_release(store, calendar, term, today=today)
    period = calendar.reporting_period(term)
    return {
        "school": school,
        "term": term.label,
        "period_from": period.start.isoformat(),
        "period_to": period.end.isoformat(),
        "previous_term": term.previous().label,
        "year_earlier_term": term.years_later(-1).label,
        "generated_on": today.isoformat(),
        "earlier_cases": int(
            store.read_value("SELECT count(*) FROM incidents WHERE reported_on < ?", [period.start])
        ),
        "demonstration": count_cases(store, demo=True) > 0,
        "release": release_to_dict(release),
        # Every circulated report frozen for these three terms: a reader may hold them all,
        # and the earlier terms are printed as their own newest report printed them.
        "earlier_releases": _earlier_to_dicts(load_circulated_releases(store, release)),
        # Each earlier term compared, as the governors' Overview of that term counts it
        # today: a circulated report prints it exactly as the Overview shows it (unless the
        # term's own report was frozen), so the two can never be differenced.
        "compared": {
            "previous": _overview_of(store, calendar, term.previous(), today),
            "year_earlier": _overview_of(store, calendar, term.years_later(-1), today),
        },
        "policies": [
            {
                "title": policy.title,
                "review_term": policy.review_term.label,
                "review_due": policy.review_due.isoformat(),
                "status": policy.status_label,
                "overdue": describe_overdue(policy.review_due, today)
                if policy.status == OVERDUE
                else "",
                "governs_incidents": policy.governs_incidents,
            }
            for policy in load_policy_statuses(store, calendar, today)
        ],
    }


def _overview_of(store: Store, calendar: TermCalendar, term: Term, today: date) -> dict:
    """The governors' Overview of a term as counted today, and what they already hold of
    it, as plain values for build_report to disclose."""
    overview = gather_overview_release(
        store, Scope(calendar.reporting_period(term)), calendar, today=today
    )
    return {
        "release": release_to_dict(overview),
        "earlier_releases": _earlier_to_dicts(load_circulated_releases(store, overview)),
    }


def _earlier_to_dicts(earlier: Sequence[EarlierRelease]) -> list[dict[str, Any]]:
    return [
        {"release": release_to_dict(r.release), "published": published_to_dict(r.published)}
        for r in earlier
    ]


def _earlier_from_dicts(rows: Sequence[dict[str, Any]]) -> list[EarlierRelease]:
    return [
        EarlierRelease(release_from_dict(r["release"]), published_from_dict(r["published"]))
        for r in rows
    ]


def _frozen_report_of(earlier: Sequence[EarlierRelease], period) -> Published | None:
    """What the newest frozen circulated report of the term of period printed, if any."""
    for before in reversed(earlier):
        if before.release.figures.scope.period == period:
            return before.published
    return None


def _comparison(
    disclosed: Disclosed, frozen: Published | None, overview: Disclosed | None, period
) -> dict[str, Shown] | None:
    """An earlier term's headline as this audience may see it beside the report's term:
    exactly; or as that term's newest frozen circulated report printed it; or as the
    governors' Overview of that term shows it. None where none is known (a snapshot frozen
    before reports compared terms)."""
    if disclosed.audience == EXACT:
        return {figure: disclosed.cells[headline_cell(period, figure)] for figure in HEADLINE}
    if frozen is not None:
        return {
            figure: shown_as_published(frozen, headline_cell(period, figure), disclosed.threshold)
            for figure in HEADLINE
        }
    if overview is not None:
        return {figure: overview.headline("this", figure) for figure in HEADLINE}
    return None


def build_report(figures: dict[str, Any], mode: str, threshold: int) -> Report:
    """The report as printed in mode ("circulation" or "confidential")."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    release = release_from_dict(figures["release"])
    earlier = _earlier_from_dicts(figures.get("earlier_releases", []))
    headline_periods = {name: h.period for name, h in release.headlines.items()}
    audience = MODE_AUDIENCE[mode]
    frozen, overviews = {}, {}
    if audience == PROTECTED:
        # An earlier term whose own circulated report was frozen for a meeting is reprinted
        # as that report printed it: reprinted, it tells nothing new. Any other is printed
        # as the governors' Overview of that term shows it (one release, protected against
        # every circulated report that printed the term, so a late case cannot be
        # differenced, and never hidden differently from the Overview beside it).
        for name in COMPARED:
            published = _frozen_report_of(earlier, headline_periods[name])
            compared = figures.get("compared", {}).get(name)
            if published is not None:
                frozen[name] = published
            elif compared is not None:
                overviews[name] = disclose(
                    release_from_dict(compared["release"]), PROTECTED, threshold,
                    earlier=_earlier_from_dicts(compared["earlier_releases"]),
                )  # fmt: skip
        release = Release(release.figures, as_of=release.as_of)
    disclosed = disclose(release, audience, threshold, earlier=earlier)
    comparisons = {
        name: _comparison(disclosed, frozen.get(name), overviews.get(name), headline_periods[name])
        for name in COMPARED
    }
    tables = (
        _headline_table(figures, disclosed, comparisons, frozen),
        _category_table(disclosed, headline_periods["this"]),
        _printed(
            "actions",
            "Escalation actions",
            ("", "Cases"),
            [(ESCALATION_ACTIONS[code], (("action", code),)) for code in ESCALATION_ACTIONS],
            disclosed,
            note="Cases in which each action was taken at least once; a case may have several.",
        ),
        _platform_table(release, disclosed, headline_periods["this"]),
        _other_figures_table(disclosed),
        _printed(
            "unclosed",
            "Cases not yet closed, by age",
            ("Age", "In calendar days", "In school days"),
            [
                (label, tuple(("unclosed", age, measure) for measure in AGE_MEASURES))
                for age, label in UNCLOSED_AGES.items()
                if ("unclosed", age, AGE_MEASURES[0]) in disclosed.cells
            ]
            + [("All not yet closed", (("unclosed", "all", "total"),) * 2)],
            disclosed,
            note="Open and escalated cases still running at the date of the report."
            + (
                " By age only in the confidential report: with each term's figures, the ages "
                "of cases could give a small count away."
                if disclosed.audience == PROTECTED
                else ""
            ),
        ),
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
        narrative=tuple(_narrative(figures, disclosed, comparisons)),
        tables=tables,
        demonstration=bool(figures.get("demonstration")),
        published=_published(disclosed, overviews) if mode == "circulation" else None,
    )


def _published(disclosed: Disclosed, overviews: dict[str, Disclosed]) -> Published:
    """What a circulated report tells its readers: its own cells, and the earlier terms'
    headlines it printed as their Overviews show them, for the audits of later releases."""
    told = [published_cells(disclosed)] + [
        published_cells(
            overview, [headline_cell(overview.periods["this"], figure) for figure in HEADLINE]
        )
        for overview in overviews.values()
    ]
    return Published(
        {key: known for part in told for key, known in part.known.items()},
        {key: text for part in told for key, text in part.texts.items()},
    )


def published_figures(report: Report) -> list[list] | None:
    """What a circulated report told its readers, as JSON-ready rows (None if confidential)."""
    return None if report.published is None else published_to_dict(report.published)


# ----------------------------------------------------------------------------- tables

Row = tuple[str, tuple[tuple, ...]]  # a row's label and the cells of its columns


def _printed(
    key: str,
    title: str,
    columns: tuple[str, ...],
    rows: list[Row],
    disclosed: Disclosed,
    note: str = "",
) -> ReportTable:
    """A table of disclosed cells as text, with each kind of hiding explained once below."""
    printed = tuple((label, *(disclosed[cell].text for cell in cells)) for label, cells in rows)
    kinds = disclosed.hidden_among([cell for _, cells in rows for cell in cells])
    return ReportTable(key, title, columns, printed, _with_key(note, kinds, disclosed.threshold))


def _with_key(note: str, kinds: set[str], threshold: int) -> str:
    """The table's note, then what its markers mean (only the markers it uses)."""
    parts = [note] if note else []
    if SMALL in kinds:
        parts.append(f"<{threshold}: fewer than {threshold} cases.")
    if COMPLEMENTARY in kinds:
        parts.append(
            f"{COMPLEMENTARY_MARK}: not shown, so that a small count elsewhere cannot be "
            "worked out from it."
        )
    return " ".join(parts)


def _headline_table(figures, disclosed: Disclosed, comparisons, frozen) -> ReportTable:
    columns = (
        "",
        figures["term"],
        f"Previous term ({figures['previous_term']})",
        f"A year earlier ({figures['year_earlier_term']})",
    )
    this = disclosed.periods["this"]
    cells = [headline_cell(this, figure) for figure in HEADLINE]
    rows = tuple(
        (
            label,
            disclosed[headline_cell(this, figure)].text,
            *(
                NOT_SHOWN if comparisons[name] is None else comparisons[name][figure].text
                for name in COMPARED
            ),
        )
        for figure, label in HEADLINE.items()
    )
    note = ""
    if disclosed.audience == PROTECTED:
        terms = {"previous": figures["previous_term"], "year_earlier": figures["year_earlier_term"]}
        reprinted = [terms[name] for name in COMPARED if name in frozen]
        afresh = [terms[name] for name in COMPARED if name not in frozen and comparisons[name]]
        sources = []
        if reprinted:
            sources.append(
                f"{' and '.join(reprinted)} as printed in "
                + ("its own report" if len(reprinted) == 1 else "their own reports")
                + ", frozen for a meeting"
            )
        if afresh:
            sources.append(
                f"{' and '.join(afresh)} as the governors' Overview shows "
                + ("it" if len(afresh) == 1 else "them")
                + " today"
            )
        note = "; ".join(sources) + "." if sources else ""
    kinds = disclosed.hidden_among(cells) | {
        shown.hidden for c in comparisons.values() if c for shown in c.values() if shown.hidden
    }
    table = ReportTable(
        "headline", "Headline figures", columns, rows,
        _with_key(note, kinds, disclosed.threshold),
    )  # fmt: skip
    if disclosed.audience == PROTECTED:
        return table
    # Exact figures also get the changes (never in circulation, where they could reveal a count).
    changes = []
    for row, figure in zip(table.rows, HEADLINE, strict=True):
        now = disclosed[headline_cell(this, figure)].value
        before, year = (comparisons[name][figure].value for name in COMPARED)
        changes.append((*row, _signed(now - before), _signed(now - year)))
    return ReportTable(
        table.key,
        table.title,
        (*columns, "Change on previous term", "Change on a year earlier"),
        tuple(changes),
        table.note,
    )


def _category_table(disclosed: Disclosed, this) -> ReportTable:
    return _printed(
        "categories",
        "Cases by category: settled at discussion and escalated",
        ("Category", "Cases", *STAGES.values()),
        [
            (label, tuple(("category", code, figure) for figure in HEADLINE))
            for code, label in CATEGORIES.items()
        ],
        disclosed,
        note="A case in several categories counts once in each, so the rows add up to more "
        "than the cases.",
    )


def _platform_table(release, disclosed: Disclosed, this) -> ReportTable:
    rows = [
        (PLATFORMS_COUNTED[code], (("platform", code),)) for code in release.figures.by_platform
    ]
    rows.append(("All cases", (headline_cell(this, ALL_CASES),)))
    return _printed("platforms", "Platforms", ("", "Cases"), rows, disclosed)


def _other_figures_table(disclosed: Disclosed) -> ReportTable:
    table = _printed(
        "other",
        "Repeat cases and content removal",
        ("", "Figure"),
        [
            ("Repeat cases (by someone with an earlier case)", (("repeat_cases",),)),
            ("Cases where the content came down", (("content_removed",),)),
        ],
        disclosed,
    )
    median = disclosed.medians["median_days_to_removal"]
    note = table.note
    if "median_days_to_removal" in disclosed.medians_withheld:
        note = (
            f"{note} {NOT_SHOWN}: the median is not shown where it rests on fewer than "
            f"{disclosed.threshold} cases."
        )
    median_text = NOT_SHOWN if median is None else f"{median:g}"
    return ReportTable(
        table.key,
        table.title,
        table.columns,
        (*table.rows, ("Median days from report to removal", median_text)),
        note.strip(),
    )


# -------------------------------------------------------------------------- narrative


def compare_in_words(now: Shown, then: Shown) -> str | None:
    """How a count compares with an earlier one, in words the figures as shown bear out
    ("more than", "about the same number as"); None where what is shown cannot tell."""
    if now.value is not None and then.value is not None:
        change = now.value - then.value
        if change == 0:
            return "the same number as"
        # Within one case, or a tenth of the larger count, is not a change worth a word.
        if abs(change) <= max(1, round(max(now.value, then.value) / 10)):
            return "about the same number as"
        return "more than" if change > 0 else "fewer than"
    if now.low is not None and then.high is not None and now.low > then.high:
        return "more than"
    if now.high is not None and then.low is not None and now.high < then.low:
        return "fewer than"
    return None


def _incidents(count: Shown) -> str:
    return "no incidents" if count.value == 0 else count.words("incident")


def _narrative(figures, disclosed: Disclosed, comparisons) -> list[str]:
    """Plain sentences written only from what the audience is shown, so they reveal no more."""

    def headline(name: str, figure: str) -> Shown:
        return disclosed.headline(name, figure)

    term = figures["term"]
    incidents = headline("this", ALL_CASES)
    sentences = []
    if incidents.value == 0:
        sentences.append(f"No incidents were reported in {term}.")
    else:
        sentences.append(f"{_were(incidents, 'incident')} reported in {term}.")
    if figures["earlier_cases"] == 0:
        sentences.append(
            "This is the first term on record, so there is no earlier term to compare with."
        )
    else:
        before, year = (comparisons[name][ALL_CASES] for name in COMPARED)
        comparison = (
            f"In {figures['previous_term']} there were {_incidents(before)}, and in "
            f"{figures['year_earlier_term']} {_incidents(year)}."
        )
        trends = [
            f"{trend} {than}"
            for then, than in ((before, "the term before"), (year, "a year earlier"))
            if (trend := compare_in_words(incidents, then))
        ]
        if trends:
            comparison += f" This term saw {' and '.join(trends)}."
        sentences.append(comparison)
    if incidents.value != 0:
        settled, escalated, still_open = (
            headline("this", stage) for stage in (SETTLED, ESCALATED, OPEN)
        )
        if settled.value == still_open.value == 0:
            sentences.append("Every case this term went beyond the discussion stage.")
        else:
            sentences.append(
                f"{_capital(settled.words('case'))} settled at the discussion stage, "
                f"{escalated.words('case')} escalated and {still_open.words('case')} "
                "still open."
            )
        sentences.extend(_most_common_category(disclosed))
        sentences.append(_escalation_sentence(disclosed))
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


def _most_common_category(disclosed: Disclosed) -> list[str]:
    counted = [
        (CATEGORIES[code], disclosed[("category", code, ALL_CASES)].value) for code in CATEGORIES
    ]
    counted = [(label, n) for label, n in counted if n]
    if not counted:
        return []
    most = max(n for _, n in counted)
    leaders = [label for label, n in counted if n == most]
    cases = f"{most} case{'' if most == 1 else 's'}"
    if len(leaders) == 1:
        return [f"The most common kind was {leaders[0].lower()} ({cases})."]
    named = ", ".join(label.lower() for label in leaders[:-1]) + f" and {leaders[-1].lower()}"
    return [f"The most common kinds were {named} ({cases} each)."]


def _escalation_sentence(disclosed: Disclosed) -> str:
    # An action is named only where the reader can tell it was taken at least once.
    used = [
        (label, disclosed[("action", code)])
        for code, label in ESCALATION_ACTIONS.items()
        if disclosed[("action", code)].low > 0
    ]
    if not used:
        return "No escalation action was taken."
    listed = "; ".join(f"{label.lower()} ({cell.words('case')})" for label, cell in used)
    return f"Escalation actions taken: {listed}."


def _were(shown: Shown, noun: str) -> str:
    """ "12 incidents were", "1 incident was", "Fewer than 5 incidents were"."""
    verb = "was" if shown.value == 1 else "were"
    return f"{_capital(shown.words(noun))} {verb}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _signed(number: int) -> str:
    return f"{number:+d}" if number else "0"


def _long_date(iso: str) -> str:
    return as_long_day(date.fromisoformat(iso))
