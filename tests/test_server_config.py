"""The hardened server: no usage statistics, no error details in the browser, headless."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def test_the_server_settings_are_hardened():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["showErrorLinks"] is False
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["headless"] is True
    assert config["logger"]["enableRich"] is False


def test_the_server_does_not_collect_all_garbage_after_every_click():
    # A full collection of this app's heap takes about 80 ms: Streamlit's default would add
    # it to every rerun, and under load it was half the server's time.
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False


def test_an_unexpected_error_shows_a_plain_message_and_logs_the_traceback(caplog):
    with caplog.at_level(logging.ERROR):
        app = AppTest.from_file(str(ROOT / "tests" / "fixtures" / "failing_app.py")).run()
    shown = app.exception[0]
    assert "Jane Doe" not in shown.message and not shown.stack_trace
    assert "redacted" in shown.message
    assert "Jane Doe" in caplog.text and "Traceback" in caplog.text


def test_the_servers_own_error_message_names_no_outside_service_and_logs_the_error(caplog):
    app = AppTest.from_string(
        "from ui.routes import show_script_error\n"
        "try:\n"
        "    raise ValueError('Jane Doe, Year 4')\n"
        "except ValueError as error:\n"
        "    show_script_error(error)\n"
    )
    with caplog.at_level(logging.ERROR):
        app.run()
    shown = app.error[0].value
    assert "Jane Doe" not in shown and "http" not in shown and "Google" not in shown
    assert "Jane Doe" in caplog.text
