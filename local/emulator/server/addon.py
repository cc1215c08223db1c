"""The moto add-on that lets the real CDK CLI bootstrap and deploy this app into moto.

`install()` must run in the process that serves moto, before the first CloudFormation
request: it registers CloudFormation types moto lacks (Cognito, API Gateway v2), adds the
apigatewayv2 GetAuthorizers call, patches change-set handling (cfn_patches), makes
Lambda's Code.Location downloadable (lambda_patches), and makes the user pool's API as strict
as Cognito's (cognito/): one token-minting path that runs the pool's pre token generation
trigger, and the pool's OAuth endpoints. Nothing here imports aws_cdk.
"""

from __future__ import annotations

from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel

from . import (
    apigwv2_models,
    cfn_patches,
    cognito,
    identity_pools,
    lambda_patches,
)
from .cognito import cloudformation as cognito_cloudformation

_installed = False


def added_models() -> tuple[type[CloudFormationModel], ...]:
    """The CloudFormation types this add-on contributes."""
    return cognito_cloudformation.MODELS + apigwv2_models.MODELS


def install() -> None:
    """Register the models and apply the patches; calling it again does nothing."""
    global _installed
    if _installed:
        return
    cfn_patches.apply()
    apigwv2_models.apply_patches()
    lambda_patches.apply()
    # the one minting path (with the pre token trigger), SRP, refresh/rotation, revocation,
    # codes + outbox, TOTP, JSON errors, and the pool's OAuth endpoints with discovery
    cognito.apply()
    identity_pools.apply()  # JSON errors for identity pools' unknown ids and missing operations
    # moto caches the type -> model map on first use (lru_cache over __subclasses__()):
    # drop it so the classes defined by the imports above are part of it.
    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
    model_map = parsing.get_model_map()
    missing = [
        m.cloudformation_type() for m in added_models() if m.cloudformation_type() not in model_map
    ]
    if missing:
        raise RuntimeError(f"moto did not register the add-on's CloudFormation types: {missing}")
    _installed = True
