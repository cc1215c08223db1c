"""`make local` prints the codes its user pool sends and the Cognito operations it does not
implement; `python -m local outbox` lists the codes."""

from __future__ import annotations

import time
import uuid

import pytest
from botocore.exceptions import ClientError

from local.emulator.caller.outbox import latest_code
from local.runtime.client import local_client
from tests.local.conftest import LocalRun, local_cli


def _wait_for_line(run: LocalRun, text: str, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in run.log_text().splitlines():
            if text in line:
                return line
        time.sleep(0.1)
    raise AssertionError(f"`local up` printed no line with {text!r}")


@pytest.fixture(scope="module")
def signed_up(local_run: LocalRun) -> str:
    email = f"notice-{uuid.uuid4().hex[:8]}@example.com"
    local_client("cognito-idp", local_run.endpoint_url).sign_up(
        ClientId=local_run.outputs.client_id,
        Username=email,
        Password="Notices-Are-Good-1!",
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    return email


def test_local_up_prints_each_code_as_it_is_sent(local_run: LocalRun, signed_up: str) -> None:
    """GIVEN the running `local up` WHEN a user signs up THEN its output gets one line with the
    code (the one in the outbox), the address and the kind."""
    code = latest_code(local_run.endpoint_url, signed_up)
    line = _wait_for_line(local_run, f"sent to {signed_up}")
    assert f"code {code} sent to {signed_up} (signup, pool {local_run.outputs.user_pool_id}" in line


def test_local_outbox_lists_the_codes(local_run: LocalRun, signed_up: str) -> None:
    """GIVEN a sent code WHEN `python -m local outbox --email ADDRESS` THEN it lists that code;
    an address nothing was sent to gets "no messages"."""
    code = latest_code(local_run.endpoint_url, signed_up)
    listed = local_cli(local_run.state_dir, "outbox", "--email", signed_up)
    assert listed.returncode == 0, listed.stderr
    assert f"code {code} sent to {signed_up} (signup" in listed.stdout
    nothing = local_cli(local_run.state_dir, "outbox", "--email", "nobody@example.com")
    assert nothing.returncode == 0
    assert nothing.stdout.strip() == "no messages to nobody@example.com"


def test_local_up_names_an_operation_the_pool_does_not_implement(local_run: LocalRun) -> None:
    """GIVEN the running `local up` WHEN an SDK calls a Cognito operation the local pool does
    not implement THEN the SDK gets UnsupportedOperationException and the output names it."""
    cognito = local_client("cognito-idp", local_run.endpoint_url)
    with pytest.raises(ClientError) as raised:
        cognito.admin_list_devices(UserPoolId=local_run.outputs.user_pool_id, Username="x")
    assert raised.value.response["Error"]["Code"] == "UnsupportedOperationException"
    _wait_for_line(local_run, "AdminListDevices is not implemented by the local user pool")
