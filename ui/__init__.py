"""The Streamlit app (`ascc-bot ui`); a package so `ui.render` imports the same way in the app and in tests."""
