"""The named context sets the suite synthesizes (from the stack contract), and the gated ones."""

from __future__ import annotations

from typing import Any

from stacks.contract import SYNTH_CONFIGURATIONS

CONFIGURATIONS: dict[str, dict[str, Any]] = {
    name: dict(context) for name, context in SYNTH_CONFIGURATIONS.items()
}


def in_both_stages(configurations: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every configuration in dev and in prod: what the security gates (cdk-nag, cfn-lint) check."""
    both: dict[str, dict[str, Any]] = {}
    for name, context in configurations.items():
        for stage in ("dev", "prod"):
            both[f"{name.removesuffix('-prod')}-{stage}"] = context | {"stage": stage}
    return both


GATED_CONFIGURATIONS = in_both_stages(CONFIGURATIONS)
