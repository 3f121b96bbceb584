"""Overview: the meeting view for governors, for a term, an academic year or dates.

Every choice on the page is kept in the URL, so the view can be bookmarked and shared.
"""

from datetime import date
from functools import partial

import streamlit as st

from analytics.cases import count_cases
from analytics.figures import (
    PERIOD_KINDS,
    Scope,
    available_terms,
    choose_period,
    describe_period,
    frame_by_action,
    frame_by_category,
    frame_by_platform,
    frame_stages_by_term,
    frame_unclosed_by_age,
    nothing_to_draw,
    previous_period,
    table_unclosed_by_age,
    why_not_drawn,
)
from analytics.policies import (
    describe_overdue,
    describe_policy_statuses,
    load_policy_statuses,
)
from analytics.records import load_threshold
from analytics.reporting import (
    CHART_TITLES,
    build_action_chart,
    build_category_chart,
    build_platform_chart,
    build_stage_trend_chart,
    build_unclosed_age_chart,
    display_height,
)
from analytics.vocabulary import ALL_CASES, CATEGORIES, HEADLINE, OVERDUE, PLATFORMS, SETTLED
from ui import clock
from ui.actions import (
    render_demo_banner,
    render_demo_offer,
)
from ui.auth import require_page
from ui.resources import (
    cached_overview,
    get_calendar,
    get_store,
)
from ui.widgets import (
    DATE_FORMAT,
    UrlState,
    inert,
    one_of,
    show_chart,
    show_table,
)

account = require_page("overview")
store, calendar, today = get_store(), get_calendar(), clock.today()
st.title("Overview")

policies = load_policy_statuses(store, calendar, today)
for policy in policies:
    if policy.status == OVERDUE:
        st.error(f"**{inert(policy.title)}** is {describe_overdue(policy.review_due, today)}.")
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
        start = choice_column.date_input(
            "From", key=url.key("from"), max_value=today, format=DATE_FORMAT
        )
        end = choice_column.date_input("To", key=url.key("to"), max_value=today, format=DATE_FORMAT)
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

disclosed = cached_overview(store, scope, calendar, today, account.audience, load_threshold(store))
metric_columns = st.columns(4)
for column, (figure, label) in zip(metric_columns, HEADLINE.items(), strict=True):
    now, before = disclosed.headline("this", figure), disclosed.headline("before", figure)
    column.metric(
        label,
        now.short,
        delta=None if now.value is None or before.value is None else now.value - before.value,
        delta_color="off" if figure == SETTLED else "inverse",
        help=f"{earlier.period.label}: {before.words('case')}.",
    )
if disclosed.headline("this", ALL_CASES).value == 0:
    st.info(f"No incidents were reported in {describe_period(period)}.")
if disclosed.any_hidden:
    st.caption(
        f"Counts under {disclosed.threshold} are shown as “fewer than {disclosed.threshold}”, "
        "and some other figures are left out, so that no small count can be worked out."
    )


total = disclosed.headline("this", ALL_CASES).words("case")
trend_place = st.container()
left, right = st.columns(2)
charts = [
    (trend_place, "trend", frame_stages_by_term(disclosed), build_stage_trend_chart),
    (left, "categories", frame_by_category(disclosed), partial(build_category_chart, total=total)),
    (right, "actions", frame_by_action(disclosed), build_action_chart),
    (left, "platforms", frame_by_platform(disclosed), build_platform_chart),
]
for place, key, frame, build in charts:
    not_drawn = why_not_drawn(frame, disclosed.threshold)
    chart = None if not_drawn else build(frame)
    show_chart(place, chart, title=CHART_TITLES[key], not_drawn=not_drawn)

columns = st.columns(4)
repeat, removed = disclosed[("repeat_cases",)], disclosed[("content_removed",)]
columns[0].metric(
    "Repeat cases",
    repeat.short,
    help="Cases whose person reference already had an earlier case, at any time.",
)
columns[1].metric(
    "Content removed",
    removed.short,
)
for column, name, label in [
    (columns[2], "median_days_to_removal", "Median days to removal"),
    (columns[3], "median_days_to_close", "Median days to close"),
]:
    value = disclosed.medians[name]
    column.metric(
        label,
        "–" if value is None else f"{value:g}",
        help=f"Calendar days from the report; – where no case has the date yet, or fewer than "
        f"{disclosed.threshold} cases have it.",
    )

unclosed = frame_unclosed_by_age(disclosed)
if nothing_to_draw(unclosed):
    st.markdown("**Cases not yet closed, by age**")
    show_table(table_unclosed_by_age(disclosed))
else:
    chart = build_unclosed_age_chart(unclosed)
    st.altair_chart(chart, width="stretch", height=display_height(chart))

st.subheader("Policy review status")
show_table(describe_policy_statuses(policies))
st.page_link("views/policies.py", label="Open the policy register")
