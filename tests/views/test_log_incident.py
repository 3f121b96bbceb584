"""The "Log an incident" page: a good form ends up in the store, a bad one writes nothing."""

from __future__ import annotations

from datetime import timedelta

from analytics.cases.register import count_cases, find_case_id, load_case
from tests.conftest import PINNED_NOW
from tests.views.conftest import app_store, open_page, plain

PAGE = "views/log_incident.py"


def fill_form(app, **values):
    if "reference" in values:
        app.text_input(key="log_reference_0").input(values["reference"])
    if "categories" in values:
        app.multiselect(key="log_categories_0").set_value(values["categories"])
    if "platform" in values:
        app.selectbox(key="log_platform_0").set_value(values["platform"])
    if "posted_on" in values:
        app.date_input(key="log_posted_on_0").set_value(values["posted_on"])
    if "person_ref" in values:
        app.text_input(key="log_person_ref_0").input(values["person_ref"])
    if "summary" in values:
        app.text_area(key="log_summary_0").input(values["summary"])
    return app


def submit(app):
    next(b for b in app.button if b.label == "Log incident").click().run()
    assert not app.exception, app.exception
    return app


def test_a_submitted_form_ends_up_in_the_store(app):
    open_page(app, PAGE)
    fill_form(
        app,
        reference="2026-014",
        categories=["naming_children", "offensive_comments"],
        platform="whatsapp",
        person_ref="F-09",
        summary="Class group message naming a pupil.",
    )
    submit(app)
    store = app_store()
    case = load_case(store, find_case_id(store, "2026-014"))
    assert case.categories == ("naming_children", "offensive_comments")
    assert case.platform == "whatsapp"
    assert case.reported_on == PINNED_NOW.date()
    assert case.summary == "Class group message naming a pupil."
    assert [plain(s.value) for s in app.success] == ["Logged case 2026-014."]
    # After a success the form starts afresh (new keys), empty for the next case.
    assert app.text_input(key="log_reference_1").value == ""
    assert app.multiselect(key="log_categories_1").value == []


def test_a_bad_form_names_each_field_and_rule_writes_nothing_and_keeps_the_input(app):
    open_page(app, PAGE)
    fill_form(
        app,
        reference="2026-015",
        person_ref="Jane Smith",
        posted_on=PINNED_NOW.date() + timedelta(days=0),
        summary="Kept after the error",
    )
    app.date_input(key="log_reported_on_0").set_value(PINNED_NOW.date() - timedelta(days=3))
    submit(app)
    errors = " ".join(e.value for e in app.error)
    assert "Nothing was saved" in errors
    assert "Categories: at least one category is required" in errors
    assert "Person reference: must be a code the school assigns, never a name" in errors
    assert "Posted on: must be on or before the reported date" in errors
    assert count_cases(app_store()) == 0
    assert app.text_input(key="log_reference_0").value == "2026-015"
    assert app.text_area(key="log_summary_0").value == "Kept after the error"


def test_a_reference_already_used_is_refused(app):
    open_page(app, PAGE)
    fill_form(app, reference="2026-016", categories=["complaints"])
    submit(app)
    # The form was saved once, so its inputs now have their second keys.
    app.text_input(key="log_reference_1").input("2026-016")
    app.multiselect(key="log_categories_1").set_value(["racist"])
    submit(app)
    assert r"Reference: '2026\-016' is already used by another case" in app.error[0].value
    assert count_cases(app_store()) == 1


def test_typed_markdown_and_markup_are_shown_inert_in_messages(app):
    open_page(app, PAGE)
    fill_form(app, reference="**bold** <b>x</b>", categories=["complaints"])
    submit(app)
    fill_form_again = app.text_input(key="log_reference_1")
    fill_form_again.input("**bold** <b>x</b>")
    app.multiselect(key="log_categories_1").set_value(["racist"])
    submit(app)
    message = app.error[0].value
    assert r"'\*\*bold\*\* \<b\>x\</b\>' is already used" in message
