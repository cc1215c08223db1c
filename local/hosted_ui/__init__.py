"""The user pool's hosted UI and OAuth endpoints, served locally on their own port.

On AWS the Cognito domain is its own host (`https://<prefix>.auth.<region>.amazoncognito.com`)
with the classic hosted UI (`/login`, `/signup`, `/logout`) and the OAuth endpoints
(`/oauth2/authorize`, `/oauth2/token`, `/oauth2/userInfo`). moto has none of them that work, so
this package serves them for the deployed pool: users and passwords live in moto's Cognito, and
every decision and token is the pool's (its OAuth endpoints on the local AWS endpoint,
reached through pool_oauth.py): the hosted UI shows pages, keeps cookies, signs nothing.
"""

from local.hosted_ui.app import HostedUi, build_hosted_ui

__all__ = ["HostedUi", "build_hosted_ui"]
