"""Request handling: the Cognito operations this package answers, on moto's CognitoIdpResponse.

Each handler reads and checks the request, calls one flow module and answers Cognito's JSON.
`call_action` wraps moto's dispatcher: an operation neither moto nor this package implements,
or an unexpected exception, answers AWS's JSON error shape (never moto's HTML 500) and is
logged with the operation's name; a request with a revoked or expired access token is refused
before moto sees it.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    UserStatus,
    cognitoidp_backends,
)
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import camelcase_to_underscores

from . import codes, existence, mfa, password, refresh, revocation, sign_in
from .errors import CognitoError, invalid_parameter, not_authorized
from .models import all_pools, pool_by_id, pool_of_client

log = logging.getLogger("local.emulator.server.cognito")

_original_call_action = CognitoIdpResponse.call_action
_original = {
    name: getattr(CognitoIdpResponse, name)
    for name in (
        "initiate_auth",
        "admin_initiate_auth",
        "respond_to_auth_challenge",
        "admin_respond_to_auth_challenge",
    )
}
_ACCESS_TOKEN_OPERATIONS = frozenset(
    {
        "get_user",
        "change_password",
        "global_sign_out",
        "update_user_attributes",
        "delete_user_attributes",
        "delete_user",
        "associate_software_token",
        "verify_software_token",
        "set_user_mfa_preference",
        "set_user_settings",
        "get_user_attribute_verification_code",
        "verify_user_attribute",
        "list_devices",
    }
)


# --- reading the request -------------------------------------------------------------------


def _param(self: CognitoIdpResponse, name: str, *, required: bool = True) -> Any:
    value = self._get_param(name)
    if value is None and required:
        field = name[0].lower() + name[1:]
        raise invalid_parameter(
            f"1 validation error detected: Value null at '{field}' failed to satisfy "
            "constraint: Member must not be null"
        )
    if value is not None and not isinstance(value, str):
        raise CognitoError("SerializationException", f"{name} must be a string")
    return value


def _map_param(self: CognitoIdpResponse, name: str) -> dict[str, Any]:
    value = self._get_param(name) or {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise CognitoError("SerializationException", f"{name} must be a map of strings")
    return value


def _client(self: CognitoIdpResponse) -> tuple[CognitoIdpUserPool, CognitoIdpUserPoolClient]:
    client_id = _param(self, "ClientId")
    pool = pool_of_client(client_id)
    if pool is None:
        raise CognitoError(
            "ResourceNotFoundException", f"User pool client {client_id} does not exist."
        )
    return pool, pool.clients[client_id]


def _admin_client(
    self: CognitoIdpResponse,
) -> tuple[CognitoIdpUserPool, CognitoIdpUserPoolClient]:
    pool_id = _param(self, "UserPoolId")
    pool = pool_by_id(pool_id)
    if pool is None:
        raise CognitoError("ResourceNotFoundException", f"User pool {pool_id} does not exist.")
    client_id = _param(self, "ClientId")
    client = pool.clients.get(client_id)
    if client is None:
        raise CognitoError(
            "ResourceNotFoundException", f"User pool client {client_id} does not exist."
        )
    return pool, client


def _backend(pool: CognitoIdpUserPool) -> CognitoIdpBackend:
    backend: CognitoIdpBackend = cognitoidp_backends[pool.account_id][pool.region]
    return backend


def _user(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, username: str
) -> CognitoIdpUser:
    user = pool._get_user(username)
    if user is None:
        if client.extended_config.get("PreventUserExistenceErrors") == "ENABLED":
            raise codes.CodeMismatchException()
        raise CognitoError("UserNotFoundException", "Username/client id combination not found.")
    return user


# --- sign-in -------------------------------------------------------------------------------


def _initiate(
    self: CognitoIdpResponse,
    pool: CognitoIdpUserPool,
    client: CognitoIdpUserPoolClient,
    original: str,
) -> ActionResult:
    flow = _param(self, "AuthFlow")
    parameters = _map_param(self, "AuthParameters")
    if flow == "USER_SRP_AUTH":
        return ActionResult(sign_in.start_srp(pool, client, parameters))
    if flow == "CUSTOM_AUTH":  # needs the pool's define/create/verify challenge triggers
        raise invalid_parameter("Custom auth lambda trigger is not configured for the user pool.")
    if flow == "USER_AUTH":
        log.warning(
            "Cognito flow USER_AUTH (choice-based sign-in) is not implemented by the local user "
            "pool: answered InvalidParameterException"
        )
        raise invalid_parameter("USER_AUTH is not implemented by the local user pool (make local).")
    if flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        token = parameters.get("REFRESH_TOKEN")
        if client.generate_secret:
            family = refresh.family_user(pool, token)
            sign_in.check_secret(client, family or "", parameters.get("SECRET_HASH"))
        return ActionResult(refresh.refresh(pool, client, token, api="initiate_auth"))
    public = original == "initiate_auth"
    if flow in password.PASSWORD_FLOWS and (flow == "USER_PASSWORD_AUTH") == public:
        return ActionResult(
            password.password_sign_in(_backend(pool), pool, client, flow, parameters)
        )
    result: ActionResult = _original[original](self)  # moto refuses any other flow
    return result


def initiate_auth(self: CognitoIdpResponse) -> ActionResult:
    pool, client = _client(self)
    return _initiate(self, pool, client, "initiate_auth")


def admin_initiate_auth(self: CognitoIdpResponse) -> ActionResult:
    pool, client = _admin_client(self)
    return _initiate(self, pool, client, "admin_initiate_auth")


def _respond(
    self: CognitoIdpResponse,
    pool: CognitoIdpUserPool,
    client: CognitoIdpUserPoolClient,
    original: str,
) -> ActionResult:
    challenge = _param(self, "ChallengeName")
    answers = _map_param(self, "ChallengeResponses")
    session = _param(self, "Session", required=False)
    backend = _backend(pool)
    if challenge == "PASSWORD_VERIFIER":
        return ActionResult(sign_in.password_verifier(backend, pool, client, session, answers))
    if challenge in ("SOFTWARE_TOKEN_MFA", "MFA_SETUP"):
        return ActionResult(sign_in.mfa_answer(backend, pool, client, challenge, session, answers))
    if challenge in sign_in.DEVICE_CHALLENGES:
        raise CognitoError("ResourceNotFoundException", "Device does not exist.")
    if challenge == "NEW_PASSWORD_REQUIRED":
        if not isinstance(session, str) or session not in backend.sessions:
            raise not_authorized("Invalid session for the user.")
        result: ActionResult = _original[original](self)
        return result
    raise invalid_parameter(f"Challenge {challenge} is not supported by this user pool.")


def respond_to_auth_challenge(self: CognitoIdpResponse) -> ActionResult:
    pool, client = _client(self)
    return _respond(self, pool, client, "respond_to_auth_challenge")


def admin_respond_to_auth_challenge(self: CognitoIdpResponse) -> ActionResult:
    pool, client = _admin_client(self)
    return _respond(self, pool, client, "admin_respond_to_auth_challenge")


# --- refresh and revocation ----------------------------------------------------------------


def get_tokens_from_refresh_token(self: CognitoIdpResponse) -> ActionResult:
    pool, client = _client(self)
    token = _param(self, "RefreshToken")
    secret = _param(self, "ClientSecret", required=False)
    if client.generate_secret and not (
        isinstance(secret, str)
        and hmac.compare_digest(secret.encode(), str(client.secret).encode())
    ):
        raise not_authorized(f"Unable to verify secret for client {client.id}")
    result = refresh.refresh(pool, client, token, api="get_tokens")
    return ActionResult({"AuthenticationResult": result["AuthenticationResult"]})


def revoke_token(self: CognitoIdpResponse) -> ActionResult:
    pool, client = _client(self)
    revocation.revoke_token(
        pool, client, _param(self, "Token"), _param(self, "ClientSecret", required=False)
    )
    return EmptyResult()


# --- codes ---------------------------------------------------------------------------------


def sign_up(self: CognitoIdpResponse) -> ActionResult:
    pool, client = _client(self)
    username = _param(self, "Username")
    password = _param(self, "Password")
    attributes = self._get_param("UserAttributes") or []
    if not isinstance(attributes, list) or not all(
        isinstance(a, dict) and isinstance(a.get("Name"), str) and isinstance(a.get("Value"), str)
        for a in attributes
    ):
        raise CognitoError("SerializationException", "UserAttributes must be a list of Name/Value")
    sign_in.check_secret(client, username, self._get_param("SecretHash"))
    user, details = _backend(pool).sign_up(client.id, username, password, attributes)
    response: dict[str, Any] = {
        "UserConfirmed": user.status == UserStatus.CONFIRMED,
        "UserSub": user.id,
    }
    if details:
        codes.send(pool, user, codes.SIGN_UP, "signup")
        response["CodeDeliveryDetails"] = details
    return ActionResult(response)


def resend_confirmation_code(self: CognitoIdpResponse) -> ActionResult:
    pool, client = _client(self)
    username = _param(self, "Username")
    sign_in.check_secret(client, username, self._get_param("SecretHash"))
    user = pool._get_user(username)
    if user is None and existence.prevents(client):  # a simulated delivery, as Cognito's
        auto_verified = pool.extended_config.get("AutoVerifiedAttributes") or []
        medium = "EMAIL" if "email" in auto_verified or not auto_verified else "SMS"
        return ActionResult({"CodeDeliveryDetails": existence.masked(pool, None, username, medium)})
    user = _user(pool, client, username)
    if user.status is not UserStatus.UNCONFIRMED:
        raise invalid_parameter("User is already confirmed.")
    details = codes.sign_up_delivery(pool, user)
    if details is None:
        raise invalid_parameter("No auto-verified attribute to send a confirmation code to.")
    codes.send(pool, user, codes.SIGN_UP, "resend")
    return ActionResult({"CodeDeliveryDetails": details})


def confirm_sign_up(self: CognitoIdpResponse) -> ActionResult:
    pool, client = _client(self)
    username = _param(self, "Username")
    code = _param(self, "ConfirmationCode")
    sign_in.check_secret(client, username, self._get_param("SecretHash"))
    user = _user(pool, client, username)
    if user.status is UserStatus.CONFIRMED:
        raise not_authorized("User cannot be confirmed. Current status is CONFIRMED")
    codes.check(pool, user, codes.SIGN_UP, code)
    user.status = UserStatus.CONFIRMED
    if "email" in (pool.extended_config.get("AutoVerifiedAttributes") or []) and (
        "email" in user.attribute_lookup
    ):  # the code went to the e-mail address: confirming it verifies the address
        user.update_attributes([{"Name": "email_verified", "Value": "true"}])
    return EmptyResult()


def forgot_password(self: CognitoIdpResponse) -> ActionResult:
    pool, client = _client(self)
    username = _param(self, "Username")
    sign_in.check_secret(client, username, self._get_param("SecretHash"))
    user = pool._get_user(username)
    if user is None and not existence.prevents(client):
        raise CognitoError("UserNotFoundException", "Username/client id combination not found.")
    details = existence.delivery(pool, user, username)  # simulated for an unknown user
    if user is not None:
        codes.send(pool, user, codes.FORGOT_PASSWORD, "forgot_password")
    return ActionResult({"CodeDeliveryDetails": details})


def confirm_forgot_password(self: CognitoIdpResponse) -> ActionResult:
    pool, client = _client(self)
    username = _param(self, "Username")
    code = _param(self, "ConfirmationCode")
    password = _param(self, "Password")
    sign_in.check_secret(client, username, self._get_param("SecretHash"))
    user = _user(pool, client, username)
    backend = _backend(pool)
    backend._validate_password(pool.id, password)
    codes.check(pool, user, codes.FORGOT_PASSWORD, code)
    user.password = password
    if user.status in (UserStatus.RESET_REQUIRED, UserStatus.FORCE_CHANGE_PASSWORD):
        user.status = UserStatus.CONFIRMED
    return EmptyResult()


def delete_user(self: CognitoIdpResponse) -> ActionResult:
    """The signed-in user deletes itself; its tokens die with it."""
    pool, user, _ = _token_user(self)
    pool.sign_out(user.username)
    _backend(pool).admin_delete_user(pool.id, user.username)
    return EmptyResult()


# --- TOTP ----------------------------------------------------------------------------------


def _token_user(self: CognitoIdpResponse) -> tuple[CognitoIdpUserPool, CognitoIdpUser, str | None]:
    """The user named by AccessToken or by an MFA_SETUP challenge's Session (no other)."""
    token = _param(self, "AccessToken", required=False)
    session = _param(self, "Session", required=False)
    if token:
        for pool in all_pools():
            entry = pool.access_tokens.get(token)
            if entry is not None:
                user = pool._get_user(entry[1])
                if user is not None:
                    return pool, user, None
        raise not_authorized("Invalid Access Token")
    if session:
        for pool in all_pools():
            try:
                return pool, mfa.setup_session_user(pool, session), session
            except CognitoError:
                continue
        raise not_authorized("Invalid session for the user.")
    raise invalid_parameter("AccessToken or Session is required")


def associate_software_token(self: CognitoIdpResponse) -> ActionResult:
    pool, user, session = _token_user(self)
    response = {"SecretCode": mfa.associate(pool, user)}
    if session is not None:
        response["Session"] = session
    return ActionResult(response)


def verify_software_token(self: CognitoIdpResponse) -> ActionResult:
    pool, user, session = _token_user(self)
    mfa.verify(pool, user, _param(self, "UserCode"))
    response = {"Status": "SUCCESS"}
    if session is not None:
        response["Session"] = session
    return ActionResult(response)


# --- dispatch ------------------------------------------------------------------------------

HANDLERS = {
    "initiate_auth": initiate_auth,
    "admin_initiate_auth": admin_initiate_auth,
    "respond_to_auth_challenge": respond_to_auth_challenge,
    "admin_respond_to_auth_challenge": admin_respond_to_auth_challenge,
    "get_tokens_from_refresh_token": get_tokens_from_refresh_token,
    "revoke_token": revoke_token,
    "sign_up": sign_up,
    "resend_confirmation_code": resend_confirmation_code,
    "confirm_sign_up": confirm_sign_up,
    "forgot_password": forgot_password,
    "confirm_forgot_password": confirm_forgot_password,
    "associate_software_token": associate_software_token,
    "verify_software_token": verify_software_token,
    "delete_user": delete_user,
}


def _json_error(status: int, error_type: str, message: str) -> tuple[int, dict[str, str], str]:
    body = json.dumps({"__type": error_type, "message": message})
    return (
        status,
        {"Content-Type": "application/x-amz-json-1.1", "X-Amzn-ErrorType": error_type},
        body,
    )


def call_action(self: CognitoIdpResponse) -> Any:
    """moto's dispatcher, with Cognito's JSON errors for what it cannot answer."""
    operation = self._get_action() or ""
    try:
        body = json.loads(self.body)
    except (ValueError, TypeError):
        return _json_error(400, "SerializationException", "The request body is not valid JSON.")
    if not isinstance(body, dict):
        return _json_error(400, "SerializationException", "The request body must be a JSON object.")
    try:
        if camelcase_to_underscores(operation) in _ACCESS_TOKEN_OPERATIONS:
            revocation.check_access_token(body.get("AccessToken"))
        return _original_call_action(self)
    except CognitoError as error:
        return _json_error(error.code, error.error_type, error.message)
    except NotImplementedError:
        log.warning(
            "Cognito operation %s is not implemented by the local user pool: answered "
            "UnsupportedOperationException",
            operation,
        )
        return _json_error(
            400,
            "UnsupportedOperationException",
            f"{operation} is not implemented by the local user pool (make local).",
        )
    except Exception:
        log.exception("Cognito operation %s failed in the local user pool", operation)
        return _json_error(
            500,
            "InternalErrorException",
            f"{operation} failed in the local user pool (see its log).",
        )


def apply() -> None:
    """Install the handlers on moto's CognitoIdpResponse (idempotent)."""
    if CognitoIdpResponse.call_action is call_action:
        return
    for name, handler in HANDLERS.items():
        setattr(CognitoIdpResponse, name, handler)
    CognitoIdpResponse.call_action = call_action  # type: ignore[method-assign,assignment]
