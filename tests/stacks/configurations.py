"""The named context sets the suite synthesizes (from the stack contract, plus `extras`: every
optional part at once), and the gated ones (each in dev and prod): the contract's own, which
`make checkov` synthesizes with the CDK CLI too."""

from __future__ import annotations

from typing import Any

from stacks.contract import CONFIGURATIONS as CONTRACT_CONFIGURATIONS
from stacks.contract import EXTRAS as CONTRACT_EXTRAS
from stacks.contract import EXTRAS_CERTIFICATE_ARN, EXTRAS_DOMAIN, in_both_stages

API_DOMAIN = EXTRAS_DOMAIN
CERTIFICATE_ARN = EXTRAS_CERTIFICATE_ARN
# Custom domain with a Route 53 alias, and alarms with an e-mail (in dev too).
EXTRAS = dict(CONTRACT_EXTRAS)

CONFIGURATIONS: dict[str, dict[str, Any]] = {
    name: dict(context) for name, context in CONTRACT_CONFIGURATIONS.items()
}
GATED_CONFIGURATIONS = in_both_stages(CONFIGURATIONS)
