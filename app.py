"""Entry point: page settings and navigation over the pages; nothing else."""

import streamlit as st

st.set_page_config(page_title="Parental social media incidents", layout="wide")

navigation = st.navigation(
    [
        st.Page("views/overview.py", title="Overview", default=True),
        st.Page("views/incidents.py", title="Incidents"),
        st.Page("views/log_incident.py", title="Log an incident"),
        st.Page("views/termly_report.py", title="Termly report"),
        st.Page("views/policies.py", title="Policies"),
    ]
)
navigation.run()
