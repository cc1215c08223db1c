"""checkov (an independent scanner, pinned in requirements-checkov.txt) over every synthesized
template of every configuration in both stages: no failed check without a written reason.

The skips live in one place, `.checkov.yaml` (checkov's own config file, with each reason as
a comment). checkov runs once per session, without the skips, over all templates plus one
known-bad canary template; the gate then applies the skip list exactly as checkov's
`skip-check` does (by check id). That single run proves the gate, that each skip still fires
somewhere, and that the scanner is live.

The session's templates are synthesized in process; `cdk synth` writes more (each resource's
`aws:cdk:path` and asset metadata, the CDKMetadata resource, the region it resolved). So the
same run also scans what the real CLI writes for the dev configuration (the folder a direct
`checkov -d` of `cdk synth -o DIR` scans, assets included), and a test holds the two to the same
findings; `make checkov` scans the CLI's output of every gated configuration. A last test scans
that output once more as a user would, from the repository root with no option but
`--skip-download` (checkov then reads ./.checkov.yaml): 0 failed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

from tests.conftest import ROOT
from tests.stacks.configurations import GATED_CONFIGURATIONS
from tests.stacks.conftest import CliSynth, Synthesized

CONFIG_FILE = ROOT / ".checkov.yaml"
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
CANARY = "canary"
CLI_SYNTH = "cli-synth"  # `cdk synth -o` of the dev configuration, as written
CLI_COUNTERPART = "cognito-dev"
# A table without point-in-time recovery: checkov's CKV_AWS_28 must report it.
CANARY_TEMPLATE = {
    "Resources": {
        "Table": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
            },
        }
    }
}
CANARY_CHECK = "CKV_AWS_28"
_SKIP_LINE = re.compile(r"^\s*-\s*(CKV2?_[A-Z0-9_]+)\s*#\s*(.*)$")
_COMMENT_LINE = re.compile(r"^\s+#\s*(.*)$")


@dataclass(frozen=True)
class Failure:
    check_id: str
    configuration: str
    template: str
    resource: str

    def __str__(self) -> str:
        return f"{self.check_id} {self.configuration}/{self.template} {self.resource}"


@dataclass(frozen=True)
class Scan:
    failures: list[Failure]
    scanned: set[str]  # "<configuration>/<template file>" of every file with a result
    written: set[str]
    version: str
    parsing_errors: int


def skips() -> dict[str, str]:
    """check id -> reason, from `.checkov.yaml` (ids from YAML, reasons from the comments)."""
    configured = yaml.safe_load(CONFIG_FILE.read_text())["skip-check"]
    reasons: dict[str, str] = {}
    current: str | None = None
    for line in CONFIG_FILE.read_text().splitlines():
        if item := _SKIP_LINE.match(line):
            current = item.group(1)
            reasons[current] = item.group(2).strip()
        elif current is not None and (comment := _COMMENT_LINE.match(line)):
            reasons[current] += " " + comment.group(1).strip()
        else:
            current = None
    assert list(reasons) == configured, "every skip-check entry needs its `# reason` comment"
    return reasons


def _write_templates(every: dict[str, Synthesized], directory: Path) -> set[str]:
    written: set[str] = set()
    for name in GATED_CONFIGURATIONS:
        folder = directory / name
        folder.mkdir()
        for stack in every[name].app.synth().stacks:
            (folder / f"{stack.stack_name}.template.json").write_text(json.dumps(stack.template))
            written.add(f"{name}/{stack.stack_name}.template.json")
    (directory / CANARY).mkdir()
    (directory / CANARY / "Canary.template.json").write_text(json.dumps(CANARY_TEMPLATE))
    return written


def _cli_templates(cli: CliSynth, directory: Path) -> set[str]:
    """The CLI's `cdk synth -o` output of the dev configuration, every file as written."""
    shutil.copytree(cli.outdir, directory / CLI_SYNTH)
    return {f"{CLI_SYNTH}/{p.name}" for p in (directory / CLI_SYNTH).glob("*.template.json")}


def _run_checkov(directory: Path) -> dict[str, Any]:
    if not CHECKOV.exists():
        pytest.fail(f"checkov is not installed at {CHECKOV}: run `make test` (or `make checkov`)")
    # cwd=directory: no .checkov.yaml there, so this run applies no skips. Offline: no mapping
    # download from Prisma Cloud (BC_SKIP_MAPPING), no external checks (--skip-download).
    command = [str(CHECKOV), "-d", ".", "--framework", "cloudformation", "--skip-download"]
    env = os.environ | {"BC_SKIP_MAPPING": "TRUE"}
    command += ["--quiet", "--compact", "-o", "json"]
    result = subprocess.run(command, cwd=directory, env=env, capture_output=True, text=True)
    # Exit code 1 means "some check failed", which the canary guarantees; anything else broke.
    assert result.returncode == 1, result.stderr[-2000:]
    report: Any = json.loads(result.stdout)
    assert isinstance(report, dict), "one framework, one report"
    return report


@pytest.fixture(scope="session")
def scan(
    every_issuer_and_stage: dict[str, Synthesized],
    cli_synth: CliSynth,
    tmp_path_factory: pytest.TempPathFactory,
) -> Scan:
    directory = tmp_path_factory.mktemp("checkov")
    written = _write_templates(every_issuer_and_stage, directory) | _cli_templates(
        cli_synth, directory
    )
    report = _run_checkov(directory)
    results = report["results"]
    failures: list[Failure] = []
    scanned: set[str] = set()
    for outcome in ("passed_checks", "failed_checks"):
        for check in results.get(outcome, []):
            configuration, template = check["file_path"].strip("/").split("/", 1)
            scanned.add(f"{configuration}/{template}")
            if outcome == "failed_checks":
                failures.append(
                    Failure(check["check_id"], configuration, template, check["resource"])
                )
    summary = report["summary"]
    return Scan(failures, scanned, written, summary["checkov_version"], summary["parsing_errors"])


def test_checkov_is_the_pinned_version_and_scanned_every_template(scan: Scan) -> None:
    """GIVEN the session's templates WHEN checkov scans them THEN it is the pinned version, it
    parsed every file, and every template (and the canary) has results (AuthStack's through
    its pre-token trigger: checkov has no Cognito checks, cdk-nag covers the user pool)."""
    pinned = (ROOT / "requirements-checkov.txt").read_text()
    assert f"checkov=={scan.version}\n" in pinned
    assert scan.parsing_errors == 0
    assert scan.scanned == scan.written | {f"{CANARY}/Canary.template.json"}


def test_no_template_fails_a_check_without_a_written_skip(scan: Scan) -> None:
    """GIVEN every configuration in dev and prod WHEN checkov's failures are filtered by the
    skip list of .checkov.yaml THEN nothing is left."""
    skipped = skips()
    left = [
        str(f) for f in scan.failures if f.configuration != CANARY and f.check_id not in skipped
    ]
    assert left == []


def test_each_skip_is_still_needed(scan: Scan) -> None:
    """GIVEN the skip list WHEN checkov runs without it THEN each skipped check fails in at least
    one template (a skip whose cause is gone must be removed)."""
    fired = {f.check_id for f in scan.failures if f.configuration != CANARY}
    assert set(skips()) <= fired, set(skips()) - fired


def test_stage_scoped_skips_fail_in_dev_only(scan: Scan) -> None:
    """GIVEN the customer-managed-key skips (table, log groups) WHEN checkov runs THEN they fail
    only in dev templates: prod encrypts with its own key, as the skip reasons say."""
    for check_id in ("CKV_AWS_119", "CKV_AWS_158"):
        stages = {
            f.configuration.rsplit("-", 1)[1]
            for f in scan.failures
            if f.check_id == check_id and f.configuration not in (CANARY, CLI_SYNTH)
        }
        assert stages == {"dev"}, check_id


def test_each_skip_has_a_reason_of_substance() -> None:
    """GIVEN .checkov.yaml WHEN its skips are read THEN each names a check and says why."""
    for check_id, reason in skips().items():
        assert len(reason) > 80, (check_id, reason)


def test_the_scanner_reports_a_known_bad_template(scan: Scan) -> None:
    """GIVEN a canary table without point-in-time recovery WHEN scanned in the same run THEN
    checkov reports CKV_AWS_28 for it (the gate is live)."""
    canary = {f.check_id for f in scan.failures if f.configuration == CANARY}
    assert CANARY_CHECK in canary


def test_what_cdk_synth_writes_has_the_findings_of_the_gates_templates(scan: Scan) -> None:
    """GIVEN the dev configuration as `cdk synth -o DIR` writes it (what a direct checkov scan
    of DIR reads) WHEN scanned in the same run as the gate's templates THEN every template was
    parsed and the failed checks, by check and resource, are exactly those of the gate's own
    dev templates: the gate and a direct scan cannot disagree."""

    def found(configuration: str) -> set[tuple[str, str, str]]:
        return {
            (f.check_id, f.template, f.resource)
            for f in scan.failures
            if f.configuration == configuration
        }

    cli = {t for t in scan.written if t.startswith(f"{CLI_SYNTH}/")}
    assert len(cli) == 2, cli  # AuthStack and ApiStack
    assert found(CLI_SYNTH) == found(CLI_COUNTERPART)


def test_a_direct_scan_from_the_repository_root_reports_nothing_failed(cli_synth: CliSynth) -> None:
    """GIVEN what `cdk synth -o DIR` writes for the dev configuration WHEN it is scanned as the
    README says, from the repository root with the pinned checkov and no other option than
    `--skip-download` (checkov reads ./.checkov.yaml itself) THEN every template parses, checks
    pass and none fails: each finding of the gate is one of the skips with its reason."""
    command = [str(CHECKOV), "-d", str(cli_synth.outdir), "--skip-download"]
    command += ["--quiet", "--compact", "-o", "json"]
    env = os.environ | {"BC_SKIP_MAPPING": "TRUE"}  # offline: no mapping download
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    report: Any = json.loads(result.stdout)
    assert isinstance(report, dict), "one framework (.checkov.yaml: cloudformation)"
    summary = report["summary"]
    assert (summary["failed"], summary["parsing_errors"]) == (0, 0), summary
    assert summary["passed"] > 0
