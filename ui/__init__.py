"""Streamlit glue shared by the pages: the signed-in user and common widgets."""
