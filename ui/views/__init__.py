"""The pages of the Streamlit app, one module each; `common` holds what they share."""
