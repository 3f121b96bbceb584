"""The "Incidents" page: list and filters from the URL, and a case followed through its forms."""

from __future__ import annotations

import io
from datetime import date

from PIL import Image
from streamlit.testing.v1 import AppTest

import ui.case_view
from analytics.cases.evidence import (
    THUMBNAIL_VIEWED,
    describe_upload_limits,
    load_evidence_list,
    record_evidence,
)
from analytics.cases.interchange import import_cases_file
from analytics.cases.register import count_cases, find_case_id, load_case, load_stage, record_case
from analytics.cases.retention import is_on_legal_hold
from analytics.cases.rules import Case
from tests.conftest import PINNED_NOW, SAMPLE_CSV
from tests.views.conftest import app_as, app_store, open_page, plain, seeded

PAGE = "views/incidents.py"


def sample_app(db_path, **query_params) -> AppTest:
    """The Incidents page on the sample file's five cases, opened with query_params."""
    seeded(
        db_path, lambda store: import_cases_file(store, SAMPLE_CSV, actor="seed", now=PINNED_NOW)
    )
    return open_page(app_as(db_path).run(), PAGE, **query_params)


def listed_references(app: AppTest) -> list[str]:
    return app.dataframe[0].value["Reference"].tolist()


def press(app: AppTest, label: str) -> AppTest:
    next(button for button in app.button if button.label == label).click().run()
    assert not app.exception, app.exception
    return app


def test_an_empty_store_offers_demonstration_data_and_its_banner_removes_it(app):
    open_page(app, PAGE)
    assert "No incidents are logged yet" in app.info[0].value
    press(app, "Load demonstration data (300 cases)")
    assert count_cases(app_store(), demo=True) == 300
    assert "300 demonstration cases" in app.warning[0].value
    assert app.caption[0].value == "300 matching case(s)."
    press(app, "Remove demonstration data")
    assert count_cases(app_store()) == 0
    assert not app.warning


def test_the_list_shows_every_case_with_status_and_days_open(db_path):
    app = sample_app(db_path)
    table = app.dataframe[0].value.set_index("Reference")
    assert list(table.index) == ["2026-002", "2026-001", "2025-003", "2025-002", "2025-001"]
    assert table.loc["2025-001", "Status"] == "Closed: settled at discussion"
    assert table.loc["2026-001", "Status"] == "Open: escalated"
    assert next(iter(table.columns)) == "Status"  # second only to the reference, the index
    assert table.loc["2025-001", "Days open"] == 4


def test_filters_come_from_the_url_as_codes(db_path):
    app = sample_app(
        db_path, category=["racist", "complaints"], status=["open_escalated", "closed_escalated"]
    )
    assert listed_references(app) == ["2026-002"]
    assert app.multiselect(key="incidents.category").value == ["racist", "complaints"]


def test_platform_and_date_filters_come_from_the_url(db_path):
    app = sample_app(db_path, platform="facebook", reported_from="2026-01-01")
    assert listed_references(app) == ["2026-002"]


def test_changing_a_filter_updates_the_url(db_path):
    app = sample_app(db_path)
    app.multiselect(key="incidents.platform").set_value(["tiktok", "whatsapp"]).run()
    assert listed_references(app) == ["2026-001", "2025-002"]
    assert app.query_params["platform"] == ["tiktok", "whatsapp"]


def test_a_case_opens_from_the_url_with_its_timeline(db_path):
    app = sample_app(db_path)
    incident_id = find_case_id(app_store(), "2025-003")
    app.query_params["case"] = str(incident_id)
    app.run()
    assert plain(app.header[0].value) == "Case 2025-003"
    timeline = app.dataframe[1].value
    assert timeline["Step"].tolist() == [
        "Reported to the school", "Discussion with the parent", "Escalation", "Escalation",
        "Content removed", "Closed",
    ]  # fmt: skip
    # Who recorded each step, in words (the sample was imported: logged by "seed").
    assert timeline["Recorded by"].notna().all()
    assert "**Status:** Closed: escalated" in [m.value for m in app.markdown]


def open_new_case(db_path) -> tuple[AppTest, int]:
    app = sample_app(db_path)
    store = app_store()
    incident_id = find_case_id(store, "2025-002")  # open, discussed, one warning
    app.query_params["case"] = str(incident_id)
    app.run()
    return app, incident_id


def test_an_escalation_step_recorded_in_the_form_is_in_the_store(db_path):
    app, incident_id = open_new_case(db_path)
    app.selectbox(key="escalation_action_0").set_value("provider_removal_request")
    app.date_input(key="escalation_on_0").set_value(date(2025, 10, 20))
    app.text_input(key="escalation_note_0").input("Reported to WhatsApp")
    press(app, "Record the escalation step")
    case = load_case(app_store(), incident_id)
    assert [(s.action, s.taken_on, s.note) for s in case.actions][-1] == (
        "provider_removal_request", date(2025, 10, 20), "Reported to WhatsApp",
    )  # fmt: skip
    assert app.success[0].value == "Escalation step recorded."


def test_a_blocked_access_off_the_schools_site_is_refused_with_its_rule(db_path):
    app, incident_id = open_new_case(db_path)
    app.selectbox(key="escalation_action_0").set_value("access_blocked")
    app.date_input(key="escalation_on_0").set_value(date(2025, 10, 20))
    press(app, "Record the escalation step")
    assert (
        "blocking access is allowed only where the platform is "
        "'The school's own website or forum'" in plain(app.error[0].value)
    )
    assert len(load_case(app_store(), incident_id).actions) == 1


def test_removal_and_closing_recorded_in_the_forms_are_in_the_store(db_path):
    app, incident_id = open_new_case(db_path)
    app.date_input(key="removal_on_0").set_value(date(2025, 10, 21))
    press(app, "Record the removal")
    app.date_input(key="closing_on_0").set_value(date(2025, 10, 25))
    app.text_area(key="closing_outcome_0").input("Post removed after the warning letter.")
    app.text_area(key="closing_rationale_0").input("The policy's aim is met.")
    press(app, "Close the case")
    case = load_case(app_store(), incident_id)
    assert case.content_removed_on == date(2025, 10, 21)
    assert (case.closed_on, case.outcome) == (
        date(2025, 10, 25),
        "Post removed after the warning letter.",
    )
    assert load_stage(app_store(), incident_id) == "escalated"


def test_closing_without_a_rationale_shows_the_rule_and_writes_nothing(db_path):
    app, incident_id = open_new_case(db_path)
    app.date_input(key="closing_on_0").set_value(date(2025, 10, 25))
    app.text_area(key="closing_outcome_0").input("Done")
    press(app, "Close the case")
    assert "Rationale: is required to close a case" in app.error[0].value
    assert load_case(app_store(), incident_id).closed_on is None
    assert app.text_area(key="closing_outcome_0").value == "Done"


def test_a_discussion_recorded_in_the_form_is_in_the_store(db_path):
    app = sample_app(db_path)
    store = app_store()
    incident_id = record_case(
        store, Case("2026-020", date(2026, 3, 2), ("complaints",)), actor="test", now=PINNED_NOW
    )
    app.query_params["case"] = str(incident_id)
    app.run()
    app.selectbox(key="discussion_outcome_0").set_value("removed")
    app.date_input(key="discussion_on_0").set_value(date(2026, 3, 3))
    press(app, "Record the discussion")
    case = load_case(store, incident_id)
    assert (case.discussion_on, case.discussion_outcome) == (date(2026, 3, 3), "removed")


def test_an_edit_asks_for_a_reason(db_path):
    app, incident_id = open_new_case(db_path)
    app.selectbox(key="edit_field_0").set_value("platform").run()
    app.selectbox(key="edit_value_platform_0").set_value("facebook")
    press(app, "Save the change")
    assert "Reason for the change: is required" in app.error[0].value
    assert load_case(app_store(), incident_id).platform == "whatsapp"
    app.text_input(key="edit_reason_0").input("Was a Facebook group, not WhatsApp")
    press(app, "Save the change")
    assert load_case(app_store(), incident_id).platform == "facebook"


def test_a_case_number_that_does_not_exist_says_so(db_path):
    app = sample_app(db_path, case="9999")
    assert app.info[0].value == "That case is not in the register."
    assert not app.header


def test_a_legal_hold_without_a_reason_shows_retentions_rule_and_writes_nothing(db_path):
    app, incident_id = open_new_case(db_path)
    press(app, "Place on legal hold")
    assert "Reason for the change: is required to place or lift a legal hold" in plain(
        app.error[0].value
    )
    assert not is_on_legal_hold(app_store(), incident_id)
    app.text_input(key=f"hold_reason_{incident_id}").input("Solicitor's letter")
    press(app, "Place on legal hold")
    assert is_on_legal_hold(app_store(), incident_id)
    assert [e.label for e in app.expander if e.label.startswith("Legal hold")] == [
        "Legal hold (on hold)"
    ]


def test_a_case_is_shown_only_once_the_analytics_have_recorded_its_opening(db_path, monkeypatch):
    """The page records who looked through analytics.records.record_case_opened, before
    anything of the case is drawn: an opening that cannot be recorded shows nothing."""
    asked = []

    def cannot_record(store, actor, incident_id, *, now):
        asked.append((actor, incident_id))
        raise OSError("the disk is full")

    monkeypatch.setattr(ui.case_view, "record_case_opened", cannot_record)
    app = sample_app(db_path)
    incident_id = find_case_id(app_store(), "2025-003")
    app.query_params["case"] = str(incident_id)
    app.run()
    assert asked == [("head", incident_id)]
    assert app.exception
    assert not app.header


# ----------------------------------------------------------------------------- evidence


def png_of(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def attach(app: AppTest, name: str, data: bytes) -> AppTest:
    app.file_uploader[0].set_value((name, data, "image/png"))
    return press(app, "Attach")


def evidence_refusals(app: AppTest) -> list[str]:
    return [plain(error.value) for error in app.error if "was not attached" in error.value]


def test_the_evidence_form_takes_one_file_at_a_time_and_states_the_limits(db_path):
    app, _ = open_new_case(db_path)
    (uploader,) = app.file_uploader
    assert not uploader.accept_multiple_files
    assert describe_upload_limits() in uploader.label


def test_a_refused_files_message_stays_through_the_reruns_until_the_next_file(db_path):
    app, incident_id = open_new_case(db_path)
    store = app_store()
    attach(app, "bomb.png", png_of((4000, 3251)))
    refusal = (
        "bomb.png was not attached: the image is 4,000 × 3,251 pixels; PNG images may be "
        "at most 13 megapixels."
    )
    assert evidence_refusals(app) == [refusal]
    assert load_evidence_list(store, incident_id) == []
    # Whatever reruns come next (another step recorded, a plain rerun), it stays.
    app.run()
    press(app, "Record the escalation step")
    assert evidence_refusals(app) == [refusal]
    # The next file attached takes its place.
    attach(app, "post.png", png_of((40, 20)))
    assert evidence_refusals(app) == []
    assert "Attached post.png." in [success.value for success in app.success]
    assert [item.file_name for item in load_evidence_list(store, incident_id)] == ["post.png"]


def thumbnails_on_trail(incident_id: int) -> list[str]:
    return [
        detail
        for (detail,) in app_store().read_rows(
            "SELECT detail FROM audit_log WHERE action = ? AND record_id = ? ORDER BY id",
            [THUMBNAIL_VIEWED, str(incident_id)],
        )
    ]


def test_each_thumbnail_is_on_the_trail_once_each_time_the_case_is_opened(db_path):
    app, incident_id = open_new_case(db_path)
    store = app_store()
    items = [
        record_evidence(store, incident_id, png_of((30, 30)), name, note=None, actor="head",
                        now=PINNED_NOW)
        for name in ("one.png", "two.png")
    ]  # fmt: skip
    app.run()
    shown = [f"evidence {item}" for item in items]
    assert thumbnails_on_trail(incident_id) == shown
    app.run()  # a rerun while the case stays open is not another view
    assert thumbnails_on_trail(incident_id) == shown
    # An item attached while the case is open goes on the trail when it is first shown.
    attach(app, "three.png", png_of((30, 30)))
    third = load_evidence_list(store, incident_id)[-1].id
    assert thumbnails_on_trail(incident_id) == [*shown, f"evidence {third}"]
    # Closing the case and opening it again is another opening: every thumbnail again.
    app.selectbox(key=ui.case_view.OPEN_CASE_KEY).set_value(None).run()
    app.selectbox(key=ui.case_view.OPEN_CASE_KEY).set_value(incident_id).run()
    assert thumbnails_on_trail(incident_id) == [*shown, f"evidence {third}"] * 2
