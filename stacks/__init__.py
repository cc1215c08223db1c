"""Deployable units of the app and the typed configuration they take."""
