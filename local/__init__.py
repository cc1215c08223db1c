"""Everything that runs the app on this machine: emulator, deploy, data plane, tokens. No CDK."""
