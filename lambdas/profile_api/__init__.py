"""Runtime code of the profile functions: one asset, one handler module per function."""
