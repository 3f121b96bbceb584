"""Policies: the governing body's policy register, reviews, and the review pack."""

from datetime import date

import streamlit as st

from analytics.policies import (
    build_review_pack,
    describe_overdue,
    describe_policy_statuses,
    load_policy_statuses,
    load_policy_text,
    load_review_history,
    proposed_review_term,
    record_policy,
    record_review,
    unused_actions,
)
from analytics.records import load_threshold
from analytics.terms import TERM_NAMES
from analytics.vocabulary import OVERDUE, as_short_day
from ui import clock
from ui.actions import (
    render_demo_banner,
    render_download,
    save,
)
from ui.auth import require_page
from ui.resources import (
    get_calendar,
    get_store,
)
from ui.widgets import (
    date_field,
    inert,
    input_key,
    show_flash,
    show_table,
)

account = require_page("policies")
store, calendar, today = get_store(), get_calendar(), clock.today()


def approval_inputs(form: str) -> tuple[date, str, str]:
    """Approved on, approved by, and the next review term (proposed: three years on)."""
    first, second, third = st.columns(3)
    approved_on = date_field(first, "Approved on", value="today", key=input_key(form, "on"))
    approved_by = second.text_input(
        "Approved by", value="Full Governing Body", key=input_key(form, "by")
    )
    proposed = proposed_review_term(today, calendar).label
    next_term = third.text_input(
        "Next review term",
        value=proposed,
        help=f"A term such as '{proposed}': one of {', '.join(TERM_NAMES)} and a year. "
        "Proposed: the same term three years on.",
        key=input_key(form, "term"),
    )
    return approved_on, approved_by, next_term


st.title("Policies")
render_demo_banner(store, account)
show_flash()

policies = load_policy_statuses(store, calendar, today)
show_table(describe_policy_statuses(policies))
st.caption(
    "A review is due by the last day of its review term. Due soon: within 90 days of it. "
    "Overdue: once that day has passed."
)

by_id = {policy.policy_id: policy for policy in policies}
chosen_id = st.selectbox(
    "Policy", list(by_id), format_func=lambda policy_id: by_id[policy_id].title, key="policy"
)
policy = by_id[chosen_id]
if policy.status == OVERDUE:
    st.error(f"This policy is {describe_overdue(policy.review_due, today)}.")
else:
    st.info(f"Review due by {as_short_day(policy.review_due)} ({policy.review_term.label}).")

may_review = account.may("record_review")
tab_names = ["Text", "Approvals", "Review pack"] + (["Record a review"] if may_review else [])
tabs = dict(zip(tab_names, st.tabs(tab_names), strict=True))
text_tab, history_tab, pack_tab = tabs["Text"], tabs["Approvals"], tabs["Review pack"]
review_tab = tabs.get("Record a review")
with text_tab:
    st.text(load_policy_text(store, policy.policy_id) or "No text recorded.")

with history_tab:
    show_table(load_review_history(store, policy.policy_id))

if may_review:
    with review_tab, st.form("review_form"):
        approved_on, approved_by, next_term = approval_inputs("review")
        if st.form_submit_button("Record the review"):
            save(
                lambda: record_review(
                    store, policy.policy_id, approved_on, approved_by, next_term,
                    actor=account.actor, calendar=calendar, now=clock.now(),
                ),
                f"Review recorded: next review {inert(next_term.strip())}.",
                "review",
                action="record_review",
            )  # fmt: skip

with pack_tab:
    if not policy.governs_incidents:
        st.info("The review pack covers the incidents policy: this policy has no cases.")
    else:
        period, pack = build_review_pack(
            store, policy, calendar, today=today, audience=account.audience,
            threshold=load_threshold(store),
        )  # fmt: skip
        st.markdown(
            f"What happened **{period.label}** (the last approval), to {as_short_day(today)}."
        )
        never = unused_actions(pack)
        if never:
            st.markdown("Escalation actions never used: " + "; ".join(never) + ".")
        show_table(pack)
        for column, (format_name, label) in zip(
            st.columns(3),
            [("pdf", "PDF (for the meeting)"), ("docx", "Word (to add commentary)"),
             ("csv", "CSV")],
            strict=True,
        ):  # fmt: skip
            with column:
                render_download(
                    f"Download the review pack as {label}", "review_pack",
                    policy=policy.policy_id, format=format_name,
                )  # fmt: skip

if account.may("add_policy"):
    with st.expander("Add another policy to the register"), st.form("new_policy_form"):
        title = st.text_input("Title", key=input_key("policy", "title"))
        body = st.text_area("Text (optional)", key=input_key("policy", "body"))
        new_approved_on, new_approved_by, new_term = approval_inputs("policy")
        if st.form_submit_button("Add the policy"):
            save(
                lambda: record_policy(
                    store, title, body, new_approved_on, new_approved_by, new_term,
                    actor=account.actor, calendar=calendar, now=clock.now(),
                ),
                f"Added {inert(title.strip())} to the register.",
                "policy",
                action="add_policy",
            )  # fmt: skip
