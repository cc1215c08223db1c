"""The trigger test app (tests/local/triggers/app), deployed ONCE per session into an emulator
of its own by the real CDK CLI (local.deploy.deploy: synth alongside bootstrap, then
`cdk deploy --app`, then the post-deploy verifier), and boto3 clients for it.

Every test using `triggers_app` runs on one xdist worker (group "triggers-app"), so the app is
deployed once. The deploy's seconds are printed with the session's report (`-rA` shows them).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local.deploy import deploy
from local.emulator.caller import EmulatorProcess
from local.runtime.client import LocalClients
from tests.conftest import SHARED_FIXTURE_GROUPS
from tests.local.runs import DEPLOY_ENVIRONMENT
from tools.ports import free_port

APP_DIR = Path(__file__).resolve().parent / "app"
STACK_NAME = "TriggersTestApp"
SHARED_FIXTURE_GROUPS["triggers_app"] = "triggers-app"


@dataclass(frozen=True)
class TriggersApp:
    """The deployed test app: its endpoint, outputs and clients."""

    emulator: EmulatorProcess
    aws: LocalClients
    pool_id: str
    client_id: str
    table: str
    key_arn: str
    deploy_seconds: float

    @property
    def endpoint_url(self) -> str:
        return self.emulator.endpoint_url

    @property
    def cognito(self) -> Any:
        return self.aws("cognito-idp")

    def delivered(self, address: str) -> dict[str, Any] | None:
        """The last message a custom sender 'delivered' to `address` (its row in the table)."""
        key = {"sub": {"S": f"sent#{address}"}}
        item = self.aws("dynamodb").get_item(TableName=self.table, Key=key).get("Item")
        return None if item is None else {name: value["S"] for name, value in item.items()}


@pytest.fixture(scope="session")
def triggers_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TriggersApp]:
    workdir = tmp_path_factory.mktemp("triggers-app")
    with EmulatorProcess(free_port()) as emulator, pytest.MonkeyPatch.context() as patch:
        for name, value in DEPLOY_ENVIRONMENT.items():  # as the suite's other deploys
            patch.setenv(name, value)
        started = time.perf_counter()
        try:
            deploy(emulator.endpoint_url, (), workdir, app_root=APP_DIR)
        except Exception:
            print(emulator.log_text()[-3000:])
            raise
        seconds = time.perf_counter() - started
        print(f"\ntriggers app deployed in {seconds:.1f} s")
        outputs = json.loads((workdir / "outputs.json").read_text())[STACK_NAME]
        yield TriggersApp(
            emulator=emulator,
            aws=LocalClients(emulator.endpoint_url),
            pool_id=outputs["UserPoolId"],
            client_id=outputs["ClientId"],
            table=outputs["UsersTable"],
            key_arn=outputs["SenderKeyArn"],
            deploy_seconds=seconds,
        )
