"""alarms, alarmEmail: CloudWatch alarms and a dashboard, on by default in prod."""

from __future__ import annotations

import re
from dataclasses import dataclass

from stacks.config.choices import Stage
from stacks.config.parsers import ConfigError, ContextReader, flag, optional_text

# Deliberately simple: one @, no spaces, a dotted domain. SNS sends a confirmation mail anyway.
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")


@dataclass(frozen=True, kw_only=True)
class AlarmsConfig:
    """CloudWatch alarms + dashboard, and who the SNS topic mails (None: subscribe later)."""

    email: str | None


def alarms_config(get: ContextReader, stage: Stage) -> AlarmsConfig | None:
    """Alarms default on in prod; an e-mail without alarms is a mistake, not a no-op."""
    enabled = flag(get("alarms"), "alarms", default=stage is Stage.PROD)
    email = optional_text(get("alarmEmail"), "alarmEmail")
    if email is not None and not _EMAIL.match(email):
        raise ConfigError(
            f"context 'alarmEmail' is '{email}': use one address, "
            "e.g. -c alarmEmail=ops@example.com"
        )
    if not enabled:
        if email is not None:
            raise ConfigError(
                "context 'alarmEmail' is set but alarms are off: add -c alarms=true or drop it"
            )
        return None
    return AlarmsConfig(email=email)
