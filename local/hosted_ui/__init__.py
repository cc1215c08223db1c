"""The user pool's hosted UI and OAuth endpoints, served locally on their own port.

On AWS the Cognito domain is its own host (`https://<prefix>.auth.<region>.amazoncognito.com`)
with the classic hosted UI (`/login`, `/signup`, `/logout`) and the OAuth endpoints
(`/oauth2/authorize`, `/oauth2/token`, `/oauth2/userInfo`). moto has none of them that work, so
this package serves them for the deployed pool: users and passwords live in moto's Cognito, and
tokens are moto's, signed with the pool's key.

Its files, one job each: `app` assembles the starlette app (routes, middleware, error answers)
from the endpoint modules: `sign_in` (authorize, login, the authorize-request check),
`sign_up` (signup, confirm, resend code), `password_reset`, `oauth_endpoints` (token, revoke,
userInfo, discovery), `logout` and `outbox_page` (local only). The pages are Jinja2 templates
in `templates/`, rendered with their security headers by `render`; `forms` reads forms and
checks CSRF; `sessions` holds sign-in sessions and pending sign-ups; `signing` signs every
cookie and CSRF token (itsdangerous, a per-run secret). `tokens`, `grants`, `revocation`,
`client_credentials`, `accounts`, `pool` and `cors` are what the endpoints ask of the pool.
"""

from local.hosted_ui.app import HostedUi, build_hosted_ui

__all__ = ["HostedUi", "build_hosted_ui"]
