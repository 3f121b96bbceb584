"""Entry point: `streamlit run app.py` serves the dashboard (dashboard.py, which each
browser tab runs) with the server's own routes for the session cookie, and its headers."""

import streamlit as st
from starlette.middleware import Middleware

from ui.routes import ROUTES, ServerHardening, show_script_error

app = st.App(
    "dashboard.py",
    routes=ROUTES,
    middleware=[Middleware(ServerHardening)],
    on_script_error=show_script_error,
)
