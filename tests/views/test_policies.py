"""The "Policies" page: the register, recording a review, adding a policy, the review pack."""

from __future__ import annotations

import io

import docx
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from analytics.cases.interchange import import_cases_file
from analytics.policies.register import load_policy_statuses, load_review_history
from analytics.terms import TermCalendar
from tests.conftest import PINNED_NOW, SAMPLE_CSV
from tests.views.conftest import app_as, app_store, follow, open_page, seeded

PAGE = "views/policies.py"


def press(app: AppTest, label: str) -> AppTest:
    next(button for button in app.button if button.label == label).click().run()
    assert not app.exception, app.exception
    return app


def statuses():
    return load_policy_statuses(app_store(), TermCalendar(), PINNED_NOW.date())


def test_the_register_shows_the_seeded_policy_overdue_with_its_text(app):
    open_page(app, PAGE)
    register = app.dataframe[0].value
    assert register["Status"].tolist() == ["Overdue"]
    assert register["Review term"].tolist() == ["Autumn 2024"]
    assert app.error[0].value.startswith("This policy is overdue since 31 Dec 2024")
    assert "POLICY ON PARENTAL USE OF SOCIAL NETWORKING" in app.text[0].value


def test_a_review_recorded_on_the_page_keeps_the_history(app):
    open_page(app, PAGE)
    # The next review proposed is the same term three years on.
    proposed = TermCalendar().term_of(PINNED_NOW.date()).years_later(3).label
    assert app.text_input(key="review_term_0").value == proposed
    press(app, "Record the review")
    (policy,) = statuses()
    assert (policy.approved_on, policy.review_term.label) == (PINNED_NOW.date(), proposed)
    assert policy.status == "in_date"
    assert len(load_review_history(app_store(), policy.policy_id)) == 2
    assert app.success[0].value == f"Review recorded: next review {proposed}."


def test_a_bad_review_names_the_field_and_writes_nothing(app):
    open_page(app, PAGE)
    app.text_input(key="review_term_0").input("Winter 2029")
    app.text_input(key="review_by_0").input("")
    press(app, "Record the review")
    message = app.error[-1].value
    assert "Next review term: 'Winter 2029' is not a term; write it like 'Autumn 2024'" in message
    assert "Approved by: is required" in message
    (policy,) = statuses()
    assert policy.review_term.label == "Autumn 2024"


def test_another_policy_joins_the_register(app):
    open_page(app, PAGE)
    app.text_input(key="policy_title_0").input("Complaints policy")
    app.text_input(key="policy_term_0").input("Summer 2029")
    press(app, "Add the policy")
    assert [p.title for p in statuses()] == [
        "Complaints policy", "Policy on parental use of social networking and internet sites",
    ]  # fmt: skip
    assert app.dataframe[0].value["Policy"].tolist()[0] == "Complaints policy"


def test_the_review_pack_counts_cases_since_the_last_approval(db_path):
    seeded(
        db_path, lambda store: import_cases_file(store, SAMPLE_CSV, actor="seed", now=PINNED_NOW)
    )
    app = open_page(app_as(db_path).run(), PAGE)
    pack = app.dataframe[-1].value
    values = {(s, i): v for s, i, v in pack.itertuples(index=False)}
    assert values[("Cases", "Incidents")] == "5"
    assert values[("Escalation actions (cases)", "Legal action")] == "0"
    assert "Escalation actions never used: Legal action." in " ".join(m.value for m in app.markdown)


def test_a_governor_gets_the_review_pack_protected(db_path):
    """The same five cases: every count under 5 is hidden (the CSV is made from this table)."""
    seeded(
        db_path, lambda store: import_cases_file(store, SAMPLE_CSV, actor="seed", now=PINNED_NOW)
    )
    app = open_page(app_as(db_path, "governor").run(), PAGE)
    assert not app.exception
    pack = app.dataframe[-1].value
    printed = list(pack["Value"])
    assert not set(printed) & {"1", "2", "3", "4"}
    assert "<5" in printed
    # Its PDF prints the same protected figures, marked for circulation.
    pdf = follow(app, "Download the review pack as PDF (for the meeting)")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "FOR CIRCULATION" in text and "CONFIDENTIAL" not in text
    assert "<5" in text


def test_downloading_the_review_pack_is_on_the_audit_trail(app):
    open_page(app, PAGE)
    reply = follow(app, "Download the review pack as CSV")
    assert reply.status_code == 200 and reply.text.startswith("Section,Item,Value")
    assert reply.headers["content-disposition"].startswith("attachment;")
    pdf = follow(app, "Download the review pack as PDF (for the meeting)")
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages]
    assert all("CONFIDENTIAL" in text for text in pages)
    assert "Review pack: Policy on parental use" in pages[0]
    assert "Escalation actions (cases)" in " ".join(pages)
    word = follow(app, "Download the review pack as Word (to add commentary)")
    document = docx.Document(io.BytesIO(word.content))
    assert document.paragraphs[0].text.startswith("Review pack: Policy on parental use")
    actions = app_store().read_rows("SELECT action, record_type FROM audit_log ORDER BY id")
    assert actions[-1] == ("review pack downloaded", "policy")
