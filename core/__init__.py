"""Domain layer of the cleaner production audit portal.

Every rule lives here: tiers and jurisdiction, passwords and sessions, workflow transitions.
Nothing in this package may import streamlit, so that a hand-crafted request cannot bypass a rule
by skipping a page.
"""
