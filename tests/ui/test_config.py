"""The server's settings in .streamlit/config.toml: every way in other than the app's own
pages pinned off, and the upload limit the app's own, whatever Streamlit's defaults become."""

from __future__ import annotations

import tomllib
from pathlib import Path

from streamlit import config as streamlit_config

from analytics.cases.evidence import MAX_BYTES

CONFIG = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"


def server_settings() -> dict:
    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))["server"]


def test_every_other_way_in_is_pinned_off():
    server = server_settings()
    assert server["enableAgentApi"] is False  # the agent API would drive the app over HTTP
    assert server["enableStaticServing"] is False
    assert server["enableCORS"] is True and server["enableXsrfProtection"] is True
    assert server["runOnSave"] is False and server["allowRunOnSave"] is False


def test_streamlit_holds_no_upload_larger_than_the_apps_own_limit():
    assert server_settings()["maxUploadSize"] * 1024 * 1024 == MAX_BYTES


def test_every_setting_is_one_this_streamlit_knows():
    """A misspelt name would be ignored, and its default would stand."""
    for section, settings in tomllib.loads(CONFIG.read_text(encoding="utf-8")).items():
        for name in settings:
            assert f"{section}.{name}" in streamlit_config._config_options_template, name
