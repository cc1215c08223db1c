"""The local user pool as strict as Cognito: SRP that checks the password, refresh with
rotation, revocation, confirmation codes with an outbox, TOTP MFA, the OAuth and OIDC
endpoints (every grant, revoke, userInfo, discovery, JWKS, and the hosted UI's authorize
decisions), every token minted in one place, and JSON errors for what it does not implement.

Laid out as moto lays a service:
- models.py: the pool's own state, kept on moto's pool objects; cloudformation.py: the
  CloudFormation types for Cognito;
- responses.py: request parsing only (LocalCognitoResponse), handing each operation to
  backend.py, the rules, which call one module per flow: sign_in, srp, password, mfa, codes,
  attributes, existence, attempts, refresh, revocation, tokens; choice-based sign-in is
  user_auth (USER_AUTH), one_time_codes (EMAIL_OTP / SMS_OTP codes and their sessions),
  sign_up_sessions (ConfirmSignUp's Session) and email_mfa;
- minting.py: THE one path that mints tokens (claims, the pre token trigger of triggers.py,
  one signature with the pool's key from keys.py);
- exceptions.py: one class per Cognito error code;
- urls.py: the URL table; local_endpoints.py (outbox, JWKS, pool keys, discovery) and oauth.py
  (token, revoke, userInfo, authorize decisions: oauth_grants.py on Authlib's
  AuthorizationServer, oauth_endpoints.py, authorize.py, authorize_choice.py and
  authorize_passkey.py,
  client_credentials.py) serve the
  routes that are not JSON operations;
- install.py: `apply()` puts it into moto.
"""

from __future__ import annotations

from .install import apply

__all__ = ["apply"]
