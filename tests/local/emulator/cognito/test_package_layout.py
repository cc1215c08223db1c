"""The pool package laid out as a moto service: one exception class per Cognito error code,
and one URL table put over moto's (moto's own response class left as moto ships it)."""

from __future__ import annotations

import json

import pytest
from moto.cognitoidp import urls as moto_urls
from moto.cognitoidp.responses import CognitoIdpResponse

from local.emulator.server import addon
from local.emulator.server.cognito import exceptions, urls
from local.emulator.server.cognito.responses import LocalCognitoResponse

_NAMED = [
    value
    for _, value in sorted(vars(exceptions).items())
    if isinstance(value, type)
    and issubclass(value, exceptions.NamedCognitoError)
    and value is not exceptions.NamedCognitoError
]


@pytest.mark.parametrize("error_class", _NAMED, ids=[c.__name__ for c in _NAMED])
def test_given_a_named_error_when_serialized_then_it_is_cognito_s_json_with_its_code(
    error_class: type[exceptions.NamedCognitoError],
) -> None:
    """GIVEN one of the package's error classes WHEN raised with a message THEN it is a
    CognitoError whose type is its AWS code (…Exception), with Cognito's JSON body."""
    error = error_class("why it failed")
    assert isinstance(error, exceptions.CognitoError)
    assert error.error_type == error_class.error_code
    assert error.error_code.endswith("Exception")
    assert json.loads(error.get_body()) == {"__type": error.error_code, "message": "why it failed"}
    assert error.code == (500 if error_class is exceptions.InternalError else 400)


def test_given_a_code_error_without_a_message_then_it_says_what_cognito_says() -> None:
    """GIVEN the errors Cognito words the same everywhere WHEN raised without a message THEN
    the class's default is the message."""
    assert exceptions.CodeMismatchError().message == (
        "Invalid verification code provided, please try again."
    )
    assert exceptions.UserNotFoundError().message == "User does not exist."
    assert exceptions.UserNotConfirmedError().message == "User is not confirmed."


def test_given_the_add_on_installed_then_moto_routes_the_pool_through_the_package_s_table() -> None:
    """GIVEN the add-on installed (twice) WHEN moto's cognito-idp URL table is read THEN each
    of the package's routes is there, the JSON API answered by LocalCognitoResponse, and moto's
    CognitoIdpResponse has none of the package's handlers set on it."""
    addon.install()
    addon.install()
    for path, handler in urls.url_paths.items():
        assert moto_urls.url_paths[path] == handler
    assert moto_urls.url_paths["{0}/$"] == LocalCognitoResponse.dispatch
    for operation in ("call_action", "initiate_auth", "sign_up", "update_user_attributes"):
        assert getattr(CognitoIdpResponse, operation).__module__.startswith("moto."), operation


def test_given_local_cognito_response_then_its_helpers_shadow_nothing_of_moto() -> None:
    """GIVEN LocalCognitoResponse's own request readers (_param, _client, ...) WHEN compared with
    moto's CognitoIdpResponse THEN moto has none of those names (a moto upgrade adding one would
    be silently replaced)."""
    helpers = [n for n in vars(LocalCognitoResponse) if n.startswith("_") and n[1] != "_"]
    assert helpers
    assert [n for n in helpers if hasattr(CognitoIdpResponse, n)] == []
