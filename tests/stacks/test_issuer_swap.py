"""Issuer swap: auth0/okta/jwt build ApiStack alone, with the provider's exact issuer string."""

from __future__ import annotations

import pytest

from stacks.contract import AUTH0_AUDIENCE, AUTH0_DOMAIN, JWT_ISSUER, OKTA_DOMAIN
from tests.stacks.conftest import Synthesized
from tests.stacks.helpers import only_resource, resources_of_type

EXPECTED_JWT_CONFIG = {
    "auth0": {"Issuer": f"https://{AUTH0_DOMAIN}/", "Audience": [AUTH0_AUDIENCE]},
    "okta": {"Issuer": f"https://{OKTA_DOMAIN}/oauth2/default", "Audience": ["api://default"]},
    "jwt": {"Issuer": JWT_ISSUER, "Audience": ["profile-api", "profile-cli"]},
}


@pytest.mark.parametrize("name", sorted(EXPECTED_JWT_CONFIG))
def test_external_issuer_builds_no_auth_stack_and_wires_the_issuer(
    synthesized: dict[str, Synthesized], name: str
) -> None:
    """GIVEN an external provider WHEN synthesized THEN there is no AuthStack and the authorizer
    carries the provider's issuer (Auth0 with its trailing slash) and the configured audiences."""
    synth = synthesized[name]
    assert synth.auth is None
    authorizer = only_resource(synth.api_json, "AWS::ApiGatewayV2::Authorizer")["Properties"]
    assert authorizer["JwtConfiguration"] == EXPECTED_JWT_CONFIG[name]
    assert not resources_of_type(synth.api_json, "AWS::Cognito::UserPool")
    assert "Fn::ImportValue" not in str(synth.api_json)


def test_cognito_configuration_builds_both_stacks(cognito: Synthesized) -> None:
    """GIVEN the default provider WHEN synthesized THEN AuthStack exists beside ApiStack."""
    assert cognito.auth is not None
    assert resources_of_type(cognito.auth_json or {}, "AWS::Cognito::UserPool")
