"""Cognito pre token generation trigger (event version 2)."""
