"""Request handling: LocalCognitoResponse, moto's CognitoIdpResponse with the operations this
package answers. Each reads and checks the request and hands it to backend.py (the rules);
urls.py routes cognito-idp's `/` here.

`call_action` wraps moto's dispatcher: an operation neither moto nor this package implements,
or an unexpected exception, answers AWS's JSON error shape (never moto's HTML 500) and is
logged with the operation's name; a request with a revoked or expired access token is refused
before moto sees it.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool, CognitoIdpUserPoolClient
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import camelcase_to_underscores

from local.emulator.server import moto_seam

from . import (
    auth_triggers,
    backend,
    email_mfa,
    managed_login,
    mfa_config,
    passkey_registration,
    sign_in_settings,
    user_auth,
)
from .exceptions import (
    CognitoError,
    InternalError,
    InvalidParameterError,
    ResourceNotFoundError,
    SerializationError,
    UnsupportedOperationError,
)
from .models import pool_by_id, pool_of_client

log = logging.getLogger("local.emulator.server.cognito")

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
        "start_web_authn_registration",
        "complete_web_authn_registration",
        "list_web_authn_credentials",
        "delete_web_authn_credential",
    }
)


def _error_answer(error: CognitoError) -> tuple[int, dict[str, str], str]:
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amzn-ErrorType": error.error_type}
    return error.code, headers, error.get_body()


def _pool_client(
    pool: CognitoIdpUserPool | None, client_id: str
) -> tuple[CognitoIdpUserPool, CognitoIdpUserPoolClient]:
    client = None if pool is None else pool.clients.get(client_id)
    if pool is None or client is None:
        raise ResourceNotFoundError(f"User pool client {client_id} does not exist.")
    return pool, client


class LocalCognitoResponse(CognitoIdpResponse):
    """moto's cognito-idp request handling, with this package's operations and errors."""

    # --- reading the request ---------------------------------------------------------------

    def _param(self, name: str, *, required: bool = True) -> Any:
        value = moto_seam.request_param(self, name)
        if value is None and required:
            field = name[0].lower() + name[1:]
            raise InvalidParameterError(
                f"1 validation error detected: Value null at '{field}' failed to satisfy "
                "constraint: Member must not be null"
            )
        if value is not None and not isinstance(value, str):
            raise SerializationError(f"{name} must be a string")
        return value

    def _map_param(self, name: str) -> dict[str, Any]:
        value = moto_seam.request_param(self, name) or {}
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise SerializationError(f"{name} must be a map of strings")
        return value

    def _attributes_param(self, name: str, *, optional: bool = False) -> list[dict[str, str]]:
        value = moto_seam.request_param(self, name)
        if optional and not value:
            return []
        if not isinstance(value, list) or not all(
            isinstance(a, dict)
            and isinstance(a.get("Name"), str)
            and isinstance(a.get("Value"), str)
            for a in value
        ):
            raise SerializationError(f"{name} must be a list of Name/Value")
        return value

    def _client(self) -> tuple[CognitoIdpUserPool, CognitoIdpUserPoolClient]:
        client_id = self._param("ClientId")
        return _pool_client(pool_of_client(client_id), client_id)

    def _pool(self) -> CognitoIdpUserPool:
        """The pool UserPoolId names; ResourceNotFoundException when there is none."""
        pool_id = self._param("UserPoolId")
        pool = pool_by_id(pool_id)
        if pool is None:
            raise ResourceNotFoundError(f"User pool {pool_id} does not exist.")
        return pool

    def _admin_client(self) -> tuple[CognitoIdpUserPool, CognitoIdpUserPoolClient]:
        return _pool_client(self._pool(), self._param("ClientId"))

    def _token_user(self) -> tuple[CognitoIdpUserPool, CognitoIdpUser, str | None]:
        token = self._param("AccessToken", required=False)
        return backend.token_user(token, self._param("Session", required=False))

    # --- sign-in ---------------------------------------------------------------------------

    def _initiate(
        self, pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, *, public: bool
    ) -> dict[str, Any] | None:
        flow, parameters = self._param("AuthFlow"), self._map_param("AuthParameters")
        session = self._param("Session", required=False)  # ConfirmSignUp's, for USER_AUTH
        with auth_triggers.initiating(self._map_param("ClientMetadata")):
            return backend.initiate_auth(
                pool, client, flow, parameters, public=public, session=session
            )

    def initiate_auth(self) -> ActionResult:
        result = self._initiate(*self._client(), public=True)
        return super().initiate_auth() if result is None else ActionResult(result)

    def admin_initiate_auth(self) -> ActionResult:
        result = self._initiate(*self._admin_client(), public=False)
        return super().admin_initiate_auth() if result is None else ActionResult(result)

    def _respond(
        self, pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient
    ) -> dict[str, Any] | None:
        challenge = self._param("ChallengeName")
        answers = self._map_param("ChallengeResponses")
        session = self._param("Session", required=False)
        with auth_triggers.responding(self._map_param("ClientMetadata")):
            return backend.respond_to_auth_challenge(pool, client, challenge, session, answers)

    def respond_to_auth_challenge(self) -> ActionResult:
        result = self._respond(*self._client())
        return super().respond_to_auth_challenge() if result is None else ActionResult(result)

    def admin_respond_to_auth_challenge(self) -> ActionResult:
        result = self._respond(*self._admin_client())
        if result is None:
            return super().admin_respond_to_auth_challenge()
        return ActionResult(result)

    # --- refresh and revocation ------------------------------------------------------------

    def get_tokens_from_refresh_token(self) -> ActionResult:
        pool, client = self._client()
        token = self._param("RefreshToken")
        secret = self._param("ClientSecret", required=False)
        return ActionResult(backend.tokens_from_refresh_token(pool, client, token, secret))

    def revoke_token(self) -> ActionResult:
        pool, client = self._client()
        token, secret = self._param("Token"), self._param("ClientSecret", required=False)
        backend.revoke_token(pool, client, token, secret)
        return EmptyResult()

    # --- sign-up and codes -----------------------------------------------------------------

    def _user_call(self) -> backend.UserCall:
        pool, client = self._client()
        username = self._param("Username")
        secret_hash = moto_seam.request_param(self, "SecretHash")
        metadata = self._map_param("ClientMetadata")
        return backend.UserCall(pool, client, username, secret_hash, metadata)

    def _validation_data(self) -> dict[str, str] | None:
        """ValidationData (a Name/Value list) as the pre sign-up trigger gets it."""
        given = self._attributes_param("ValidationData", optional=True)
        return {a["Name"]: a["Value"] for a in given} or None

    def sign_up(self) -> ActionResult:
        call = self._user_call()
        attributes = self._attributes_param("UserAttributes", optional=True)
        # Without a password only where the user can then sign in with a one-time code.
        optional = user_auth.passwordless(call.pool, call.client, attributes)
        new_password = self._param("Password", required=not optional)
        validation_data = self._validation_data()
        return ActionResult(backend.sign_up(call, new_password, attributes, validation_data))

    def admin_create_user(self) -> ActionResult:
        pool = self._pool()
        self._attributes_param("UserAttributes", optional=True)  # a clear error, not moto's 500
        validation_data, metadata = self._validation_data(), self._map_param("ClientMetadata")
        action, mediums = self._param("MessageAction", required=False), self._mediums()
        answer = super().admin_create_user()
        username = self._param("Username")
        created = moto_seam.get_user(pool, username)
        if created is not None:
            backend.admin_create_user(
                pool,
                created,
                username=username,
                message_action=action,
                mediums=mediums,
                validation_data=validation_data,
                client_metadata=metadata,
            )
        return answer

    def _mediums(self) -> list[str] | None:
        """DesiredDeliveryMediums: EMAIL and/or SMS."""
        value = moto_seam.request_param(self, "DesiredDeliveryMediums")
        if value is not None and not (
            isinstance(value, list) and all(m in ("EMAIL", "SMS") for m in value)
        ):
            raise InvalidParameterError("DesiredDeliveryMediums must be a list of EMAIL or SMS.")
        return value

    def admin_confirm_sign_up(self) -> ActionResult:
        pool, user = backend.admin_user(self._param("UserPoolId"), self._param("Username"))
        backend.admin_confirm_sign_up(pool, user, self._map_param("ClientMetadata"))
        return EmptyResult()

    def admin_disable_user(self) -> ActionResult:
        answer = super().admin_disable_user()  # moto's refusal first (unknown pool or user)
        pool, user = backend.admin_user(self._param("UserPoolId"), self._param("Username"))
        backend.disabled(pool, user)
        return answer

    def create_user_pool(self) -> ActionResult:
        sign_in_settings.check(self.parameters)
        return super().create_user_pool()

    def update_user_pool(self) -> None:
        sign_in_settings.check(self.parameters)
        super().update_user_pool()

    def set_user_pool_mfa_config(self) -> ActionResult:
        """moto's, plus EmailMfaConfiguration and WebAuthnConfiguration (mfa_config.py)."""
        params = {
            name: moto_seam.request_param(self, name)
            for name in (
                "MfaConfiguration",
                "SmsMfaConfiguration",
                "SoftwareTokenMfaConfiguration",
                "EmailMfaConfiguration",
                "WebAuthnConfiguration",
            )
        }
        return ActionResult(mfa_config.set_config(self._pool(), params))

    def get_user_pool_mfa_config(self) -> ActionResult:
        return ActionResult(mfa_config.get_config(self._pool()))

    def describe_user_pool_domain(self) -> ActionResult:
        """moto's answer plus the domain's ManagedLoginVersion (managed_login.py)."""
        answer = super().describe_user_pool_domain()
        description = (
            answer.result.get("DomainDescription") if isinstance(answer.result, dict) else None
        )
        pool = pool_by_id((description or {}).get("UserPoolId"))
        if description and pool is not None:
            version = managed_login.domain_version(pool, str(description.get("Domain")))
            description["ManagedLoginVersion"] = version
        return answer

    def describe_managed_login_branding(self) -> ActionResult:
        branding_id = self._param("ManagedLoginBrandingId")
        return ActionResult(managed_login.by_id(self._pool(), branding_id))

    def describe_managed_login_branding_by_client(self) -> ActionResult:
        client_id = self._param("ClientId")
        return ActionResult(managed_login.by_client(self._pool(), client_id))

    def resend_confirmation_code(self) -> ActionResult:
        return ActionResult(backend.resend_confirmation_code(self._user_call()))

    def confirm_sign_up(self) -> ActionResult:
        call = self._user_call()
        code, session = self._param("ConfirmationCode"), self._param("Session", required=False)
        return ActionResult(backend.confirm_sign_up(call, code, session))

    def forgot_password(self) -> ActionResult:
        with auth_triggers.responding(self._map_param("ClientMetadata")):
            return ActionResult(backend.forgot_password(self._user_call()))

    def confirm_forgot_password(self) -> ActionResult:
        call = self._user_call()
        code, new_password = self._param("ConfirmationCode"), self._param("Password")
        backend.confirm_forgot_password(call, code, new_password)
        return EmptyResult()

    def delete_user(self) -> ActionResult:
        pool, user, _ = self._token_user()
        backend.delete_user(pool, user)
        return EmptyResult()

    # --- TOTP ------------------------------------------------------------------------------

    def associate_software_token(self) -> ActionResult:
        pool, user, session = self._token_user()
        return ActionResult(backend.associate_software_token(pool, user, session))

    def verify_software_token(self) -> ActionResult:
        pool, user, session = self._token_user()
        code = self._param("UserCode")
        return ActionResult(backend.verify_software_token(pool, user, session, code))

    # --- MFA preferences (e-mail MFA: email_mfa.py; TOTP and SMS: moto's) -----------------

    def _mfa_preference(self, pool: CognitoIdpUserPool, user: CognitoIdpUser) -> Any:
        """Set the user's EmailMfaSettings around moto's own SetUserMFAPreference."""
        settings = moto_seam.request_param(self, "EmailMfaSettings")
        email_mfa.check_settings(pool, user, settings)  # before anything changes
        preferred = user.preferred_mfa_setting
        answer = (
            super().set_user_mfa_preference()
            if self._param("AccessToken", required=False)
            else super().admin_set_user_mfa_preference()
        )
        if preferred == email_mfa.EMAIL_OTP and not user.preferred_mfa_setting:
            user.preferred_mfa_setting = preferred  # moto's TOTP/SMS settings cleared it
        email_mfa.apply_settings(pool, user, settings)
        return answer

    def set_user_mfa_preference(self) -> ActionResult:
        pool, user, _ = self._token_user()
        return ActionResult(self._mfa_preference(pool, user).result)

    def admin_set_user_mfa_preference(self) -> ActionResult:
        pool, user = backend.admin_user(self._param("UserPoolId"), self._param("Username"))
        return ActionResult(self._mfa_preference(pool, user).result)

    def get_user(self) -> ActionResult:
        pool, user, _ = self._token_user()
        answer = super().get_user()
        email_mfa.add_to_settings(pool, user, answer.result)
        return answer

    def admin_get_user(self) -> ActionResult:
        answer = super().admin_get_user()  # moto's refusal first (unknown pool or user)
        pool, user = backend.admin_user(self._param("UserPoolId"), self._param("Username"))
        email_mfa.add_to_settings(pool, user, answer.result)
        return answer

    # --- attributes ------------------------------------------------------------------------

    def update_user_attributes(self) -> ActionResult:
        pool, user, _ = self._token_user()
        given = self._attributes_param("UserAttributes")
        metadata = self._map_param("ClientMetadata")
        sent = backend.update_user_attributes(pool, user, given, metadata, admin=False)
        return ActionResult({"CodeDeliveryDetailsList": sent})

    def admin_update_user_attributes(self) -> ActionResult:
        pool, user = backend.admin_user(self._param("UserPoolId"), self._param("Username"))
        given = self._attributes_param("UserAttributes")
        metadata = self._map_param("ClientMetadata")
        backend.update_user_attributes(pool, user, given, metadata, admin=True)
        return EmptyResult()

    def get_user_attribute_verification_code(self) -> ActionResult:
        pool, user, _ = self._token_user()
        name, metadata = self._param("AttributeName"), self._map_param("ClientMetadata")
        return ActionResult(backend.attribute_verification_code(pool, user, name, metadata))

    def verify_user_attribute(self) -> ActionResult:
        pool, user, _ = self._token_user()
        name, code = self._param("AttributeName"), self._param("Code")
        backend.verify_user_attribute(pool, user, name, code)
        return EmptyResult()

    # --- passkeys --------------------------------------------------------------------------

    def _passkey_caller(self) -> tuple[CognitoIdpUserPool, CognitoIdpUser, str]:
        """The access token's pool, user and client (a token for the user's own operations)."""
        return passkey_registration.caller(self._param("AccessToken"))

    def start_web_authn_registration(self) -> ActionResult:
        return ActionResult(passkey_registration.start(*self._passkey_caller()))

    def complete_web_authn_registration(self) -> ActionResult:
        pool, user, client_id = self._passkey_caller()
        credential = moto_seam.request_param(self, "Credential")
        if credential is None:
            self._param("Credential")  # Cognito's "must not be null"
        passkey_registration.complete(pool, user, client_id, credential)
        return EmptyResult()

    def list_web_authn_credentials(self) -> ActionResult:
        pool, user, _ = self._passkey_caller()
        max_results = moto_seam.request_param(self, "MaxResults")
        next_token = self._param("NextToken", required=False)
        answer = passkey_registration.list_credentials(pool, user, max_results, next_token)
        return ActionResult(answer)

    def delete_web_authn_credential(self) -> ActionResult:
        pool, user, _ = self._passkey_caller()
        passkey_registration.delete_credential(pool, user, self._param("CredentialId"))
        return EmptyResult()

    # --- dispatch --------------------------------------------------------------------------

    def call_action(self) -> Any:
        """moto's dispatcher, with Cognito's JSON errors for what it cannot answer."""
        operation = moto_seam.operation_name(self)
        try:
            body = json.loads(self.body)
        except (ValueError, TypeError):
            return _error_answer(SerializationError("The request body is not valid JSON."))
        if not isinstance(body, dict):
            return _error_answer(SerializationError("The request body must be a JSON object."))
        try:
            if camelcase_to_underscores(operation) in _ACCESS_TOKEN_OPERATIONS:
                backend.refuse_dead_access_token(body.get("AccessToken"))
            return super().call_action()
        except CognitoError as error:
            return _error_answer(error)
        except NotImplementedError:
            log.warning(
                "Cognito operation %s is not implemented by the local user pool: answered "
                "UnsupportedOperationException",
                operation,
            )
            return _error_answer(
                UnsupportedOperationError(
                    f"{operation} is not implemented by the local user pool (make local)."
                )
            )
        except Exception:
            log.exception("Cognito operation %s failed in the local user pool", operation)
            return _error_answer(
                InternalError(f"{operation} failed in the local user pool (see its log).")
            )
