"""Managed login's passkey page, `/passkeys/add?client_id=...&redirect_uri=...`: a browser
signed in on the hosted UI adds a passkey (the pool's creation options, the suite's software
authenticator, the pool's CompleteWebAuthnRegistration rules) and goes back to the app; the
passkey then signs in on the login page. Without a session, for an unregistered callback, or
with a registration for a foreign origin, sent twice or not JSON: the page's error, nothing
stored, never a redirect.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import httpx
import pytest

from tests.local.emulator.conftest import own_emulator
from tests.local.hosted_ui.choices import ChoiceAgent, ChoiceUi, new_user, served_choices
from tests.local.hosted_ui.oauth import page_error
from tests.local.webauthn_authenticator import Ceremony, SoftwareAuthenticator

emulator = pytest.fixture(scope="module", name="emulator")(own_emulator)
choices = pytest.fixture(scope="module", name="choices")(served_choices)


def _signed_in_agent(ui: ChoiceUi) -> tuple[ChoiceAgent, str]:
    """A browser signed in on the hosted UI (its session cookie) with the password."""
    agent = ui.agent()
    email = new_user(ui, agent)
    signed_in = agent.log_in(agent.params(), email)
    assert signed_in.status_code == 302, signed_in.text
    return agent, email


def _add_page(ui: ChoiceUi, agent: ChoiceAgent, **query: str) -> httpx.Response:
    params = {"client_id": ui.client_id, "redirect_uri": ui.redirect_uri} | query
    return agent.http.get("/passkeys/add", params=params)


def _creation_options(page: httpx.Response) -> dict[str, Any]:
    found = re.search(r'id=passkey-add-form data-options="([^"]*)"', page.text)
    assert found is not None, page.text
    options: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return options


def _register(
    ui: ChoiceUi, agent: ChoiceAgent, page: httpx.Response, credential: dict[str, Any]
) -> httpx.Response:
    params = {"client_id": ui.client_id, "redirect_uri": ui.redirect_uri}
    return agent.post_form("/passkeys/add", params, page.text, credential=json.dumps(credential))


def test_a_signed_in_user_adds_a_passkey_on_the_passkey_page_then_signs_in_with_it(
    choices: ChoiceUi,
) -> None:
    """GIVEN a browser signed in on the hosted UI WHEN it opens /passkeys/add for the client
    and its callback THEN the page carries the pool's creation options for this user (relying
    party localhost) and "Not now" goes back to the callback; the authenticator's registration
    posted back redirects to the callback, and the passkey then signs in on the login page."""
    agent, email = _signed_in_agent(choices)
    page = _add_page(choices, agent)
    assert page.status_code == 200, page.text
    assert page.headers["content-security-policy"].endswith("script-src 'self'")
    assert f'href="{choices.redirect_uri}" id=not-now' in page.text
    options = _creation_options(page)
    assert options["rp"]["id"] == "localhost"
    assert options["user"]["name"] == email
    key = SoftwareAuthenticator()
    created = key.register(options, Ceremony(origin=choices.base_url))
    added = _register(choices, agent, page, created)
    assert added.status_code == 302, added.text
    assert added.headers["location"] == choices.redirect_uri
    fresh = choices.agent()
    chosen = fresh.choose(fresh.params(), email, "WEB_AUTHN")
    request = re.search(r'id=passkey-form data-options="([^"]*)"', chosen.text)
    assert request is not None, chosen.text
    answer = key.assertion(html.unescape(request.group(1)), Ceremony(origin=choices.base_url))
    signed_in = fresh.post_form("/login/passkey", fresh.params(), chosen.text, credential=answer)
    assert signed_in.status_code == 302, signed_in.text


def test_the_passkey_page_needs_a_signed_in_session_and_a_registered_callback(
    choices: ChoiceUi,
) -> None:
    """GIVEN /passkeys/add WHEN opened without a hosted UI session, or for a redirect_uri the
    client has not registered THEN the error page (sign in first; redirect_mismatch), never a
    redirect and no options."""
    anonymous = _add_page(choices, choices.agent())
    assert anonymous.status_code == 400
    assert page_error(anonymous.text) == "Sign in first, then add a passkey."
    agent, _ = _signed_in_agent(choices)
    elsewhere = _add_page(choices, agent, redirect_uri="https://evil.example/cb")
    assert elsewhere.status_code == 400
    assert "redirect_mismatch" in page_error(elsewhere.text)
    assert "data-options" not in anonymous.text + elsewhere.text


@pytest.mark.parametrize("forge", ["foreign-origin", "sent-twice", "not-json"])
def test_a_bad_registration_is_refused_on_the_page_and_stores_nothing(
    choices: ChoiceUi, forge: str
) -> None:
    """GIVEN the passkey page WHEN the registration is made for a foreign origin, sent a second
    time, or is not JSON THEN the page again with the pool's message and no redirect; a
    refused passkey does not sign in (a user with none is offered the other ways)."""
    agent, email = _signed_in_agent(choices)
    page = _add_page(choices, agent)
    key = SoftwareAuthenticator()
    options = _creation_options(page)
    if forge == "not-json":
        params = {"client_id": choices.client_id, "redirect_uri": choices.redirect_uri}
        refused = agent.post_form("/passkeys/add", params, page.text, credential="{nope")
    else:
        origin = "https://evil.example" if forge == "foreign-origin" else choices.base_url
        created = key.register(options, Ceremony(origin=origin))
        if forge == "sent-twice":
            assert _register(choices, agent, page, created).status_code == 302
        refused = _register(choices, agent, page, created)
    assert refused.status_code == 400, refused.text
    assert "location" not in refused.headers
    assert page_error(refused.text)
    if forge != "sent-twice":
        other = choices.agent()
        offered = other.choose(other.params(), email, "WEB_AUTHN")
        assert "Choose another way to sign in" in offered.text
