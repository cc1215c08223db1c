"""apiDomain, certificateArn, hostedZoneId/Name: the API's own host name."""

from __future__ import annotations

import re
from dataclasses import dataclass

from stacks.config.parsers import ConfigError, ContextReader, hostname, optional_text

# An ACM certificate ARN; group 1 is its region (API Gateway needs the API's own region).
_CERTIFICATE_ARN = re.compile(
    r"^arn:aws(?:-cn|-us-gov)?:acm:([a-z]{2}(?:-[a-z]+)+-\d):\d{12}:"
    r"certificate/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)

_HOSTED_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")


@dataclass(frozen=True, kw_only=True)
class CustomDomainConfig:
    """The API's own host name, its ACM certificate and, optionally, the Route 53 zone."""

    domain_name: str
    certificate_arn: str
    certificate_region: str
    hosted_zone_id: str | None
    hosted_zone_name: str | None

    @property
    def url(self) -> str:
        return f"https://{self.domain_name}/"


def custom_domain_config(get: ContextReader) -> CustomDomainConfig | None:
    """apiDomain and certificateArn go together; the hosted zone (id + name) is optional."""
    domain = optional_text(get("apiDomain"), "apiDomain")
    certificate = optional_text(get("certificateArn"), "certificateArn")
    zone_id = optional_text(get("hostedZoneId"), "hostedZoneId")
    zone_name = optional_text(get("hostedZoneName"), "hostedZoneName")
    if domain is None:
        for key, value in (
            ("certificateArn", certificate),
            ("hostedZoneId", zone_id),
            ("hostedZoneName", zone_name),
        ):
            if value is not None:
                raise ConfigError(
                    f"context '{key}' needs apiDomain: add -c apiDomain=api.example.com or drop it"
                )
        return None
    domain = hostname(domain, "apiDomain", "api.example.com")
    if certificate is None:
        raise ConfigError(
            "context 'certificateArn' is required with apiDomain: the ARN of an ACM certificate "
            "for that name in the API's region"
        )
    match = _CERTIFICATE_ARN.match(certificate)
    if match is None:
        raise ConfigError(
            f"context 'certificateArn' is '{certificate}': use an ACM certificate ARN, "
            "arn:aws:acm:<region>:<account>:certificate/<id>"
        )
    if (zone_id is None) != (zone_name is None):
        raise ConfigError(
            "context 'hostedZoneId' and 'hostedZoneName' go together: set both for a Route 53 "
            "alias record, or neither"
        )
    if zone_id is not None and zone_name is not None:
        if not _HOSTED_ZONE_ID.match(zone_id):
            raise ConfigError(
                f"context 'hostedZoneId' is '{zone_id}': use the zone's id, e.g. Z0123456789ABC"
            )
        zone_name = hostname(zone_name.rstrip("."), "hostedZoneName", "example.com")
        if domain != zone_name and not domain.endswith(f".{zone_name}"):
            raise ConfigError(
                f"context 'apiDomain' '{domain}' is not inside hostedZoneName '{zone_name}'"
            )
    return CustomDomainConfig(
        domain_name=domain,
        certificate_arn=certificate,
        certificate_region=match.group(1),
        hosted_zone_id=zone_id,
        hosted_zone_name=zone_name,
    )
