"""cdk-nag (AwsSolutions pack): the findings we accept, each with its reason, and the opt-in check.

Acknowledgements are construct metadata placed on the one CloudFormation resource a finding is
about, so they cost nothing at synth. The checks load cdk-nag's jsii assembly, so they run in the
tests (tests/stacks/test_nag.py) and with `cdk synth -c nag=true`, never on the default synth path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct

from stacks.config import ConfigError

if TYPE_CHECKING:
    import aws_cdk as cdk

    from stacks.auth_stack import AuthStack

COG2_MFA_NOT_REQUIRED = (
    "MFA is offered, not forced: prod turns on optional TOTP (-c mfa=true in any stage). "
    "Requiring it would break the tutorial's self sign-up with email and password; pools that "
    "hold sensitive data should set Mfa.REQUIRED."
)
COG8_ESSENTIALS_PLAN = (
    "Cost: the Plus feature plan (threat protection, adaptive authentication) is billed per "
    "monthly active user; this starting point stays on Essentials. Turn Plus on for pools whose "
    "risk model needs compromised-credential checks."
)


def nag_requested(value: Any) -> bool:
    """Read context `nag` (absent: off); a typo fails synth instead of silently skipping."""
    text = "" if value is None else str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("", "false", "0", "no", "off"):
        return False
    raise ConfigError(f"context 'nag' must be true or false, got '{value}'")


def acknowledge(construct: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge one rule on the construct's own CloudFormation resource, not a whole subtree."""
    target = construct.node.default_child or construct
    Validations.of(target).acknowledge(Acknowledgment(id=rule_id, reason=reason))


def acknowledge_trade_offs(auth: AuthStack | None) -> None:
    """The documented trade-offs; ApiStack has none (its findings are fixed, not acknowledged)."""
    if auth is not None:
        acknowledge(auth.user_pool, "AwsSolutions-COG2", COG2_MFA_NOT_REQUIRED)
        acknowledge(auth.user_pool, "AwsSolutions-COG8", COG8_ESSENTIALS_PLAN)


def nag_checks(app: IConstruct) -> Any:
    """The AwsSolutions pack (imported here: loading cdk-nag costs ~1 s of jsii start-up)."""
    from cdk_nag import AwsSolutionsChecks

    return AwsSolutionsChecks(app, verbose=True)


def add_nag_checks(app: cdk.App) -> None:
    """Run the pack as a policy-validation plugin of `app.synth()`: findings fail the synth."""
    Validations.of(app).add_plugins(nag_checks(app))
