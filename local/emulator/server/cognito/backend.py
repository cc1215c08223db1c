"""The pool's rules: what each operation this package answers does to the pool's state, once
responses.py has read and checked the request. Each function takes the pool (and app client)
the request named and answers Cognito's JSON as a dict, or raises an exceptions.py error; the
flow modules (sign_in, srp, password, mfa, codes, attributes, existence, attempts, refresh,
revocation) are the parts it calls. `None` from a sign-in function means moto answers the
request itself.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass, field
from typing import Any

from moto.cognitoidp.models import (
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    UserStatus,
)

from local.emulator.server import moto_seam

from . import (
    attributes,
    auth_triggers,
    codes,
    custom_auth,
    existence,
    invitations,
    mfa,
    migration,
    password,
    refresh,
    revocation,
    sign_in,
    sign_up_sessions,
    sign_up_triggers,
    user_auth,
)
from .custom_message import FORGOT_PASSWORD, RESEND_CODE, SIGN_UP, Occasion
from .exceptions import (
    INVALID_SESSION,
    USER_CLIENT_NOT_FOUND,
    CodeMismatchError,
    CognitoError,
    InvalidParameterError,
    NotAuthorizedError,
    ResourceNotFoundError,
    UserNotFoundError,
)
from .models import all_pools, backend_of

log = logging.getLogger("local.emulator.server.cognito")


@dataclass(frozen=True)
class UserCall:
    """A public operation that names a user through an app client (SignUp, the codes)."""

    pool: CognitoIdpUserPool
    client: CognitoIdpUserPoolClient
    username: str
    secret_hash: Any
    client_metadata: dict[str, str] = field(default_factory=dict)  # for the pool's triggers

    def occasion(self, trigger_source: str) -> Occasion:
        """A custom message's occasion for this call."""
        return Occasion(trigger_source, self.client.id, self.client_metadata)

    def confirmed(self, user: CognitoIdpUser, trigger_source: str) -> None:
        """The pool's post confirmation trigger, for a user this call just confirmed."""
        sign_up_triggers.post_confirmation(
            self.pool,
            user,
            trigger_source,
            client_id=self.client.id,
            client_metadata=self.client_metadata,
        )

    def named_user(self) -> CognitoIdpUser | None:
        """The named user (None: unknown), once the client's SECRET_HASH checks out."""
        sign_in.check_secret(self.client, self.username, self.secret_hash)
        return moto_seam.get_user(self.pool, self.username)

    def code_user(self) -> CognitoIdpUser:
        """The user a code operation names; an unknown one answers as a wrong code would when
        the client prevents user-existence errors."""
        user = self.named_user()
        if user is None:
            if existence.prevents(self.client):
                raise CodeMismatchError()
            raise UserNotFoundError(USER_CLIENT_NOT_FOUND)
        return user


# --- sign-in -------------------------------------------------------------------------------


def initiate_auth(
    pool: CognitoIdpUserPool,
    client: CognitoIdpUserPoolClient,
    flow: Any,
    parameters: dict[str, Any],
    *,
    public: bool,
    session: str | None = None,
) -> dict[str, Any] | None:
    """InitiateAuth (`public`) or AdminInitiateAuth; None: a flow moto refuses itself.
    `session`: ConfirmSignUp's, for USER_AUTH."""
    if flow == "USER_SRP_AUTH":
        return sign_in.start_srp(pool, client, parameters)
    if flow == "CUSTOM_AUTH":  # the pool's define/create/verify challenge triggers
        return custom_auth.start(sign_in.ClientCall.of(pool, client), parameters)
    if flow == "USER_AUTH":  # choice-based sign-in
        return user_auth.start(sign_in.ClientCall.of(pool, client), parameters, session)
    if flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        token = parameters.get("REFRESH_TOKEN")
        if client.generate_secret:
            family = refresh.family_user(pool, token)
            sign_in.check_secret(client, family or "", parameters.get("SECRET_HASH"))
        return refresh.refresh(pool, client, token, api="initiate_auth")
    if flow in password.PASSWORD_FLOWS and (flow == "USER_PASSWORD_AUTH") == public:
        return password.password_sign_in(sign_in.ClientCall.of(pool, client), flow, parameters)
    return None


def respond_to_auth_challenge(
    pool: CognitoIdpUserPool,
    client: CognitoIdpUserPoolClient,
    challenge: Any,
    session: str | None,
    answers: dict[str, Any],
) -> dict[str, Any] | None:
    """(Admin)RespondToAuthChallenge; None: a new password for a live session (moto's)."""
    call = sign_in.ClientCall.of(pool, client)
    if challenge == "PASSWORD_VERIFIER" and custom_auth.owns(pool, session):
        return custom_auth.password_answer(call, str(session), answers)
    if challenge == "CUSTOM_CHALLENGE":
        return custom_auth.answer(call, session, answers)
    if challenge == "PASSWORD_VERIFIER":
        return sign_in.password_verifier(call, session, answers)
    if challenge in ("SOFTWARE_TOKEN_MFA", "MFA_SETUP"):
        return sign_in.mfa_answer(call, challenge, session, answers)
    if challenge in user_auth.ANSWERED:
        return user_auth.answer(call, challenge, session, answers)
    if challenge in sign_in.DEVICE_CHALLENGES:
        raise ResourceNotFoundError("Device does not exist.")
    if challenge == "NEW_PASSWORD_REQUIRED":
        if not isinstance(session, str) or session not in call.backend.sessions:
            raise NotAuthorizedError(INVALID_SESSION)
        auth_triggers.before_new_password(call.backend, pool, client, session, answers)
        return None
    raise InvalidParameterError(f"Challenge {challenge} is not supported by this user pool.")


def tokens_from_refresh_token(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, token: str, secret: str | None
) -> dict[str, Any]:
    """GetTokensFromRefreshToken: a client with a secret must send it."""
    if client.generate_secret and not (
        isinstance(secret, str)
        and hmac.compare_digest(secret.encode(), str(client.secret).encode())
    ):
        raise NotAuthorizedError(f"Unable to verify secret for client {client.id}")
    result = refresh.refresh(pool, client, token, api="get_tokens")
    return {"AuthenticationResult": result["AuthenticationResult"]}


def revoke_token(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, token: str, secret: str | None
) -> None:
    """RevokeToken: the refresh token's family and the access tokens issued from it."""
    revocation.revoke_token(pool, client, token, secret)


def refuse_dead_access_token(token: Any) -> None:
    """Before any operation that takes an access token: a revoked or expired one is refused."""
    revocation.check_access_token(token)


# --- sign-up and codes ---------------------------------------------------------------------


def sign_up(
    call: UserCall,
    new_password: str | None,
    attributes: list[dict[str, str]],
    validation_data: dict[str, str] | None = None,
) -> dict[str, Any]:
    """SignUp: the user (if the pre sign-up trigger lets it in), and its confirmation code in
    the outbox when the pool sends one (none for a user the trigger confirmed); no password:
    a passwordless user (responses.py lets it through only where the pool allows it)."""
    pool, client = call.pool, call.client
    sign_in.check_secret(client, call.username, call.secret_hash)
    stand_in = password.stand_in(pool) if new_password is None else new_password
    user, details = backend_of(pool).sign_up(client.id, call.username, stand_in, attributes)
    if new_password is None:
        user.password = None
    admission = sign_up_triggers.admit(
        pool,
        user,
        sign_up_triggers.SIGN_UP,
        client_id=client.id,
        validation_data=validation_data,
        client_metadata=call.client_metadata,
    )
    admission.apply(user)
    response: dict[str, Any] = {
        "UserConfirmed": user.status == UserStatus.CONFIRMED,
        "UserSub": user.id,
        "Session": sign_up_sessions.signed_up(pool, client, user),
    }
    if admission.auto_confirm:
        call.confirmed(user, sign_up_triggers.CONFIRM_SIGN_UP)
    elif details:
        codes.send(pool, user, codes.SIGN_UP, "signup", occasion=call.occasion(SIGN_UP))
        # Where the code went (moto's details follow the recovery setting: SMS by default).
        response["CodeDeliveryDetails"] = codes.sign_up_delivery(pool, user) or details
    return response


def admin_create_user(
    pool: CognitoIdpUserPool,
    created: CognitoIdpUser,
    *,
    username: str,
    message_action: str | None,
    mediums: list[str] | None,
    validation_data: dict[str, str] | None,
    client_metadata: dict[str, str],
) -> None:
    """After moto's AdminCreateUser made `created`: the pre sign-up trigger may refuse it
    (not for a RESEND), then the invitation goes out unless SUPPRESSed."""
    if message_action != "RESEND":
        sign_up_triggers.admit(
            pool,
            created,
            sign_up_triggers.ADMIN_CREATE_USER,
            client_id=None,
            validation_data=validation_data,
            client_metadata=client_metadata,
        )
    if message_action != "SUPPRESS":
        invitations.invite(
            pool, created, username=username, mediums=mediums, client_metadata=client_metadata
        )


def admin_confirm_sign_up(
    pool: CognitoIdpUserPool, user: CognitoIdpUser, client_metadata: dict[str, str]
) -> None:
    """AdminConfirmSignUp: the user is confirmed, then the post confirmation trigger runs."""
    user.status = UserStatus.CONFIRMED
    sign_up_triggers.post_confirmation(
        pool,
        user,
        sign_up_triggers.CONFIRM_SIGN_UP,
        client_id=None,
        client_metadata=client_metadata,
    )


def resend_confirmation_code(call: UserCall) -> dict[str, Any]:
    """ResendConfirmationCode (a simulated delivery for an unknown user, as Cognito's)."""
    pool, user = call.pool, call.named_user()
    if user is None and existence.prevents(call.client):
        auto_verified = pool.extended_config.get("AutoVerifiedAttributes") or []
        medium = "EMAIL" if "email" in auto_verified or not auto_verified else "SMS"
        return {"CodeDeliveryDetails": existence.masked(pool, None, call.username, medium)}
    if user is None:
        raise UserNotFoundError(USER_CLIENT_NOT_FOUND)
    if user.status is not UserStatus.UNCONFIRMED:
        raise InvalidParameterError("User is already confirmed.")
    details = codes.sign_up_delivery(pool, user)
    if details is None:
        raise InvalidParameterError("No auto-verified attribute to send a confirmation code to.")
    codes.send(pool, user, codes.SIGN_UP, "resend", occasion=call.occasion(RESEND_CODE))
    return {"CodeDeliveryDetails": details}


def confirm_sign_up(call: UserCall, code: str, session: str | None = None) -> dict[str, Any]:
    """ConfirmSignUp: the right code confirms the user (and the address it went to); the
    answer's Session signs the user in once through USER_AUTH (sign_up_sessions.py)."""
    user = call.code_user()
    if user.status is UserStatus.CONFIRMED:
        raise NotAuthorizedError("User cannot be confirmed. Current status is CONFIRMED")
    sign_up_sessions.check_before_confirming(call.pool, call.client, user, session)
    codes.check(call.pool, user, codes.SIGN_UP, code)
    user.status = UserStatus.CONFIRMED
    if "email" in (call.pool.extended_config.get("AutoVerifiedAttributes") or []) and (
        "email" in user.attribute_lookup
    ):  # the code went to the e-mail address: confirming it verifies the address
        user.update_attributes([{"Name": "email_verified", "Value": "true"}])
    call.confirmed(user, sign_up_triggers.CONFIRM_SIGN_UP)
    return {"Session": sign_up_sessions.confirmed(call.pool, call.client, user, session)}


def forgot_password(call: UserCall) -> dict[str, Any]:
    """ForgotPassword: a code to the outbox (simulated for an unknown user when prevented)."""
    user = call.named_user() or migration.on_forgot_password(call.pool, call.client, call.username)
    if user is None and not existence.prevents(call.client):
        raise UserNotFoundError(USER_CLIENT_NOT_FOUND)
    details = existence.delivery(call.pool, user, call.username)  # simulated if unknown
    if user is not None:
        occasion = call.occasion(FORGOT_PASSWORD)
        codes.send(call.pool, user, codes.FORGOT_PASSWORD, "forgot_password", occasion=occasion)
    return {"CodeDeliveryDetails": details}


def confirm_forgot_password(call: UserCall, code: str, new_password: str) -> None:
    """ConfirmForgotPassword: the right code and a password the policy accepts."""
    user = call.code_user()
    pool = call.pool
    moto_seam.validate_password(backend_of(pool), pool.id, new_password)
    codes.check(pool, user, codes.FORGOT_PASSWORD, code)
    user.password = new_password
    if user.status in (UserStatus.RESET_REQUIRED, UserStatus.FORCE_CHANGE_PASSWORD):
        user.status = UserStatus.CONFIRMED
    call.confirmed(user, sign_up_triggers.CONFIRM_FORGOT_PASSWORD)


def disabled(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> None:
    """AdminDisableUser revokes all of the user's tokens, as Cognito does (moto only set the
    flag, so a disabled user's access token went on working: its passkeys, its attributes)."""
    pool.sign_out(user.username)


def delete_user(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> None:
    """The signed-in user deletes itself; its tokens die with it."""
    pool.sign_out(user.username)
    backend_of(pool).admin_delete_user(pool.id, user.username)


# --- the caller's user and TOTP ------------------------------------------------------------


def token_user(
    token: str | None, session: str | None
) -> tuple[CognitoIdpUserPool, CognitoIdpUser, str | None]:
    """The user named by an access token or by an MFA_SETUP challenge's Session (no other)."""
    if token:
        for pool in all_pools():
            entry = pool.access_tokens.get(token)
            if entry is not None:
                user = moto_seam.get_user(pool, entry[1])
                if user is not None:
                    return pool, user, None
        raise NotAuthorizedError("Invalid Access Token")
    if session:
        for pool in all_pools():
            try:
                return pool, mfa.setup_session_user(pool, session), session
            except CognitoError:
                continue
        raise NotAuthorizedError(INVALID_SESSION)
    raise InvalidParameterError("AccessToken or Session is required")


def associate_software_token(
    pool: CognitoIdpUserPool, user: CognitoIdpUser, session: str | None
) -> dict[str, Any]:
    """AssociateSoftwareToken: a new TOTP secret (the MFA_SETUP session goes on)."""
    response = {"SecretCode": mfa.associate(pool, user)}
    if session is not None:
        response["Session"] = session
    return response


def verify_software_token(
    pool: CognitoIdpUserPool, user: CognitoIdpUser, session: str | None, code: str
) -> dict[str, Any]:
    """VerifySoftwareToken: a current TOTP code enrols the secret."""
    mfa.verify(pool, user, code)
    response = {"Status": "SUCCESS"}
    if session is not None:
        response["Session"] = session
    return response


# --- attributes ----------------------------------------------------------------------------


def update_user_attributes(
    pool: CognitoIdpUserPool,
    user: CognitoIdpUser,
    given: list[dict[str, str]],
    client_metadata: dict[str, str],
    *,
    admin: bool,
) -> list[dict[str, str]]:
    """(Admin)UpdateUserAttributes: the CodeDeliveryDetailsList of the codes sent."""
    return attributes.update(pool, user, given, admin=admin, client_metadata=client_metadata)


def admin_user(pool_id: str, username: str) -> tuple[CognitoIdpUserPool, CognitoIdpUser]:
    """The pool and user an Admin* operation names."""
    return attributes.admin_user(pool_id, username)


def attribute_verification_code(
    pool: CognitoIdpUserPool, user: CognitoIdpUser, name: str, metadata: dict[str, str]
) -> dict[str, Any]:
    """GetUserAttributeVerificationCode: where the code went."""
    sent = attributes.send_verification_code(pool, user, name, metadata)
    return {"CodeDeliveryDetails": sent}


def verify_user_attribute(
    pool: CognitoIdpUserPool, user: CognitoIdpUser, name: str, code: str
) -> None:
    """VerifyUserAttribute: the right code verifies the attribute."""
    attributes.verify(pool, user, name, code)
