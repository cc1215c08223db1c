"""tools.load against a real HTTP server on loopback: every mode sends the tokens it promises."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tools.load import LabelledToken, LoadError, LoadSpec, main, run_load, spec_to_json
from tools.ports import free_port


class _Recorder:
    """Answers 200 for tokens starting with 'ok', else 401; counts every token it saw (None:
    no Authorization header). Tokens starting with 'close' get `connection: close`."""

    def __init__(self) -> None:
        self.seen: Counter[str | None] = Counter()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        headers = dict(scope["headers"])
        value = headers.get(b"authorization")
        token = None if value is None else value.decode().removeprefix("Bearer ")
        self.seen[token] += 1
        status = 200 if token and token.startswith("ok") else 401
        extra = [(b"connection", b"close")] if token and token.startswith("close") else []
        await send({"type": "http.response.start", "status": status, "headers": extra})
        await send({"type": "http.response.body", "body": b"{}"})


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, _Recorder]]:
    app = _Recorder()
    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    runner = uvicorn.Server(config)
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    while not runner.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{config.port}/x", app
    runner.should_exit = True
    thread.join(timeout=10)


ROOT = Path(__file__).resolve().parents[2]


def _tokens(*names: str) -> list[LabelledToken]:
    return [LabelledToken("valid" if n.startswith("ok") else "bad", n) for n in names]


def test_cycle_mode_sends_the_mix_in_order_and_counts_per_label(
    server: tuple[str, _Recorder],
) -> None:
    """GIVEN tokens ok-a, bad-b, ok-c WHEN 30 requests cycle through them THEN each is sent
    10 times, labels count 20 x 200 and 10 x 401, and every request has a latency."""
    url, app = server
    app.seen.clear()
    spec = LoadSpec(url, _tokens("ok-a", "bad-b", "ok-c"), 30, 4, mode="cycle")
    result = asyncio.run(run_load(spec))
    assert app.seen == {"ok-a": 10, "bad-b": 10, "ok-c": 10}
    assert result.statuses == {"valid": {200: 20}, "bad": {401: 10}}
    assert (result.completed, result.transport_errors, result.timed_out) == (30, 0, False)
    assert result.requests_per_second > 0


def test_unique_mode_never_repeats_a_token_and_reused_mode_keeps_one_per_client(
    server: tuple[str, _Recorder],
) -> None:
    """GIVEN 25 tokens WHEN 5 warm-up + 20 requests run in unique mode THEN each token is sent
    exactly once; GIVEN 3 clients in reused mode THEN only the first 3 tokens are ever sent."""
    url, app = server
    names = [f"ok-{i}" for i in range(25)]
    app.seen.clear()
    asyncio.run(run_load(LoadSpec(url, _tokens(*names), 20, 3, mode="unique", warmup=5)))
    assert app.seen == dict.fromkeys(names, 1)
    app.seen.clear()
    asyncio.run(run_load(LoadSpec(url, _tokens(*names), 30, 3, mode="reused")))
    assert set(app.seen) == {"ok-0", "ok-1", "ok-2"}
    assert sum(app.seen.values()) == 30


def test_an_empty_token_sends_no_authorization_header(server: tuple[str, _Recorder]) -> None:
    """GIVEN a token label with an empty token WHEN 12 requests are sent THEN the server saw
    12 requests without an Authorization header (the authorizer's 401 path)."""
    url, app = server
    app.seen.clear()
    result = asyncio.run(run_load(LoadSpec(url, [LabelledToken("none", "")], 12, 1)))
    assert app.seen == {None: 12}
    assert result.statuses == {"none": {401: 12}}


def test_a_server_that_closes_each_connection_is_reconnected_to(
    server: tuple[str, _Recorder],
) -> None:
    """GIVEN a server answering `connection: close` WHEN 2 clients send 20 requests THEN every
    request is answered (each on a new connection), none counted as a transport error."""
    url, app = server
    app.seen.clear()
    spec = LoadSpec(url, [LabelledToken("c", "close-1"), LabelledToken("c", "close-2")], 20, 2)
    result = asyncio.run(run_load(spec))
    assert sum(app.seen.values()) == 20
    assert (result.completed, result.transport_errors) == (20, 0)
    assert result.statuses == {"c": {401: 20}}


def test_a_refused_connection_counts_as_a_transport_error() -> None:
    """GIVEN a loopback port nobody listens on WHEN 3 requests are sent THEN 3 transport
    errors, no latency recorded, no exception."""
    spec = LoadSpec(f"http://127.0.0.1:{free_port()}/x", [LabelledToken("t", "ok")], 3, 1)
    result = asyncio.run(run_load(spec))
    assert (result.completed, result.transport_errors) == (0, 3)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (LoadSpec("http://example.com/x", _tokens("ok"), 1, 1), "non-loopback host"),
        (LoadSpec("http://127.0.0.1:1/x", _tokens("ok"), 5, 1, mode="unique"), "needs 5"),
        (LoadSpec("http://127.0.0.1:1/x", _tokens("ok", "ok"), 1, 3), "needs 3 tokens"),
        (LoadSpec("http://127.0.0.1:1/x", _tokens("ok"), 0, 1), "at least 1"),
    ],
)
def test_loads_it_cannot_run_are_refused_before_sending(spec: LoadSpec, message: str) -> None:
    """GIVEN a remote host, too few tokens or a zero count WHEN run THEN LoadError, no request."""
    with pytest.raises(LoadError, match=message):
        asyncio.run(run_load(spec))


@pytest.mark.parametrize("loop", ["uvloop", "asyncio"])
def test_the_command_runs_a_load_on_either_loop_and_prints_its_result(
    server: tuple[str, _Recorder],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    loop: str,
) -> None:
    """GIVEN a spec file WHEN `python -m tools.load SPEC` runs on uvloop (the default) or
    asyncio THEN exit 0 and the printed JSON counts every answer."""
    url, app = server
    app.seen.clear()
    monkeypatch.setenv("LOAD_LOOP", loop)
    spec = LoadSpec(url, _tokens("ok-1", "ok-2"), 10, 2)
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec_to_json(spec)))
    assert main([str(path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["statuses"] == {"valid": {"200": 10}}
    assert sum(app.seen.values()) == 10


def test_a_result_over_64_kib_arrives_whole_through_a_non_blocking_pipe(
    server: tuple[str, _Recorder], tmp_path: Path
) -> None:
    """GIVEN `python -m tools.load` whose stdout is a non-blocking pipe (as uvloop leaves fd 1),
    read only after a pause WHEN its JSON result is over 64 KiB THEN the reader gets all of it
    (a plain print wrote 64 KiB, dropped the rest and still exited 0)."""
    url, _ = server
    spec = LoadSpec(url, _tokens("ok"), 4000, 1)
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec_to_json(spec)))
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    command = [sys.executable, "-m", "tools.load", str(path)]
    with subprocess.Popen(command, stdout=write_end, cwd=ROOT) as process:
        os.close(write_end)
        time.sleep(1.0)  # let the pipe fill before anyone reads
        with os.fdopen(read_end, "rb") as reader:
            output = reader.read()
        assert process.wait(timeout=120) == 0
    assert len(output) > 65536
    assert json.loads(output)["statuses"] == {"valid": {"200": 4000}}


@pytest.mark.parametrize("content", [None, "{not json", '{"url": "http://127.0.0.1:1/x"}', "[]"])
def test_an_unreadable_spec_file_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None
) -> None:
    """GIVEN a spec file that is missing, not JSON, lacks keys or is not an object WHEN
    `python -m tools.load` reads it THEN exit 2 with one line naming the file, no traceback."""
    spec = tmp_path / "spec.json"
    if content is not None:
        spec.write_text(content)
    assert main([str(spec)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: cannot read the load spec {spec}: ")
    assert "\n" not in err
