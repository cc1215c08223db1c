"""The local AWS endpoint's credentials: random per run, private, found by every caller.

The endpoint refuses what AWS would refuse unsigned (local.emulator.server.security), so it needs
credentials no web page can know: moto's public `testing` pair would sign anything. A run with
kept state keeps one pair in `<state>/aws-credentials.json` (0600 in a 0700 folder), so its
restarts and the tools in other terminals use the same; a run without kept state makes a new
pair in memory.

Who finds them, and how (`credentials_for`):
- the process that started the endpoint, or read a run's state: `register()` by endpoint URL;
- the endpoint itself, the CDK CLI, function workers and a user's own scripts: the
  environment (`local_aws_environment` sets both AWS's names and ours).
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from local.private_files import private_dir, write_private

CREDENTIALS_NAME = "credentials.json"
# Our own names: the endpoint and its children read these, never a developer's AWS_* keys.
ACCESS_KEY_ENV = "LOCAL_AWS_ACCESS_KEY_ID"
SECRET_KEY_ENV = "LOCAL_AWS_SECRET_ACCESS_KEY"  # noqa: S105 - a variable name
SESSION_TOKEN_ENV = "LOCAL_AWS_SESSION_TOKEN"  # noqa: S105 - a variable name


class CredentialsError(RuntimeError):
    """No credentials for an endpoint, or an unreadable credentials file: one line says which."""


@dataclass(frozen=True)
class RunCredentials:
    """One access key, secret and session token (AWS's shapes; the session token overrides any
    AWS_SESSION_TOKEN a developer's shell holds)."""

    access_key_id: str
    secret_access_key: str
    session_token: str

    @classmethod
    def generate(cls) -> RunCredentials:
        return cls(
            access_key_id="ASIA" + secrets.token_hex(8).upper(),
            secret_access_key=secrets.token_urlsafe(30),
            session_token=secrets.token_urlsafe(48),
        )

    def environment(self) -> dict[str, str]:
        """Both names: AWS's for SDKs and the CLI, ours for this package's own lookups."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SESSION_TOKEN": self.session_token,
            ACCESS_KEY_ENV: self.access_key_id,
            SECRET_KEY_ENV: self.secret_access_key,
            SESSION_TOKEN_ENV: self.session_token,
        }

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> RunCredentials | None:
        env = os.environ if environ is None else environ
        access, secret = env.get(ACCESS_KEY_ENV), env.get(SECRET_KEY_ENV)
        token = env.get(SESSION_TOKEN_ENV)
        if not access or not secret or not token:
            return None
        return cls(access, secret, token)


def load(path: Path) -> RunCredentials:
    """A credentials file written by load_or_create (its mode is re-applied: 0600)."""
    try:
        data = json.loads(path.read_text())
        credentials = RunCredentials(**data)
    except FileNotFoundError:
        raise CredentialsError(f"{path} is missing: is the local run started?") from None
    except (OSError, ValueError, TypeError) as error:
        raise CredentialsError(f"{path} is unreadable ({error}): remove it") from None
    path.chmod(0o600)
    return credentials


def credentials_path(state_dir: Path) -> Path:
    """Beside the endpoint's state folder, not in it: that folder holds the snapshot only
    (persistence moves a folder without one aside), and the pair outlives `--fresh`."""
    return state_dir.with_name(f"{state_dir.name}-{CREDENTIALS_NAME}")


def load_or_create(state_dir: Path) -> RunCredentials:
    """The kept pair of a state folder, made (0600, in a 0700 folder) on its first use."""
    private_dir(state_dir.parent)
    path = credentials_path(state_dir)
    if path.exists():
        return load(path)
    credentials = RunCredentials.generate()
    write_private(path, json.dumps(asdict(credentials)).encode())
    return credentials


_registry: dict[str, RunCredentials] = {}
_registry_lock = threading.Lock()


def _key(endpoint_url: str) -> str:
    return endpoint_url.rstrip("/").replace("://127.0.0.1:", "://localhost:")


def register(endpoint_url: str, credentials: RunCredentials) -> None:
    """This process talks to the endpoint at `endpoint_url` with these credentials."""
    with _registry_lock:
        _registry[_key(endpoint_url)] = credentials


def credentials_for(endpoint_url: str) -> RunCredentials:
    """The credentials of the endpoint: registered in this process, else the environment."""
    with _registry_lock:
        known = _registry.get(_key(endpoint_url))
    if known is not None:
        return known
    from_env = RunCredentials.from_environment()
    if from_env is not None:
        return from_env
    raise CredentialsError(
        f"no credentials for the local AWS endpoint {endpoint_url}: start it with `make local` "
        f"(the tools find them in its state), or set {ACCESS_KEY_ENV}, {SECRET_KEY_ENV} and "
        f"{SESSION_TOKEN_ENV} (`python -m local env` prints them)"
    )
