"""Local AWS emulator: moto server plus an add-on so the real CDK CLI can deploy this app.

`EmulatorProcess` runs it as a subprocess (no moto import in the caller);
`local.emulator.addon.install()` applies the add-on inside a moto process.
"""

from .process import EmulatorError, EmulatorProcess

__all__ = ["EmulatorError", "EmulatorProcess"]
