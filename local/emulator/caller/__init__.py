"""The emulator seen from the caller: `EmulatorProcess` runs the server as a subprocess (no
moto import here); verify, the outbox reader, the stand-in issuers and their token shapes.
"""

from local.emulator.caller.process import EmulatorError, EmulatorProcess

__all__ = ["EmulatorError", "EmulatorProcess"]
