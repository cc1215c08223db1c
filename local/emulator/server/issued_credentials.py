"""Credentials this endpoint issued itself are as good as the run's, as on AWS.

The CDK CLI signs its first calls with the run's credentials, then assumes the bootstrap
roles (`sts:AssumeRole`) and signs the deploy with the role's temporary credentials, which
moto's STS made. Those, until they expire, and the access keys moto's IAM created
(`CreateAccessKey`), are what AWS would accept too. Only a caller holding valid credentials
can obtain more, so this widens nothing. Runs inside the server (it reads moto's backends).
"""

from __future__ import annotations

from moto.core.utils import utcnow
from moto.iam.models import iam_backends
from moto.sts.models import sts_backends

from local.runtime.credentials import RunCredentials


def issued(access_key_id: str) -> RunCredentials | None:
    """The live temporary (STS) or IAM credentials with this access key id, else None."""
    for account in list(sts_backends.values()):
        for backend in list(account.values()):
            role = backend.get_assumed_role_from_access_key(access_key_id)
            if role is not None and role.expiration > utcnow():
                return RunCredentials(
                    role.access_key_id, role.secret_access_key, role.session_token
                )
    for iam_account in list(iam_backends.values()):
        for iam in list(iam_account.values()):
            key = iam.access_keys.get(access_key_id)
            if key is not None and key.status == "Active" and not getattr(key, "role_arn", None):
                return RunCredentials(key.access_key_id, key.secret_access_key, "")
    return None
