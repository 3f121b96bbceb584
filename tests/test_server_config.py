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
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["headless"] is True


def test_an_unexpected_error_shows_a_plain_message_and_logs_the_traceback(caplog):
    with caplog.at_level(logging.ERROR):
        app = AppTest.from_file(str(ROOT / "tests" / "fixtures" / "failing_app.py")).run()
    shown = app.exception[0]
    assert "Jane Doe" not in shown.message and not shown.stack_trace
    assert "redacted" in shown.message
    assert "Jane Doe" in caplog.text and "Traceback" in caplog.text
