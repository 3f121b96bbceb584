"""Termly report: preview a term's report to governors, download it, freeze it for a meeting."""

import streamlit as st

from analytics.figures import available_terms
from analytics.records import (
    SCHOOL_NAME,
    SUPPRESSION_THRESHOLD,
    THRESHOLDS,
    load_setting,
    load_threshold,
    record_settings,
)
from analytics.reporting import (
    FORMATS,
    MODES,
    build_report,
    build_report_charts,
    charts_not_drawn,
    describe_snapshots,
    display_height,
    freeze_report,
    gather_report_figures,
    last_complete_term,
    load_snapshots,
    report_modes_for,
)
from analytics.terms import parse_term
from analytics.vocabulary import as_long_day
from ui import clock
from ui.actions import (
    render_demo_banner,
    render_download,
    save,
)
from ui.auth import authorise, require_page
from ui.resources import (
    get_calendar,
    get_store,
)
from ui.widgets import (
    UrlState,
    date_field,
    one_of,
    show_flash,
    show_table,
)

account = require_page("termly_report")
store, calendar, today = get_store(), get_calendar(), clock.today()
st.title("Termly report")
render_demo_banner(store, account)
show_flash()

terms = [term.label for term in available_terms(store, calendar, today)]
url = UrlState("report")
url.seed("term", last_complete_term(calendar, today).label, one_of(terms))
modes = report_modes_for(account.audience)
url.seed("mode", "circulation", one_of(modes))
term_column, mode_column = st.columns([1, 2])
term_label = term_column.selectbox("Term", terms, key=url.key("term"))
mode = mode_column.radio(
    "Mode", modes, format_func=MODES.get, key=url.key("mode"), horizontal=True,
    help="For circulation hides counts under the threshold and any figure that would give "
    "one away. Confidential is for a closed item of the meeting.",
)  # fmt: skip
url.keep("term", term_label)
url.keep("mode", mode)

threshold = load_threshold(store)
term = parse_term(term_label)
figures = gather_report_figures(
    store, calendar, term, school=load_setting(store, SCHOOL_NAME), today=today
)
report = build_report(figures, mode, threshold)


columns = st.columns(3)
for column, (format_name, label) in zip(
    columns,
    [
        ("pdf", "PDF (to circulate)" if mode == "circulation" else "PDF (confidential)"),
        ("docx", "Word (to add commentary)"),
        ("csv", "CSV"),
    ],
    strict=True,
):
    with column:
        # Made by the server when the link is followed: a PDF takes a moment, a rerun should
        # not, and the file is for whoever is signed in at that moment.
        render_download(
            f"Download {label}", "report", term=term_label, mode=mode, format=format_name
        )

with st.container(border=True):
    st.caption(report.marking.upper())
    st.subheader(report.title)
    st.text(f"{report.school}. Term: {report.term} ({report.period}).")
    for sentence in report.narrative:
        st.text(sentence)
    charts, not_drawn = build_report_charts(report), charts_not_drawn(report)
    for table in report.tables:
        st.markdown(f"**{table.title}**")
        show_table(table.as_frame())
        if table.note:
            st.caption(table.note)
        if table.key in charts:
            st.altair_chart(charts[table.key], height=display_height(charts[table.key]))
        elif table.key in not_drawn:
            st.caption(not_drawn[table.key])

if account.may("freeze_report"):
    st.subheader("Freeze for a meeting")
    st.caption(
        "Stores the figures and documents exactly as they are now, so the minutes can point at "
        "what was presented. Later changes to cases do not change a frozen report."
    )
    meeting_on = date_field(st, "Meeting date", value="today", key="freeze_meeting_on")
    if st.button(f"Freeze for the meeting on {as_long_day(meeting_on)}", key="freeze") and (
        acting := authorise("freeze_report")
    ):
        snapshot_id = freeze_report(
            store, figures, mode, threshold, meeting_on, actor=acting.actor, now=clock.now()
        )
        st.success(
            f"Frozen: the {report.term} report ({MODES[mode].lower()}) as snapshot {snapshot_id}."
        )

snapshots = load_snapshots(store, modes)
if len(snapshots):
    show_table(describe_snapshots(snapshots))
    labels = dict(zip(snapshots["id"], snapshots["label"], strict=True))
    chosen = st.selectbox(
        "Download a frozen report", list(labels), format_func=labels.get, key="snapshot"
    )
    columns = st.columns(3)
    for column, format_name in zip(columns, FORMATS, strict=True):
        with column:
            render_download(
                f"Snapshot {chosen} as {format_name.upper()}",
                "snapshot", id=chosen, format=format_name,
            )  # fmt: skip

if account.may("change_settings"):
    with st.expander("Report settings"), st.form("report_settings"):
        school = st.text_input(
            "School name", value=load_setting(store, SCHOOL_NAME), key="setting_school"
        )
        new_threshold = st.number_input(
            "Hide counts below", min_value=THRESHOLDS[0], max_value=THRESHOLDS[-1],
            value=threshold, step=1,
            help="For governors and in everything circulated, counts from 1 to one below this "
            "are shown as “fewer than N”, and other figures are hidden where they would give "
            "one away.",
            key="setting_threshold",
        )  # fmt: skip
        if st.form_submit_button("Save the settings"):
            save(
                lambda: record_settings(
                    store,
                    {SCHOOL_NAME: school, SUPPRESSION_THRESHOLD: str(new_threshold)},
                    actor=account.actor,
                    now=clock.now(),
                ),
                "Settings saved.",
                "settings",
                action="change_settings",
            )
