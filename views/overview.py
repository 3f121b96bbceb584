"""Overview: the meeting view for governors, for a term, an academic year or dates.

Every choice on the page is kept in the URL, so the view can be bookmarked and shared.
"""

from datetime import date

import pandas as pd
import streamlit as st

from analytics.charts import (
    build_action_chart,
    build_category_chart,
    build_platform_chart,
    build_stage_trend_chart,
    build_unclosed_age_chart,
)
from analytics.overview import (
    PERIOD_KINDS,
    Scope,
    available_terms,
    choose_period,
    describe_period,
    previous_period,
)
from analytics.policies import describe_overdue, describe_policy_statuses, load_policy_statuses
from analytics.register import count_cases
from analytics.vocabulary import CATEGORIES, PLATFORMS
from ui.auth import require_page
from ui.shared import (
    UrlState,
    cached_overview,
    get_calendar,
    get_store,
    one_of,
    render_demo_banner,
    render_demo_offer,
)

account = require_page("overview")
store, calendar, today = get_store(), get_calendar(), date.today()
st.title("Overview")

policies = load_policy_statuses(store, calendar, today)
for policy in policies:
    if policy.status == "overdue":
        st.error(f"**{policy.title}** is {describe_overdue(policy.review_due, today)}.")
render_demo_banner(store, account)
if count_cases(store) == 0:
    render_demo_offer(store, account)

# The period and filters, each seeded from the URL and written back to it.
offered_terms = available_terms(store, calendar, today)
terms = [term.label for term in offered_terms]
years = list(dict.fromkeys(term.academic_year for term in offered_terms))
url = UrlState("overview")
url.seed("period", "term", one_of(PERIOD_KINDS))
url.seed("term", terms[0], one_of(terms))
url.seed("year", years[0], one_of(years))
url.seed("from", None, date.fromisoformat)
url.seed("to", None, date.fromisoformat)
with st.container(border=True):
    kind_column, choice_column, category_column, platform_column = st.columns([1.2, 1.6, 2, 2])
    kind = kind_column.radio(
        "Period", list(PERIOD_KINDS), format_func=PERIOD_KINDS.get, key=url.key("period")
    )
    term = year = start = end = None
    if kind == "term":
        term = choice_column.selectbox("Term", terms, key=url.key("term"))
    elif kind == "year":
        year = choice_column.selectbox("Academic year", years, key=url.key("year"))
    else:
        start = choice_column.date_input("From", key=url.key("from"), max_value=today)
        end = choice_column.date_input("To", key=url.key("to"), max_value=today)
    categories = url.codes(category_column, "Category", CATEGORIES, "category")
    platforms = url.codes(platform_column, "Platform", PLATFORMS, "platform")
for name, value in {"period": kind, "term": term, "year": year, "from": start, "to": end}.items():
    url.keep(name, value)

period = choose_period(kind, calendar, today, term=term, year=year, start=start, end=end)
scope = Scope(period, categories=tuple(categories), platforms=tuple(platforms))
earlier = scope.with_period(previous_period(period, calendar))
if kind == "range" and not (start and end and start <= end):
    st.info("Choose a first and last day (the first on or before the last); until then, this term.")
st.caption(f"{describe_period(period)}, compared with {describe_period(earlier.period)}.")

figures = cached_overview(store, scope, calendar, today)
headline, headline_before = figures.headline, figures.headline_before
metric_columns = st.columns(4)
for column, (name, label, colour) in zip(
    metric_columns,
    [
        ("incidents", "Incidents", "inverse"),
        ("settled_at_discussion", "Settled at discussion", "off"),
        ("escalated", "Escalated", "inverse"),
        ("open", "Open", "inverse"),
    ],
    strict=True,
):
    column.metric(
        label,
        int(headline[name]),
        delta=int(headline[name] - headline_before[name]),
        delta_color=colour,
        help=f"Change against {earlier.period.label}: {int(headline_before[name])} then.",
    )
if headline["incidents"] == 0:
    st.info(f"No incidents were reported in {describe_period(period)}.")

st.altair_chart(build_stage_trend_chart(figures.stages_by_term), width="stretch")
left, middle, right = st.columns(3)
left.altair_chart(
    build_category_chart(figures.by_category, int(headline["incidents"])),
    width="stretch",
)
middle.altair_chart(build_action_chart(figures.by_action), width="stretch")
right.altair_chart(build_platform_chart(figures.by_platform), width="stretch")

removal = figures.removal
columns = st.columns(4)
columns[0].metric(
    "Repeat cases",
    figures.repeat_cases,
    help="Cases whose person reference already had an earlier case, at any time.",
)
columns[1].metric("Content removed", int(removal["content_removed"]))
for column, name, label in [
    (columns[2], "median_days_to_removal", "Median days to removal"),
    (columns[3], "median_days_to_close", "Median days to close"),
]:
    value = removal[name]
    column.metric(
        label,
        "–" if pd.isna(value) else f"{value:g}",
        help="Calendar days from the report; – where no case has the date yet.",
    )

st.altair_chart(
    build_unclosed_age_chart(figures.unclosed_by_age),
    width="stretch",
)

st.subheader("Policy review status")
st.dataframe(describe_policy_statuses(policies), hide_index=True)
st.page_link("views/policies.py", label="Open the policy register")
