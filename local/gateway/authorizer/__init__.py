"""Local stand-in for API Gateway's HTTP API JWT authorizer (no AWS or CDK imports).

Typical wiring in the server::

    config = AuthorizerConfig(issuer=..., audiences=(...,), jwks_uri=...)
    authorizer = JwtAuthorizer(config, JwksCache.for_config(config))
    decision = authorizer.authorize(lowercased_headers, route_scopes)
"""

from .config import AuthorizerConfig
from .jwks import JwksCache, JwksUnavailableError, SigningKey
from .jwt_authorizer import AuthDecision, JwtAuthorizer, stringify_claims, token_scopes

__all__ = [
    "AuthDecision",
    "AuthorizerConfig",
    "JwksCache",
    "JwksUnavailableError",
    "JwtAuthorizer",
    "SigningKey",
    "stringify_claims",
    "token_scopes",
]
