"""The meeting display: larger text and the sidebar folded, kept in the URL."""

from __future__ import annotations

from tests.views.conftest import app_as


def styles(app) -> list[str]:
    return [element.proto.body for element in app.get("html") if "<style>" in element.proto.body]


def test_a_bookmarked_meeting_display_opens_with_larger_text(db_path):
    app = app_as(db_path, "governor")
    app.query_params["display"] = "meeting"
    app.run()
    assert not app.exception
    assert any("font-size: 20px" in style for style in styles(app))
    assert app.toggle(key="meeting_display").value is True


def test_the_switch_puts_the_meeting_display_in_the_url_and_takes_it_out(db_path):
    app = app_as(db_path, "governor").run()
    assert not styles(app)
    app.toggle(key="meeting_display").set_value(True).run()
    assert app.query_params["display"] == "meeting"
    assert styles(app)
    app.toggle(key="meeting_display").set_value(False).run()
    assert "display" not in app.query_params
    assert not styles(app)
