"""The classic hosted UI's pages: login, sign-up, confirm, the local outbox and error, as plain
server-rendered HTML.

Field names follow Cognito's classic pages (`username`, `password`, `_csrf`). Every value is
escaped; the only style is one block whose hash the Content-Security-Policy allows.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem}"
    "label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.4rem;box-sizing:border-box}"
    "button{margin-top:1rem;padding:.5rem 1rem}.error{color:#b00020}.note{color:#555}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
# No scripts at all; forms post to this host, whose answer may redirect to a registered callback.
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; base-uri 'none'; frame-ancestors 'none'"
)


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def _error(message: str | None) -> str:
    return f"<p class=error role=alert id=error>{escape(message)}</p>" if message else ""


def _notice(message: str | None) -> str:
    return f"<p class=note role=status id=notice>{escape(message)}</p>" if message else ""


def _email_input(value: str, autocomplete: str) -> str:
    return (
        "<input id=username name=username type=email required"
        f' autocomplete={autocomplete} value="{escape(value)}">'
    )


def login_page(
    query: str,
    csrf: str,
    *,
    error: str | None = None,
    username: str = "",
    notice: str | None = None,
) -> str:
    return _page(
        "Sign in",
        _notice(notice) + _error(error) + f'<form method=post action="/login?{escape(query)}">'
        f'<input type=hidden name=_csrf value="{escape(csrf)}">'
        "<label for=username>Email</label>"
        + _email_input(username, "username")
        + "<label for=password>Password</label>"
        "<input id=password name=password type=password autocomplete=current-password required>"
        "<button type=submit name=signInSubmitButton>Sign in</button></form>"
        f'<p><a href="/forgotPassword?{escape(query)}">Forgot your password?</a></p>'
        f'<p>Need an account? <a href="/signup?{escape(query)}">Sign up</a></p>',
    )


def signup_page(
    query: str,
    csrf: str,
    policy: str,
    attributes: tuple[str, ...],
    *,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> str:
    values = values or {}
    extra = "".join(
        f'<label for="{escape(name)}">{escape(name)}</label>'
        f'<input id="{escape(name)}" name="{escape(name)}" required'
        f' value="{escape(values.get(name, ""))}">'
        for name in attributes
    )
    return _page(
        "Sign up",
        _error(error) + f'<form method=post action="/signup?{escape(query)}">'
        f'<input type=hidden name=_csrf value="{escape(csrf)}">'
        "<label for=username>Email</label>"
        + _email_input(values.get("username", ""), "username")
        + "<label for=password>Password</label>"
        "<input id=password name=password type=password autocomplete=new-password required>"
        f"<p class=note>Password: {escape(policy)}.</p>"
        + extra
        + "<button type=submit name=signUpButton>Sign up</button></form>"
        "<p class=note>Offline, no e-mail is sent: the confirmation code is in the"
        ' <a href="/_local/outbox">local outbox</a>.</p>'
        f'<p>Already have an account? <a href="/login?{escape(query)}">Sign in</a></p>',
    )


def confirm_page(
    query: str,
    csrf: str,
    username: str,
    *,
    error: str | None = None,
    notice: str | None = None,
) -> str:
    """Cognito's "confirm your account" step: the code the pool sent, or a new one."""
    hidden = f'<input type=hidden name=_csrf value="{escape(csrf)}">'
    return _page(
        "Confirm your account",
        _notice(notice or "We have sent a code by email. Enter it below to confirm your account.")
        + _error(error)
        + f'<form method=post action="/confirm?{escape(query)}">{hidden}'
        "<label for=username>Email</label>"
        + _email_input(username, "username")
        + "<label for=code>Verification code</label>"
        "<input id=code name=code inputmode=numeric autocomplete=one-time-code required>"
        "<button type=submit name=confirm>Confirm account</button></form>"
        f'<form method=post action="/resendcode?{escape(query)}">{hidden}'
        f'<input type=hidden name=username value="{escape(username)}">'
        "<button type=submit name=resend>Resend code</button></form>"
        '<p class=note>Offline, the code is in the <a href="/_local/outbox">local outbox</a>.</p>',
    )


def forgot_password_page(
    query: str, csrf: str, username: str = "", *, error: str | None = None
) -> str:
    """Cognito's "Forgot your password?": the pool sends a code to reset it."""
    return _page(
        "Forgot your password?",
        _notice("Enter your email and we will send a code to reset your password.")
        + _error(error)
        + f'<form method=post action="/forgotPassword?{escape(query)}">'
        f'<input type=hidden name=_csrf value="{escape(csrf)}">'
        "<label for=username>Email</label>"
        + _email_input(username, "username")
        + "<button type=submit name=reset_my_password>Reset my password</button></form>",
    )


def confirm_forgot_password_page(
    query: str,
    csrf: str,
    username: str,
    policy: str,
    *,
    error: str | None = None,
    notice: str | None = None,
) -> str:
    """The code the pool sent and the new password (ConfirmForgotPassword)."""
    return _page(
        "Reset your password",
        _notice(notice)
        + _error(error)
        + f'<form method=post action="/confirmForgotPassword?{escape(query)}">'
        f'<input type=hidden name=_csrf value="{escape(csrf)}">'
        "<label for=username>Email</label>"
        + _email_input(username, "username")
        + "<label for=code>Code</label>"
        "<input id=code name=code inputmode=numeric autocomplete=one-time-code required>"
        "<label for=password>New password</label>"
        "<input id=password name=password type=password autocomplete=new-password required>"
        f"<p class=note>Password: {escape(policy)}.</p>"
        "<button type=submit name=reset>Change password</button></form>"
        '<p class=note>Offline, the code is in the <a href="/_local/outbox">local outbox</a>.</p>',
    )


def outbox_page(rows: list[tuple[str, str, str, str, str]], *, error: str | None = None) -> str:
    """The codes the local pool sent: (sent, to, kind, code, expires), newest first."""
    cells = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    head = "".join(f"<th>{name}</th>" for name in ("sent", "to", "kind", "code", "expires"))
    table = f"<table id=outbox><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>"
    empty = "<p class=note>Nothing sent yet.</p>" if not rows and error is None else ""
    return _page(
        "Local outbox",
        _error(error)
        + "<p class=note>What the local user pool would have e-mailed (nothing leaves this"
        " machine). Reload for new messages.</p>" + table + empty,
    )


def error_page(message: str) -> str:
    return _page("An error was encountered with the requested page.", _error(message))
