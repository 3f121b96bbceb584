"""Entry point: page settings and navigation over the pages; nothing else."""

import streamlit as st

st.set_page_config(page_title="Parental social media incidents", layout="wide")

navigation = st.navigation(
    [
        st.Page("pages/overview.py", title="Overview", default=True),
        st.Page("pages/incidents.py", title="Incidents"),
        st.Page("pages/log_incident.py", title="Log an incident"),
        st.Page("pages/termly_report.py", title="Termly report"),
        st.Page("pages/policies.py", title="Policies"),
    ]
)
navigation.run()
