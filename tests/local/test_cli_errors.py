"""`python -m local` on a user's mistakes: one clear line, a non-zero exit, nothing left running."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.local.conftest import local_cli, port_is_free
from tools.ports import free_port

pytestmark = pytest.mark.local


def _run(args: list[str], state_dir: Path) -> subprocess.CompletedProcess[str]:
    return local_cli(state_dir, *args)


def _browser_ports() -> list[str]:
    """Free ports for the hosted UI and the demo page (a developer's run may hold the defaults)."""
    return ["--auth-port", str(free_port()), "--demo-port", str(free_port())]


def test_taken_port_is_refused_with_the_option_to_change_it(tmp_path: Path) -> None:
    """GIVEN something listening on the chosen port WHEN `local up` starts THEN exit 2 with one
    line naming the port and --port, before anything is started."""
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        result = _run(
            ["up", "--port", str(port), "--aws-port", str(free_port()), *_browser_ports()], tmp_path
        )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: port {port} (local HTTP API) is already in use: stop what uses it or pass --port"
    )
    assert "Starting" not in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["up", "--port", "http"], "argument --port: 'http' is not a port number"),
        (["up", "--port", "70000"], "argument --port: port 70000 is outside 1-65535"),
        (["up", "--leeway", "-5"], "leeway must be 0-300 seconds"),
        (["up", "--workers", "0"], "workers must be 1-16"),
        (["up", "-c", "auth"], "error: -c takes KEY=VALUE, got 'auth'"),
        (["up", "-c", "stage=bogus"], "error: context 'stage' is 'bogus': use one of dev, prod"),
        (["up", "-c", "auth=okta", "-c", "auth=keycloak"], "error: context 'auth' is 'keycloak'"),
    ],
)
def test_bad_options_fail_with_a_clear_message(
    tmp_path: Path, args: list[str], message: str
) -> None:
    """GIVEN a malformed option (or a stage/auth context synth would refuse: the last -c of a
    key counts) WHEN `local up` runs THEN it exits 2 naming the problem, nothing started."""
    result = _run(args, tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_failed_deploy_shows_the_cli_message_and_stops_the_emulator(tmp_path: Path) -> None:
    """GIVEN a context only synth rejects (stage and auth the CLI checks itself, first) WHEN
    `local up` deploys THEN exit 1 with the CLI's own message (our one-line config error) and
    the local AWS endpoint is stopped again."""
    aws_port = free_port()
    ports = ["--port", str(free_port()), "--aws-port", str(aws_port), *_browser_ports()]
    result = _run(["up", *ports, "-c", "domainPrefix=Not_A_Prefix"], tmp_path)
    assert result.returncode == 1
    assert "`cdk synth` failed" in result.stderr  # before the bootstrap beside it is done
    assert "context 'domainPrefix' is 'Not_A_Prefix': use 1-63 lowercase" in result.stderr
    assert "Traceback" not in result.stderr
    assert port_is_free(aws_port)


def test_token_without_a_local_run_says_how_to_start_one(tmp_path: Path) -> None:
    """GIVEN no running `make local` WHEN `local token` runs THEN exit 2 with what to do."""
    result = _run(["token"], tmp_path)
    assert result.returncode == 2
    assert "no local run found: start `make local` in another terminal first" in result.stderr


def test_an_app_dir_without_cdk_json_is_refused(tmp_path: Path) -> None:
    """GIVEN --app-dir naming a folder with no cdk.json WHEN `local up` starts THEN exit 2
    with one line saying it is not a CDK app's folder, before anything is started."""
    result = _run(["up", "--app-dir", str(tmp_path), "--port", str(free_port())], tmp_path)
    assert result.returncode == 2
    assert f"{tmp_path} holds no cdk.json: it is not a CDK app's folder" in result.stderr
    assert "Starting" not in result.stdout


def test_an_app_dir_whose_cdk_json_is_not_json_is_refused(tmp_path: Path) -> None:
    """GIVEN --app-dir naming a folder whose cdk.json is not JSON WHEN `local up` starts THEN
    exit 2 with one line naming the file, no traceback, before anything is started."""
    (tmp_path / "cdk.json").write_text("{not json")
    result = _run(["up", "--app-dir", str(tmp_path), "--port", str(free_port())], tmp_path)
    assert result.returncode == 2
    assert f"{tmp_path / 'cdk.json'} is not readable JSON" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Starting" not in result.stdout


def test_watching_is_on_by_default_and_no_watch_turns_it_off() -> None:
    """GIVEN `local up`'s options WHEN parsed THEN it watches unless --no-watch (WATCH=0 in
    the Makefile) is given."""
    from local.cli import parse_args, run_options

    assert run_options(parse_args(["up"])).watch is True
    assert run_options(parse_args(["up", "--no-watch"])).watch is False


@pytest.mark.parametrize(("watch", "flag"), [("0", True), ("1", False), ("", False)])
def test_make_local_passes_no_watch_for_watch_0(watch: str, flag: bool) -> None:
    """GIVEN `make local WATCH=...` WHEN make prints what it runs (a dry run) THEN WATCH=0
    becomes --no-watch, and nothing else does."""
    args = ["make", "--no-print-directory", "-n", "local"] + ([f"WATCH={watch}"] if watch else [])
    printed = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    command = printed.strip().splitlines()[-1]
    assert "-m local up" in command
    assert ("--no-watch" in command) is flag
