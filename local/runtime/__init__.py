"""The ground floor both the gateway and the emulator stand on: running deployed functions
in worker processes (workers, marshal, functions) and talking to the local AWS endpoint with
the run's credentials (credentials, client, signing). Imports nothing else of `local` but
local.private_files (the credentials file is private).
"""
