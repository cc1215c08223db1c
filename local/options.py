"""What `local up` is told: one frozen object, from its command line (local.cli) or a caller."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from local.state import ROOT
from stacks.config import context_from_pairs
from stacks.contract import TUTORIAL_CALLBACK_URL


class LocalUrls:
    """The URLs of a run's four ports (its options, or a run a caller started)."""

    port: int  # the local HTTP API
    aws_port: int  # the local AWS endpoint
    auth_port: int  # the local hosted UI
    demo_port: int  # the demo page

    @property
    def base_url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def auth_url(self) -> str:
        return f"http://localhost:{self.auth_port}"

    @property
    def demo_url(self) -> str:
        return f"http://localhost:{self.demo_port}/"

    @property
    def endpoint_url(self) -> str:
        return f"http://localhost:{self.aws_port}"


@dataclass(frozen=True)
class RunOptions(LocalUrls):
    """Everything `local up` is told (its command line), checked before it gets here."""

    port: int = 3000
    aws_port: int = 4566
    auth_port: int = 3001
    demo_port: int = 3002
    leeway: int = 0
    workers: int = 2
    jwks_uri: str | None = None
    quiet: bool = False
    fresh: bool = False
    watch: bool = True
    context: tuple[str, ...] = ()
    stage: str = "dev"
    auth: str = "cognito"
    app_dir: Path = ROOT

    def deploy_context(self) -> list[str]:
        """The deploy's context: unless callbackUrls is given, the demo page's URL (and the
        tutorial's) are the app client's callback and sign-out URLs, so CORS follows."""
        if "callbackUrls" in context_from_pairs(self.context):
            return list(self.context)
        return [*self.context, f"callbackUrls={TUTORIAL_CALLBACK_URL},{self.demo_url}"]
