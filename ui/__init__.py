"""ui/ shows: the Streamlit front end, presentation only."""
