"""The one owner of a local run's state file: where it lives and what it holds.

`local up` writes a RunState when it serves and removes it when it stops; `local token`,
`local smoke`, the load test, the benchmark and the end-to-end tests read it through RunState
(never raw JSON keys). Starting `python -m local up` as a subprocess is local.launcher's.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from local.emulator.caller.issuers import IssuerSettings
from local.private_files import write_private
from local.runtime.credentials import CredentialsError, credentials_path, load, register
from tools.outputs import StageOutputs

ROOT = Path(__file__).resolve().parent.parent


def default_state_dir() -> Path:
    """LOCAL_STATE_DIR, else .local/: tests and tools point it elsewhere so they never touch a
    developer's running `make local`."""
    return Path(os.environ.get("LOCAL_STATE_DIR", ROOT / ".local"))


class StateError(RuntimeError):
    """The state file is unreadable or not of this version; the message says which."""


@dataclass(frozen=True)
class RunDir:
    """The files of one state directory (LOCAL_STATE_DIR, else .local/)."""

    root: Path = field(default_factory=default_state_dir)

    @property
    def state_file(self) -> Path:
        return self.root / "state.json"

    @property
    def password_store(self) -> Path:
        """Generated demo-user passwords (mode 0600), by pool and e-mail."""
        return self.root / "demo-users.json"

    @property
    def functions(self) -> Path:
        """Deployed function code, unpacked once per code hash."""
        return self.root / "functions"

    @property
    def aws_state(self) -> Path:
        """The local AWS endpoint's kept state (local.emulator.server.persistence), across runs."""
        return self.root / "aws"

    @property
    def previous_aws_state(self) -> Path:
        """Where `--fresh` puts the kept state it sets aside (one generation)."""
        return self.root / "aws.previous"

    def set_aside_aws_state(self) -> Path | None:
        """Start empty: move the kept state to previous_aws_state (replacing an older one)."""
        if not self.aws_state.exists():
            return None
        shutil.rmtree(self.previous_aws_state, ignore_errors=True)
        self.aws_state.rename(self.previous_aws_state)
        return self.previous_aws_state


STATE_VERSION = 2  # 2: the stand-in issuer of auth0/okta/jwt runs


@dataclass(frozen=True)
class RunState:
    """What a serving `local up` tells other processes: where it serves, what it deployed."""

    endpoint_url: str  # the local AWS endpoint
    api_url: str  # the local HTTP API, ending in '/'
    pid: int  # the data plane's process (the load test samples its RSS)
    stage: str
    stacks: dict[str, dict[str, str]]  # stack name -> outputs
    issuer: IssuerSettings | None = None  # the local stand-in issuer (auth0/okta/jwt only)
    version: int = STATE_VERSION
    emulator_pid: int | None = None  # the local AWS endpoint's process, while it serves

    @property
    def outputs(self) -> StageOutputs:
        return StageOutputs.from_stacks(self.stacks, self.stage)

    def write(self, run_dir: RunDir) -> None:
        """Atomically (a reader never sees half a file), 0600 in a 0700 folder."""
        write_private(run_dir.state_file, json.dumps(asdict(self), indent=2).encode())

    @classmethod
    def read(cls, run_dir: RunDir) -> RunState | None:
        """The serving run's state, or None when no run serves from this directory."""
        try:
            data = json.loads(run_dir.state_file.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            raise StateError(f"{run_dir.state_file} is unreadable ({error}): remove it") from None
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise StateError(
                f"{run_dir.state_file} is from another version of this tool: remove it"
            )
        try:
            issuer = data.pop("issuer", None)
            state = cls(**data, issuer=None if issuer is None else IssuerSettings(**issuer))
        except TypeError as error:
            raise StateError(f"{run_dir.state_file} is malformed ({error}): remove it") from None
        register_credentials(run_dir, state.endpoint_url)
        return state

    @staticmethod
    def remove(run_dir: RunDir) -> None:
        run_dir.state_file.unlink(missing_ok=True)


def register_credentials(run_dir: RunDir, endpoint_url: str) -> None:
    """This process's clients for `endpoint_url` sign with the run's kept credentials (none
    kept: nothing to register; a client then says where credentials come from)."""
    path = credentials_path(run_dir.aws_state)
    if not path.exists():
        return
    try:
        register(endpoint_url, load(path))
    except CredentialsError as problem:
        raise StateError(str(problem)) from None
