"""Passkey registration with boto3 and a software authenticator: StartWebAuthnRegistration's
options, CompleteWebAuthnRegistration's checks (challenge, client, origin, relying party, user
verification, duplicates, malformed input), ListWebAuthnCredentials' paging and
DeleteWebAuthnCredential, each refusal with Cognito's error and nothing kept."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from botocore.exceptions import ClientError

from local.emulator.caller import EmulatorProcess
from local.emulator.caller.keys import pool_signing_key
from tests.local.emulator.cognito.conftest import PASSWORD, LocalPool
from tests.local.emulator.cognito.passkey_pool import (
    FACTORS,
    access_token,
    error_of,
    listed,
    passkey_pool,
    register,
    signed_in,
)
from tests.local.emulator.conftest import AwsClient
from tests.local.webauthn_authenticator import Ceremony, SoftwareAuthenticator, b64url
from tools.tls import shared_tls_context


def _raw(pool: LocalPool, operation: str, body: dict[str, Any]) -> httpx.Response:
    """An unsigned JSON call, as a browser sends it (past botocore's own parameter checks)."""
    headers = {
        "X-Amz-Target": f"AWSCognitoIdentityProviderService.{operation}",
        "Content-Type": "application/x-amz-json-1.1",
    }
    url = pool.endpoint_url + "/"
    return httpx.post(url, json=body, headers=headers, timeout=10, verify=shared_tls_context())


@pytest.fixture(scope="module")
def pool(emulator: EmulatorProcess, aws: AwsClient) -> LocalPool:
    return passkey_pool(emulator, aws, FACTORS)


def test_a_signed_in_user_registers_lists_and_deletes_a_passkey(pool: LocalPool) -> None:
    """GIVEN a pool with WEB_AUTHN and a signed-in user WHEN it starts a registration THEN the
    creation options name localhost, the user, ES256/RS256 and a resident key; the software
    authenticator's answer registers; the list shows it; DeleteWebAuthnCredential removes it."""
    user = signed_in(pool)
    access, key = user["AccessToken"], SoftwareAuthenticator()
    options = register(pool, access, key)
    assert options["rp"] == {"id": "localhost", "name": "localhost"}
    assert options["user"]["name"] == user["email"]
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [-7, -257]
    assert options["authenticatorSelection"] == {
        "requireResidentKey": True,
        "residentKey": "required",
        "userVerification": "preferred",
    }
    assert options["excludeCredentials"] == []
    assert options["timeout"] == 180000
    [shown] = listed(pool, access)
    assert shown["CredentialId"] == b64url(key.credential_id)
    assert shown["RelyingPartyId"] == "localhost"
    assert shown["AuthenticatorAttachment"] == "platform"
    assert shown["AuthenticatorTransports"] == ["internal"]
    assert shown["FriendlyCredentialName"]
    assert shown["CreatedAt"]
    again = pool.cognito.start_web_authn_registration(AccessToken=access)
    assert again["CredentialCreationOptions"]["excludeCredentials"] == [
        {"id": b64url(key.credential_id), "type": "public-key"}
    ]
    pool.cognito.delete_web_authn_credential(AccessToken=access, CredentialId=shown["CredentialId"])
    assert listed(pool, access) == []


def test_a_registration_sent_twice_is_refused(pool: LocalPool) -> None:
    """GIVEN a completed registration WHEN the same credential is sent again THEN
    WebAuthnChallengeNotFoundException (the challenge was used) and still one passkey."""
    access, key = access_token(pool), SoftwareAuthenticator()
    options = pool.cognito.start_web_authn_registration(AccessToken=access)
    credential = key.register(options["CredentialCreationOptions"])
    pool.cognito.complete_web_authn_registration(AccessToken=access, Credential=credential)
    with pytest.raises(ClientError) as raised:
        pool.cognito.complete_web_authn_registration(AccessToken=access, Credential=credential)
    assert error_of(raised)[0] == "WebAuthnChallengeNotFoundException"
    assert len(listed(pool, access)) == 1


def test_the_same_passkey_cannot_be_registered_twice(pool: LocalPool) -> None:
    """GIVEN a registered passkey WHEN the same authenticator registers it again for a new
    challenge THEN InvalidParameterException, and the list still has one."""
    access, key = access_token(pool), SoftwareAuthenticator()
    register(pool, access, key)
    with pytest.raises(ClientError) as raised:
        register(pool, access, key)
    assert error_of(raised)[0] == "InvalidParameterException"
    assert len(listed(pool, access)) == 1


def test_an_older_challenge_is_refused_once_a_new_registration_started(pool: LocalPool) -> None:
    """GIVEN two StartWebAuthnRegistration calls WHEN the first one's challenge is answered
    THEN WebAuthnChallengeNotFoundException; the latest one's registers."""
    access, key = access_token(pool), SoftwareAuthenticator()
    first = pool.cognito.start_web_authn_registration(AccessToken=access)
    latest = pool.cognito.start_web_authn_registration(AccessToken=access)
    with pytest.raises(ClientError) as raised:
        pool.cognito.complete_web_authn_registration(
            AccessToken=access, Credential=key.register(first["CredentialCreationOptions"])
        )
    assert error_of(raised)[0] == "WebAuthnChallengeNotFoundException"
    assert listed(pool, access) == []
    pool.cognito.complete_web_authn_registration(
        AccessToken=access, Credential=key.register(latest["CredentialCreationOptions"])
    )
    assert len(listed(pool, access)) == 1


@pytest.mark.parametrize(
    ("ceremony", "code"),
    [
        (Ceremony(origin="https://evil.example"), "WebAuthnOriginNotAllowedException"),
        (
            Ceremony(origin="http://localhost.evil.example:3000"),
            "WebAuthnOriginNotAllowedException",
        ),
        (Ceremony(rp_id="example.com"), "WebAuthnRelyingPartyMismatchException"),
        (Ceremony(user_present=False), "InvalidParameterException"),
    ],
    ids=["foreign-origin", "lookalike-origin", "wrong-relying-party", "no-user-presence"],
)
def test_a_registration_the_relying_party_cannot_accept_is_refused(
    pool: LocalPool, ceremony: Ceremony, code: str
) -> None:
    """GIVEN a registration made for another origin, another relying party or without the
    user present WHEN completed THEN Cognito's error for it and no passkey kept."""
    access = access_token(pool)
    options = pool.cognito.start_web_authn_registration(AccessToken=access)
    credential = SoftwareAuthenticator().register(options["CredentialCreationOptions"], ceremony)
    with pytest.raises(ClientError) as raised:
        pool.cognito.complete_web_authn_registration(AccessToken=access, Credential=credential)
    assert error_of(raised)[0] == code
    assert listed(pool, access) == []


@pytest.mark.parametrize(
    "origin", ["http://localhost", "https://localhost:8443", "http://localhost:3000"]
)
def test_any_localhost_page_may_register(pool: LocalPool, origin: str) -> None:
    """GIVEN a page on localhost, any port or scheme WHEN it registers THEN it is accepted."""
    access = access_token(pool)
    options = pool.cognito.start_web_authn_registration(AccessToken=access)
    credential = SoftwareAuthenticator().register(
        options["CredentialCreationOptions"], Ceremony(origin=origin)
    )
    pool.cognito.complete_web_authn_registration(AccessToken=access, Credential=credential)
    assert len(listed(pool, access)) == 1


@pytest.mark.parametrize(
    "credential",
    [
        {},
        {"id": "x", "rawId": "x", "type": "public-key", "response": {}},
        {
            "id": "AA",
            "rawId": "AA",
            "type": "public-key",
            "response": {"clientDataJSON": "bm90IGpzb24", "attestationObject": "AA"},
        },
        {
            "id": "AA",
            "rawId": "AA",
            "type": "public-key",
            "response": {"clientDataJSON": "!!!", "attestationObject": "%%%"},
        },
        ["not", "an", "object"],
        "a string",
    ],
    ids=["empty", "no-response", "client-data-not-json", "not-base64url", "list", "string"],
)
def test_a_malformed_credential_is_invalid_parameter(pool: LocalPool, credential: Any) -> None:
    """GIVEN a started registration WHEN Credential is not a registration response THEN
    InvalidParameterException (never a 5xx) and nothing kept."""
    access = access_token(pool)
    pool.cognito.start_web_authn_registration(AccessToken=access)
    with pytest.raises(ClientError) as raised:
        pool.cognito.complete_web_authn_registration(AccessToken=access, Credential=credential)
    assert error_of(raised)[0] == "InvalidParameterException"
    assert listed(pool, access) == []


def test_a_registration_finished_by_another_client_is_refused(pool: LocalPool) -> None:
    """GIVEN a registration started with one app client's access token WHEN another client's
    token of the same user completes it THEN WebAuthnClientMismatchException."""
    user = signed_in(pool)
    other = pool.new_client()
    other_access = pool.cognito.initiate_auth(
        ClientId=other,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user["email"], "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["AccessToken"]
    options = pool.cognito.start_web_authn_registration(AccessToken=user["AccessToken"])
    credential = SoftwareAuthenticator().register(options["CredentialCreationOptions"])
    with pytest.raises(ClientError) as raised:
        pool.cognito.complete_web_authn_registration(
            AccessToken=other_access, Credential=credential
        )
    assert error_of(raised)[0] == "WebAuthnClientMismatchException"
    assert listed(pool, user["AccessToken"]) == []


def test_a_pool_without_web_authn_refuses_registration(
    emulator: EmulatorProcess, aws: AwsClient
) -> None:
    """GIVEN a pool whose first factors lack WEB_AUTHN WHEN a user starts or completes a
    registration THEN WebAuthnNotEnabledException; listing answers an empty list."""
    plain = passkey_pool(emulator, aws, ["PASSWORD"])
    access = access_token(plain)
    with pytest.raises(ClientError) as raised:
        plain.cognito.start_web_authn_registration(AccessToken=access)
    assert error_of(raised)[0] == "WebAuthnNotEnabledException"
    credential = SoftwareAuthenticator().register(
        {"challenge": "AAAA", "rp": {"id": "localhost"}, "user": {"id": "AA"}}
    )
    with pytest.raises(ClientError) as completed:
        plain.cognito.complete_web_authn_registration(AccessToken=access, Credential=credential)
    assert error_of(completed)[0] == "WebAuthnNotEnabledException"
    assert listed(plain, access) == []


def test_user_verification_required_refuses_an_authenticator_that_did_not_verify(
    emulator: EmulatorProcess, aws: AwsClient
) -> None:
    """GIVEN a pool whose WebAuthnConfiguration requires user verification WHEN the options
    are asked THEN they say `required`; a registration without UV is
    WebAuthnCredentialNotSupportedException; one with UV registers."""
    strict = passkey_pool(emulator, aws, FACTORS)
    strict.cognito.set_user_pool_mfa_config(
        UserPoolId=strict.pool_id,
        MfaConfiguration="OFF",
        WebAuthnConfiguration={
            "RelyingPartyId": "auth.example.com",
            "UserVerification": "required",
        },
    )
    shown = strict.cognito.get_user_pool_mfa_config(UserPoolId=strict.pool_id)
    assert shown["WebAuthnConfiguration"] == {
        "RelyingPartyId": "auth.example.com",
        "UserVerification": "required",
    }
    access = access_token(strict)
    noted = f"{strict.pool_id} names passkey relying party 'auth.example.com'"
    for _ in range(2):  # the second Start replaces the first one's challenge
        options = strict.cognito.start_web_authn_registration(AccessToken=access)
        assert emulator.log_text().count(noted) == 1  # once per pool
    creation = options["CredentialCreationOptions"]
    assert creation["authenticatorSelection"]["userVerification"] == "required"
    assert creation["rp"]["id"] == "localhost"  # offline, whatever the pool names
    unverified = SoftwareAuthenticator().register(creation, Ceremony(user_verified=False))
    with pytest.raises(ClientError) as raised:
        strict.cognito.complete_web_authn_registration(AccessToken=access, Credential=unverified)
    assert error_of(raised)[0] == "WebAuthnCredentialNotSupportedException"
    register(strict, access, SoftwareAuthenticator())
    assert len(listed(strict, access)) == 1


def test_a_bad_web_authn_configuration_is_refused_and_not_kept(pool: LocalPool) -> None:
    """GIVEN SetUserPoolMfaConfig with UserVerification `sometimes` THEN
    InvalidParameterException and the pool's setting stays `preferred`."""
    with pytest.raises(ClientError) as raised:
        pool.cognito.set_user_pool_mfa_config(
            UserPoolId=pool.pool_id,
            MfaConfiguration="OFF",
            WebAuthnConfiguration={"UserVerification": "sometimes"},
        )
    assert error_of(raised)[0] == "InvalidParameterException"
    shown = pool.cognito.get_user_pool_mfa_config(UserPoolId=pool.pool_id)
    assert shown["WebAuthnConfiguration"] == {"UserVerification": "preferred"}


def _disable(pool: LocalPool, tokens: dict[str, str]) -> None:
    pool.cognito.admin_disable_user(UserPoolId=pool.pool_id, Username=tokens["email"])


def _sign_out(pool: LocalPool, tokens: dict[str, str]) -> None:
    pool.cognito.global_sign_out(AccessToken=tokens["AccessToken"])


@pytest.mark.parametrize("revoke", [_sign_out, _disable], ids=["global-sign-out", "disabled"])
def test_revoked_and_unknown_access_tokens_are_refused(
    pool: LocalPool, revoke: Callable[[LocalPool, dict[str, str]], None]
) -> None:
    """GIVEN an access token revoked by GlobalSignOut or by AdminDisableUser (which revokes
    the user's tokens: a disabled user manages no passkeys), or one the pool never issued
    WHEN any passkey operation is called THEN NotAuthorizedException."""
    tokens = signed_in(pool)
    access = tokens["AccessToken"]
    revoke(pool, tokens)
    calls: list[tuple[str, dict[str, Any]]] = [
        ("start_web_authn_registration", {}),
        ("complete_web_authn_registration", {"Credential": {"id": "AA"}}),
        ("list_web_authn_credentials", {}),
        ("delete_web_authn_credential", {"CredentialId": "AA"}),
    ]
    for operation, more in calls:
        for token, message in ((access, "Access Token has been revoked"), ("abc.def.ghi", None)):
            with pytest.raises(ClientError) as raised:
                getattr(pool.cognito, operation)(AccessToken=token, **more)
            code, said = error_of(raised)
            assert code == "NotAuthorizedException"
            assert message is None or said == message


def test_deleting_an_unknown_passkey_is_resource_not_found(pool: LocalPool) -> None:
    """GIVEN a user with one passkey WHEN another id (or another user's passkey) is deleted
    THEN ResourceNotFoundException and the passkey stays."""
    access, key = access_token(pool), SoftwareAuthenticator()
    register(pool, access, key)
    someone_else = access_token(pool)
    for caller, credential_id in (
        (access, b64url(b"nope")),
        (someone_else, b64url(key.credential_id)),
    ):
        with pytest.raises(ClientError) as raised:
            pool.cognito.delete_web_authn_credential(AccessToken=caller, CredentialId=credential_id)
        assert error_of(raised)[0] == "ResourceNotFoundException"
    assert len(listed(pool, access)) == 1


def test_the_list_pages_with_max_results_and_next_token(pool: LocalPool) -> None:
    """GIVEN three passkeys WHEN listed two at a time THEN two, then one with no NextToken,
    oldest first; MaxResults 21 or a forged NextToken is InvalidParameterException."""
    access = access_token(pool)
    keys = [SoftwareAuthenticator() for _ in range(3)]
    for key in keys:
        register(pool, access, key)
    first = pool.cognito.list_web_authn_credentials(AccessToken=access, MaxResults=2)
    second = pool.cognito.list_web_authn_credentials(
        AccessToken=access, MaxResults=2, NextToken=first["NextToken"]
    )
    assert "NextToken" not in second
    ids = [c["CredentialId"] for c in first["Credentials"] + second["Credentials"]]
    assert ids == [b64url(k.credential_id) for k in keys]
    for bad, code in (
        ({"MaxResults": 21}, "InvalidParameterException"),
        ({"MaxResults": -1}, "InvalidParameterException"),
        ({"NextToken": "forged"}, "InvalidParameterException"),
        ({"MaxResults": "2"}, "SerializationException"),  # AWS's answer to a wrong JSON type
    ):
        answer = _raw(pool, "ListWebAuthnCredentials", {"AccessToken": access} | bad)
        assert answer.status_code == 400, answer.text
        assert answer.json()["__type"] == code, (bad, answer.text)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"exp": int(time.time()) - 10}, "Access Token has expired"),
        ({"scope": "openid email"}, "Access Token does not have required scopes"),
    ],
    ids=["expired", "without-the-admin-scope"],
)
def test_an_expired_or_narrow_access_token_is_refused(
    pool: LocalPool, change: dict[str, Any], message: str
) -> None:
    """GIVEN the user's access token re-signed by the pool's own key with a past `exp`, or
    without aws.cognito.signin.user.admin WHEN it starts a registration or lists passkeys
    THEN NotAuthorizedException with Cognito's message."""
    claims = jwt.decode(access_token(pool), options={"verify_signature": False}) | change
    signer = pool_signing_key(pool.endpoint_url, pool.pool_id)
    token = jwt.encode(claims, signer.private_key, algorithm="RS256", headers={"kid": signer.kid})
    for call in (
        pool.cognito.start_web_authn_registration,
        pool.cognito.list_web_authn_credentials,
    ):
        with pytest.raises(ClientError) as raised:
            call(AccessToken=token)
        assert error_of(raised) == ("NotAuthorizedException", message)
