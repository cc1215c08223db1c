"""The emulator's kept state: what a restart keeps, what a hard kill loses, what is refused.

Real emulator processes on free ports with their own state folders (boto3 over HTTP), plus the
snapshot pickler on the objects plain pickle refuses.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import weakref
from collections import OrderedDict, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from local.emulator.caller import EmulatorProcess
from local.emulator.server import snapshot_file as kept
from local.emulator.wire import SNAPSHOT_NAME
from local.runtime.client import local_client
from tests.conftest import ROOT
from tests.local.conftest import port_is_free
from tools.ports import free_port

PASSWORD = "Correct-Horse-9-battery"


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "aws"


def _start(state_dir: Path, port: int | None = None, interval: float = 1.0) -> EmulatorProcess:
    return EmulatorProcess(
        port or free_port(), state_dir=state_dir, save_interval=interval, parent_pid=os.getpid()
    ).start()


@pytest.fixture
def emulator(state_dir: Path) -> Iterator[EmulatorProcess]:
    process = _start(state_dir)
    try:
        yield process
    finally:
        process.stop()


def _seed(endpoint_url: str) -> dict[str, str]:
    """A table with an item, a pool with a signed-in user: what a developer builds up."""
    dynamodb = local_client("dynamodb", endpoint_url)
    dynamodb.create_table(
        TableName="profiles",
        KeySchema=[{"AttributeName": "sub", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "sub", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(TableName="profiles", Item={"sub": {"S": "a"}, "name": {"S": "Ann"}})
    idp = local_client("cognito-idp", endpoint_url)
    pool_id = idp.create_user_pool(PoolName="pool")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="ann@example.com")
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username="ann@example.com", Password=PASSWORD, Permanent=True
    )
    tokens = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ann@example.com", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return {"pool_id": pool_id, "client_id": client_id, "access_token": tokens["AccessToken"]}


def _name_of(endpoint_url: str, sub: str) -> str | None:
    item = local_client("dynamodb", endpoint_url).get_item(
        TableName="profiles", Key={"sub": {"S": sub}}
    )
    name = item.get("Item", {}).get("name", {}).get("S")
    return None if name is None else str(name)


def test_a_clean_restart_keeps_items_users_ids_and_issued_tokens(
    emulator: EmulatorProcess, state_dir: Path
) -> None:
    """GIVEN a table item and a signed-in user WHEN the endpoint stops cleanly and starts again
    THEN the item, the pool and client ids, the user and its access token are all still there,
    and the new process says which file it loaded."""
    seeded = _seed(emulator.endpoint_url)
    emulator.stop()
    again = _start(state_dir, emulator.port)
    try:
        assert _name_of(again.endpoint_url, "a") == "Ann"
        idp = local_client("cognito-idp", again.endpoint_url)
        clients = idp.list_user_pool_clients(UserPoolId=seeded["pool_id"], MaxResults=10)
        assert [c["ClientId"] for c in clients["UserPoolClients"]] == [seeded["client_id"]]
        user = idp.get_user(AccessToken=seeded["access_token"])  # the token from before
        assert user["Username"] == "ann@example.com"
        assert len(again.notices) == 1
        assert again.notices[0].startswith(f"loaded {state_dir / SNAPSHOT_NAME} (saved at ")
        assert again.state_status()["loaded"] is True
    finally:
        again.stop()


def test_a_hard_kill_loses_at_most_the_save_interval(
    emulator: EmulatorProcess, state_dir: Path
) -> None:
    """GIVEN a write made more than one save interval (1 s) before a SIGKILL
    WHEN a new endpoint starts from the folder THEN the write is there: a hard kill loses at
    most the changes of the last interval."""
    _seed(emulator.endpoint_url)
    local_client("dynamodb", emulator.endpoint_url).put_item(
        TableName="profiles", Item={"sub": {"S": "b"}, "name": {"S": "Bea"}}
    )
    time.sleep(emulator.save_interval + 0.5)
    assert emulator.pid is not None
    os.kill(emulator.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while emulator.exit_code() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert emulator.exit_code() == -signal.SIGKILL
    again = emulator.restart()
    assert _name_of(again.endpoint_url, "b") == "Bea"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x00garbage", "it is not a saved local AWS state"),
        (kept.MAGIC + b"{not json\n", "its header is unreadable"),
    ],
)
def test_a_corrupt_snapshot_is_moved_aside_with_one_line_and_the_endpoint_starts_empty(
    state_dir: Path, content: bytes, reason: str
) -> None:
    """GIVEN a state folder whose snapshot is not one WHEN the endpoint starts THEN it says so
    in one line, the folder is moved aside untouched, and the endpoint serves an empty
    account (and keeps its new state in a new folder)."""
    state_dir.mkdir()
    (state_dir / SNAPSHOT_NAME).write_bytes(content)
    emulator = _start(state_dir)
    try:
        [notice] = emulator.notices
        [aside] = state_dir.parent.glob("aws.unusable-*")
        assert notice == (
            f"{state_dir} could not be used ({reason}): moved to {aside}, starting empty"
        )
        assert (aside / SNAPSHOT_NAME).read_bytes() == content
        assert local_client("dynamodb", emulator.endpoint_url).list_tables()["TableNames"] == []
    finally:
        emulator.stop()
    assert (state_dir / SNAPSHOT_NAME).is_file()  # the empty account, kept anew


def test_a_snapshot_of_another_version_or_cut_short_is_never_half_loaded(
    emulator: EmulatorProcess, state_dir: Path
) -> None:
    """GIVEN a real snapshot WHEN its header names another moto version, or its pickle is cut
    short THEN the endpoint says which, moves it aside and starts with nothing of it loaded."""
    _seed(emulator.endpoint_url)
    emulator.stop()
    data = (state_dir / SNAPSHOT_NAME).read_bytes()
    header_line, _, payload = data[len(kept.MAGIC) :].partition(b"\n")
    header = json.loads(header_line)
    other = dict(header, moto="4.0.0")
    cases = {
        f"it was saved by another version (moto 4.0.0 -> {header['moto']})": (
            kept.MAGIC + json.dumps(other, sort_keys=True).encode() + b"\n" + payload
        ),
        "it does not load (": data[: len(data) * 2 // 3],
    }
    for reason, content in cases.items():
        state_dir.mkdir(exist_ok=True)
        (state_dir / SNAPSHOT_NAME).write_bytes(content)
        again = _start(state_dir, emulator.port)
        try:
            [notice] = again.notices
            assert reason in notice
            assert "moved to" in notice
            assert local_client("dynamodb", again.endpoint_url).list_tables()["TableNames"] == []
            assert (
                local_client("cognito-idp", again.endpoint_url).list_user_pools(MaxResults=10)[
                    "UserPools"
                ]
                == []
            )
        finally:
            again.stop()
        for folder in state_dir.parent.glob("aws.unusable-*"):
            folder.rename(folder.with_name(f"seen-{time.monotonic_ns()}"))


def test_metadata_recorded_by_the_run_is_saved_with_the_state(
    emulator: EmulatorProcess, state_dir: Path
) -> None:
    """GIVEN the run records what it deployed WHEN the endpoint restarts THEN the record comes
    back with the state it describes (one file: they cannot disagree)."""
    emulator.record({"deployment": {"fingerprint": "abc", "stacks": ["S"]}})
    emulator.stop()
    again = _start(state_dir, emulator.port)
    try:
        metadata = again.state_status()["metadata"]
        assert metadata == {"deployment": {"fingerprint": "abc", "stacks": ["S"]}}
    finally:
        again.stop()


# --- the pickler, on what plain pickle refuses -------------------------------------------


class _NeedsArguments(defaultdict[str, list[int]]):
    def __init__(self, account: str) -> None:
        super().__init__(list)
        self.account = account


def _round_trip(value: Any) -> Any:
    data = kept.dumps(kept.Snapshot(backends={}, metadata={"value": value}))
    return kept.loads(data).metadata["value"]


def test_keys_locks_weak_maps_local_factories_and_dict_subclasses_round_trip() -> None:
    """GIVEN the objects moto's backends hold that plain pickle refuses WHEN a snapshot is
    written and read THEN each comes back usable: the same RSA key, a fresh unlocked lock,
    the weak map's items, a working lambda factory, a dict subclass with its attributes."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    weak: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()
    strong = {"kept": _Holder()}
    weak["kept"] = strong["kept"]
    factory_dict: defaultdict[str, defaultdict[str, dict[str, str]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    factory_dict["a"]["b"]["c"] = "d"
    subclass = _NeedsArguments("123")
    subclass["x"].append(1)
    lock = threading.Lock()
    lock.acquire()
    value = {
        "key": key,
        "public": key.public_key(),
        "lock": lock,
        "rlock": threading.RLock(),
        "weak": (strong, weak),
        "factory": factory_dict,
        "subclass": subclass,
        "ordered": OrderedDict(a=1),
    }
    back = _round_trip(value)
    assert back["key"].private_numbers() == key.private_numbers()
    assert back["public"].public_numbers() == key.public_key().public_numbers()
    assert back["lock"].acquire(blocking=False)
    assert back["rlock"].acquire(blocking=False)
    strong_back, weak_back = back["weak"]
    assert weak_back["kept"] is strong_back["kept"]
    assert back["factory"]["a"]["b"] == {"c": "d"}
    assert back["factory"]["new"]["x"] == {}  # the factory still works
    assert back["subclass"]["x"] == [1]
    assert back["subclass"].account == "123"
    assert back["subclass"]["y"] == []
    assert back["ordered"] == OrderedDict(a=1)


class _Holder:
    pass


def test_a_function_with_a_closure_fails_the_save_by_name() -> None:
    """GIVEN a local function that closes over a variable (its code alone is not all of it)
    WHEN a snapshot is written THEN the save fails naming it, rather than load it wrong."""
    captured = 3
    value: defaultdict[str, int] = defaultdict(lambda: captured)
    with pytest.raises(kept.SnapshotError, match="cannot save the function"):
        kept.dumps(kept.Snapshot(backends={}, metadata={"value": value}))


def test_an_atomic_write_replaces_the_file_and_leaves_no_partial(tmp_path: Path) -> None:
    """GIVEN an existing snapshot WHEN a new one is written THEN the file holds the new bytes
    and no temporary file remains (a crash before the rename leaves the old one)."""
    path = tmp_path / "aws" / SNAPSHOT_NAME
    kept.write_atomically(path, b"old")
    kept.write_atomically(path, b"new")
    assert path.read_bytes() == b"new"
    assert sorted(p.name for p in path.parent.iterdir()) == [SNAPSHOT_NAME]


_ORPHANING_PARENT = """
import os, sys, time
from pathlib import Path
from local.emulator.caller import EmulatorProcess
from local.runtime.client import local_client
emulator = EmulatorProcess(int(sys.argv[1]), state_dir=Path(sys.argv[2]), parent_pid=os.getpid())
emulator.start()
local_client("dynamodb", emulator.endpoint_url).create_table(
    TableName="orphan",
    KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
    AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
    BillingMode="PAY_PER_REQUEST",
)
print(emulator.pid, flush=True)
time.sleep(600)
"""


def test_an_endpoint_whose_run_died_saves_and_stops_freeing_its_port(state_dir: Path) -> None:
    """GIVEN an endpoint started by a run (its own session, so Ctrl-C reaches only the run)
    WHEN that run is killed hard and cannot stop it THEN the endpoint notices within seconds,
    saves its state and exits, so no orphan holds the port."""
    port = free_port()
    parent = subprocess.Popen(
        [sys.executable, "-c", _ORPHANING_PARENT, str(port), str(state_dir)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    emulator_pid = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(emulator_pid):
        assert time.monotonic() < deadline, "the endpoint outlived its run"
        time.sleep(0.1)
    assert port_is_free(port)
    again = _start(state_dir, port)
    try:
        tables = local_client("dynamodb", again.endpoint_url).list_tables()["TableNames"]
        assert tables == ["orphan"]
    finally:
        again.stop()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
