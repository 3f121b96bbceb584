"""Rules, queries and documents for the social-media incident dashboard (no Streamlit here)."""
