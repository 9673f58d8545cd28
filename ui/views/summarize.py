"""Summarize a report: upload or paste a medical document, get its summary."""
from __future__ import annotations

import streamlit as st


def render() -> None:
    st.title("Summarize a report", anchor=False)
