"""The user pool's hosted UI and OAuth endpoints, served locally on their own port.

On AWS the Cognito domain is its own host (`https://<prefix>.auth.<region>.amazoncognito.com`)
with the classic hosted UI (`/login`, `/signup`, `/logout`) and the OAuth endpoints
(`/oauth2/authorize`, `/oauth2/token`, `/oauth2/userInfo`). moto has none of them that work, so
this package serves them for the deployed pool: users and passwords live in moto's Cognito, and
every decision and token is the pool's (its OAuth endpoints on the local AWS endpoint,
reached through pool_oauth.py): the hosted UI shows pages and keeps cookies; it holds no key
and mints no token.

Its files, one job each: `app` assembles the starlette app (routes, middleware, error answers)
from the endpoint modules: `sign_in` (authorize, login, the authorize-request check, sign-out),
`sign_in_choice` (managed login's choice-based sign-in: the first factor the pool enables, an
e-mailed or texted code, a passkey with the one same-origin script, `static/passkey.js`),
`passkey_add` (managed login's `/passkeys/add`: a signed-in user adds a passkey),
`sign_up` (signup, confirm, resend code), `password_reset`, `oauth_endpoints` (token, revoke,
userInfo, discovery), `logout` and `outbox_page` (local only). The pages are Jinja2 templates
in `templates/`, rendered with their security headers by `render`; `forms` reads forms and
checks CSRF; `sessions` keeps the session cookie (the pool's sign-in handle) and pending
sign-ups; `signing` signs every cookie and CSRF token (itsdangerous, a per-run secret).
`pool_oauth` (the pool's decisions and OAuth endpoints), `accounts`, `pool` and `cors` are what
the endpoints ask of the pool.
"""

from local.hosted_ui.app import HostedUi, build_hosted_ui

__all__ = ["HostedUi", "build_hosted_ui"]
