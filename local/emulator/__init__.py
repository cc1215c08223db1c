"""Local AWS emulator: moto server plus an add-on so the real CDK CLI can deploy this app.

Split by where code runs: `local.emulator.server` is everything the moto process loads
(`python -m local.emulator.server`); `local.emulator.caller` is what runs in the caller
(start/stop, verify, the outbox reader, stand-in issuers); `local.emulator.wire` is what the
two agree on. Neither side imports the other.
"""
