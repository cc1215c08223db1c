"""Developing against `make local`: a saved edit reaches the running API without a restart.

One real `python -m local up` that watches a temporary copy of the app (never the working
tree), started from the default configuration's saved deployed state (the copy has the same
contents, so nothing is deployed at start). Each test edits the copy as an editor would, checks
what the run serves over real HTTP and what it printed, and puts the copy back as it found it.
All on one worker (xdist group "watch").
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from local.launcher import ROUTE_HANDLER, copy_app, start_local_up, with_route
from local.runtime.client import local_client
from stacks.contract import TUTORIAL_CALLBACK_URL
from tests.conftest import ROOT
from tests.local.conftest import local_cli
from tests.local.runs import LocalRun, SavedStates, deploy_environment, stop_cleanly
from tools.tls import shared_tls_context

pytestmark = [pytest.mark.local, pytest.mark.xdist_group("watch")]

PROFILE = "/user/profile"
SETTINGS = "/user/settings"
GET_PROFILE = Path("lambdas/profile_api/get_profile.py")
API_STACK = Path("stacks/api_stack.py")
SETTINGS_HANDLER = Path("lambdas/profile_api/settings.py")
KEPT = "kept: the app is unchanged, not deployed again"
# What a reload prints when it is over, whatever it did.
SETTLED = re.compile(
    r"^  (reloaded in .*|redeployed in .*|= the app is back.*|! the app did not deploy.*)$",
    re.M,
)


@dataclass
class WatchedRun:
    """The watching run, the app copy it watches, and a signed-in user's token."""

    run: LocalRun
    app: Path
    token: str

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def mark(self) -> int:
        return len(self.run.log_text())

    def wait_for(self, pattern: str | re.Pattern[str], since: int, timeout: float = 30) -> str:
        """The run's output after `since` once it matches `pattern` (fails with its tail)."""
        regex = re.compile(pattern, re.M) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.run.log_text()[since:]
            if regex.search(text):
                return text
            time.sleep(0.05)
        raise AssertionError(f"no {regex.pattern!r} within {timeout} s:\n{text[-3000:]}")

    def save(self, relative: Path, text: str) -> int:
        """Save a file of the copy; the log offset from before the save."""
        since = self.mark()
        (self.app / relative).write_text(text)
        return since

    @contextmanager
    def edited(self, relative: Path, change: Callable[[str], str]) -> Iterator[int]:
        """The file changed for the body; then put back, and the reload that follows awaited."""
        original = (self.app / relative).read_text()
        since = self.save(relative, change(original))
        try:
            yield since
        finally:
            settled = self.save(relative, original)
            self.wait_for(SETTLED, settled, timeout=60)

    def signup_page(self) -> str:
        """The hosted UI's sign-up page for the app client, as a browser gets it."""
        outputs = self.run.outputs
        query = {
            "client_id": outputs.client_id or "",
            "response_type": "token",
            "scope": "openid",
            "redirect_uri": TUTORIAL_CALLBACK_URL,  # registered whatever the run's demo port
        }
        page = httpx.get(f"{self.run.auth_url}/signup", params=query, timeout=10)
        assert page.status_code == 200, page.text[:500]
        return page.text

    def get(self, path: str, **headers: str) -> httpx.Response:
        return httpx.get(f"{self.run.base_url}{path}", headers=headers, timeout=10)


@pytest.fixture(scope="module")
def watched(
    saved_states: SavedStates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WatchedRun]:
    workdir = tmp_path_factory.mktemp("watch")
    app = copy_app(workdir / "app")
    run = saved_states.start((), workdir / "run", app_dir=app, watch=True)
    try:
        result = local_cli(run.state_dir, "token", timeout=60)
        assert result.returncode == 0, result.stderr
        token = next(
            line.split("=", 1)[1]
            for line in result.stdout.splitlines()
            if line.startswith("ID_TOKEN=")
        )
        holder = WatchedRun(run, app, token)
        yield holder
    finally:
        stop_cleanly(holder.run if "holder" in locals() else run)


def with_marker(marker: str) -> Callable[[str], str]:
    """GET /user/profile's handler, answering one more field: which edit it runs."""

    def change(source: str) -> str:
        edited = source.replace('"profile": profile}', f'"profile": profile, "edit": "{marker}"}}')
        assert edited != source, "get_profile.py no longer ends its answer as this test expects"
        return edited

    return change


@dataclass
class RequestLoop:
    """Requests sent one after another from two threads while an edit is saved."""

    url: str
    headers: dict[str, str]
    answers: list[tuple[int, str | None]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def _send(self) -> None:
        with httpx.Client(timeout=10, verify=shared_tls_context()) as client:
            while not self.stop.is_set():
                try:
                    response = client.get(self.url, headers=self.headers)
                except httpx.HTTPError as error:  # a reset connection is a failed request
                    self.answers.append((0, type(error).__name__))
                    continue
                edit = response.json().get("edit") if response.status_code == 200 else None
                self.answers.append((response.status_code, edit))

    @contextmanager
    def running(self) -> Iterator[RequestLoop]:
        threads = [threading.Thread(target=self._send) for _ in range(2)]
        for thread in threads:
            thread.start()
        try:
            yield self
        finally:
            self.stop.set()
            for thread in threads:
                thread.join(timeout=15)

    def wait_for_edit(self, marker: str, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while not any(edit == marker for _, edit in self.answers):
            assert time.monotonic() < deadline, f"never served {marker}: {self.answers[-5:]}"
            time.sleep(0.02)


def test_a_saved_handler_serves_the_next_requests_without_a_deploy_and_none_fails(
    watched: WatchedRun,
) -> None:
    """GIVEN two clients sending requests one after another WHEN a handler is saved THEN
    the requests after the save run the new code (a hot reload: no `cdk deploy`), and not one
    request fails or is reset while the workers are replaced."""
    loop = RequestLoop(f"{watched.run.base_url}{PROFILE}", watched.bearer)
    with loop.running():
        time.sleep(0.3)  # requests on the old code first
        with watched.edited(GET_PROFILE, with_marker("hot-1")) as since:
            loop.wait_for_edit("hot-1")
            time.sleep(0.3)  # and on the new code after
            log = watched.wait_for(r"^  reloaded in [\d.]+ s \(hot, no deploy\)", since)
    statuses = {status for status, _ in loop.answers}
    assert statuses == {200}, f"a request failed during the reload: {statuses}"
    edits = [edit for _, edit in loop.answers]
    assert edits[0] is None, "the loop began on the old code"
    assert "~ GetProfileInfo code" in log
    assert "redeploying" not in log, "a code edit must not run the CDK CLI"


@pytest.mark.parametrize(
    ("breakage", "error_type"),
    [
        ("\ndef broken(:\n", "Runtime.UserCodeSyntaxError"),
        ("\nimport no_such_module_for_this_test\n", "Runtime.ImportModuleError"),
    ],
)
def test_a_handler_that_no_longer_imports_answers_500_and_the_next_good_save_recovers(
    watched: WatchedRun, breakage: str, error_type: str
) -> None:
    """GIVEN a handler saved with a syntax error or a missing import WHEN it is called THEN
    it answers AWS's 500, the terminal names the file and line once, the function's log has
    the runtime's error type; the run goes on, and the next good save serves again."""
    with watched.edited(GET_PROFILE, lambda source: source + breakage) as since:
        log = watched.wait_for(r"^  reloaded in", since)
        responses = [watched.get(PROFILE, **watched.bearer) for _ in range(3)]
        assert [r.status_code for r in responses] == [500, 500, 500]
        assert responses[0].json() == {"message": "Internal Server Error"}
        assert watched.get(PROFILE).status_code == 401, "the authorizer still runs first"
        log = watched.wait_for(rf"\[ERROR\] {error_type}: ", since)
        named = re.findall(rf"^  ! GetProfileInfo: {GET_PROFILE}:\d+: {error_type}", log, re.M)
        assert len(named) == 1, log[-2000:]
        assert "Traceback" not in log
    recovered = watched.get(PROFILE, **watched.bearer)
    assert recovered.status_code == 200, recovered.text


AUTH_STACK = Path("stacks/auth_stack.py")


def longer_passwords(source: str) -> str:
    edited = source.replace("min_length=12,", "min_length=14,", 1)
    assert edited != source, "auth_stack.py changed: update this test's edit"
    return edited


def test_a_route_added_to_the_stack_is_deployed_behind_the_authorizer_and_removed_again(
    watched: WatchedRun,
) -> None:
    """GIVEN a new handler WHEN ApiStack gains a route to it and AuthStack a longer password
    policy, saved together THEN one redeploy (the CDK CLI) serves the route behind the
    authorizer (401 without a token, 200 with one) and the hosted UI asks for the new policy;
    WHEN both are put back THEN the route answers 404 and the policy is the old one."""
    assert watched.get(SETTINGS, **watched.bearer).status_code == 404
    watched.save(SETTINGS_HANDLER, ROUTE_HANDLER)
    originals = {p: (watched.app / p).read_text() for p in (API_STACK, AUTH_STACK)}
    try:
        since = watched.mark()
        (watched.app / API_STACK).write_text(
            with_route(originals[API_STACK], SETTINGS, "GetSettings", "settings")
        )
        (watched.app / AUTH_STACK).write_text(longer_passwords(originals[AUTH_STACK]))
        log = watched.wait_for(r"^  redeployed in [\d.]+ s: .*\+ GET /user/settings", since, 90)
        assert len(re.findall(r"^  redeployed in", log, re.M)) == 1, "two saves: one redeploy"
        assert "~ hosted UI and demo page (the user pool changed)" in log
        assert "at least 14 characters" in watched.signup_page()
        assert watched.get(SETTINGS).status_code == 401
        served = watched.get(SETTINGS, **watched.bearer)
        assert served.status_code == 200, served.text
        assert served.json()["settings"] == {}
        assert watched.get(PROFILE, **watched.bearer).status_code == 200
    finally:
        since = watched.mark()
        for path, text in originals.items():
            (watched.app / path).write_text(text)
        (watched.app / SETTINGS_HANDLER).unlink()
        log = watched.wait_for(r"^  redeployed in [\d.]+ s: .*- GET /user/settings", since, 90)
    assert "Traceback" not in log
    assert watched.get(SETTINGS, **watched.bearer).status_code == 404
    assert "at least 12 characters" in watched.signup_page()


def test_a_stack_that_no_longer_synthesizes_leaves_the_last_deployment_serving(
    watched: WatchedRun,
) -> None:
    """GIVEN ApiStack saved with a syntax error WHEN the run tries to deploy it THEN the last
    good deployment still serves, the CDK CLI's error shows in a few lines with no traceback;
    WHEN the file is put back THEN the run says so and deploys nothing."""

    def broken(source: str) -> str:
        return source.replace("self._route(", "self._route((", 1)

    with watched.edited(API_STACK, broken) as since:
        log = watched.wait_for(r"^  ! the app did not deploy", since, 60)
        block = log[log.index("! the app did not deploy") :]
        assert "SyntaxError" in block
        assert f"{API_STACK}" in block
        assert "Traceback" not in block
        assert len(block.strip().splitlines()) <= 8, block
        assert watched.get(PROFILE, **watched.bearer).status_code == 200
        since = watched.mark()
    assert "= the app is back to what serves" in watched.run.log_text()[since:]
    assert watched.get(PROFILE, **watched.bearer).status_code == 200


def _deployed_files(watched: WatchedRun, function: str) -> dict[str, bytes]:
    """The files of the package the local endpoint holds for the function (GetFunction)."""
    lambda_client = local_client("lambda", watched.run.endpoint_url)
    names = [f["FunctionName"] for f in lambda_client.list_functions()["Functions"]]
    name = next(n for n in names if function in n)
    location = lambda_client.get_function(FunctionName=name)["Code"]["Location"]
    package = httpx.get(location, timeout=30).content
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {n: archive.read(n) for n in archive.namelist() if not n.endswith("/")}


def _synthesized_files(app: Path, outdir: Path, logical_prefix: str) -> dict[str, bytes]:
    """The files the CDK CLI's `cdk deploy` of this tree would upload for the function: its
    code asset as `cdk synth` stages it."""
    env = deploy_environment()
    env["PATH"] = f"{ROOT / 'node_modules' / '.bin'}:{ROOT / '.venv' / 'bin'}:{env['PATH']}"
    subprocess.run(
        ["cdk", "synth", "--quiet", "--output", str(outdir)],
        cwd=app,
        env=env,
        check=True,
        capture_output=True,
        timeout=180,
    )
    template: dict[str, Any] = json.loads((outdir / "JwtProfileApiDev.template.json").read_text())
    resource = next(
        r
        for logical, r in template["Resources"].items()
        if logical.startswith(logical_prefix) and r["Type"] == "AWS::Lambda::Function"
    )
    staged = outdir / resource["Metadata"]["aws:asset:path"]
    return {
        p.relative_to(staged).as_posix(): p.read_bytes() for p in staged.rglob("*") if p.is_file()
    }


def test_the_code_a_hot_reload_sends_is_what_a_full_deploy_of_the_tree_uploads(
    watched: WatchedRun, tmp_path: Path
) -> None:
    """GIVEN a handler edit hot-reloaded WHEN its package is read back from the local
    endpoint (GetFunction) THEN it holds the same files, byte for byte, as the code asset the
    CDK CLI stages for `cdk deploy` of the same tree."""
    with watched.edited(GET_PROFILE, with_marker("same-files")) as since:
        watched.wait_for(r"^  reloaded in", since)
        hot = _deployed_files(watched, "GetProfileInfo")
        full = _synthesized_files(watched.app, tmp_path / "cdk.out", "GetProfileInfo")
    assert b'"edit": "same-files"' in hot["profile_api/get_profile.py"]
    assert sorted(hot) == sorted(full)
    assert hot == full


def test_a_restart_after_a_hot_reload_serves_the_same_code_and_deploys_nothing(
    watched: WatchedRun,
) -> None:
    """GIVEN a hot-reloaded handler WHEN `make local` is stopped and started again THEN the
    kept state already describes the tree: nothing is deployed, the edited code serves."""
    with watched.edited(GET_PROFILE, with_marker("kept-after-restart")) as since:
        watched.wait_for(r"^  reloaded in", since)
        run = watched.run
        args = [str(a) for a in run.process.args]  # type: ignore[union-attr]
        context = [arg for i, arg in enumerate(args) if i and args[i - 1] == "-c"]
        stop_cleanly(run)
        log_path = run.log_path.with_name("restarted.log")
        restarted = start_local_up(
            run.state_dir,
            log_path,
            extra_args=[arg for pair in context for arg in ("-c", pair)],  # as it was started
            env=deploy_environment(),
            demo_port=run.demo_port,
            app_dir=watched.app,
            watch=True,
        )
        watched.run = LocalRun(**vars(restarted))
        assert KEPT in watched.run.log_text(), watched.run.log_text()[-2000:]
        served = watched.get(PROFILE, **watched.bearer)
        assert served.json().get("edit") == "kept-after-restart"


PRE_TOKEN = Path("lambdas/pre_token/handler.py")


def with_claim(value: str) -> Callable[[str], str]:
    """The pool's pre token trigger, adding one claim to every ID token it shapes."""

    def change(source: str) -> str:
        return source + (
            "\n\n_shape_scopes = handler\n\n\n"
            "def handler(event, context):\n"
            "    event = _shape_scopes(event, context)\n"
            '    response = event.get("response") or {}\n'
            '    details = response.get("claimsAndScopeOverrideDetails") or {}\n'
            f'    details["idTokenGeneration"] = {{"claimsToAddOrOverride": {{"reloaded": "{value}"}}}}\n'  # noqa: E501
            '    response["claimsAndScopeOverrideDetails"] = details\n'
            '    event["response"] = response\n'
            "    return event\n"
        )

    return change


def test_a_saved_pool_trigger_shapes_the_next_sign_in_without_a_deploy(
    watched: WatchedRun,
) -> None:
    """GIVEN the pool's pre token generation trigger saved with a new claim WHEN a user signs
    in next (`make token`) THEN the ID token carries it: the pool runs the hot-reloaded code,
    as it runs every deployed function, with no deploy."""
    with watched.edited(PRE_TOKEN, with_claim("trigger-1")) as since:
        log = watched.wait_for(r"^  reloaded in [\d.]+ s \(hot, no deploy\)", since)
        assert "~ PreTokenGeneration code" in log
        result = local_cli(watched.run.state_dir, "token", timeout=60)
        assert result.returncode == 0, result.stderr
        token = next(
            line.split("=", 1)[1]
            for line in result.stdout.splitlines()
            if line.startswith("ID_TOKEN=")
        )
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims.get("reloaded") == "trigger-1"


def test_a_context_that_switches_the_issuer_asks_for_a_restart_and_deploys_nothing(
    watched: WatchedRun,
) -> None:
    """GIVEN cdk.json's context switched from auth=cognito to auth=auth0 while the run serves
    WHEN saved THEN the run says a restart switches it and deploys nothing (it serves one issuer
    with what it started for it); WHEN put back THEN it says the app is back."""

    def to_auth0(source: str) -> str:
        edited = source.replace('"auth": "cognito"', '"auth": "auth0"', 1)
        assert edited != source, "cdk.json changed: update this test's edit"
        return edited

    with watched.edited(Path("cdk.json"), to_auth0) as since:
        log = watched.wait_for(r"^  ! cdk.json's context now says stage=dev auth=auth0", since)
        assert "restart `make local` to switch" in log
        assert "redeploying" not in log
        assert watched.get(PROFILE, **watched.bearer).status_code == 200
        since = watched.mark()
    watched.wait_for(r"^  = the app is back to what serves", since)
