"""Streamlit helpers shared by the pages: the cached store, banners, form pieces."""
