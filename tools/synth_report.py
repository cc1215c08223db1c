"""Synthesize every issuer configuration with the real CDK CLI and print what each produced.

This is what `make synth` runs: one cdk.out/<configuration> folder per configuration, and a short
report of stacks, resource types and outputs so a newcomer sees the product without AWS.
`--gated DIR` (what `make checkov` scans) synthesizes every gated configuration instead (each
configuration in dev and prod, and `extras`) into DIR/<configuration>-<stage>, exactly as
`cdk synth -o` writes it, without the report.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from stacks.contract import GATED_CONFIGURATIONS, SYNTH_CONFIGURATIONS, context_args

ROOT = Path(__file__).resolve().parent.parent


def synth(name: str, context: Mapping[str, Any], root: Path = ROOT / "cdk.out") -> Path:
    outdir = root / name
    command = ["cdk", "synth", "--quiet", "--output", str(outdir), *context_args(context)]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"synth of configuration '{name}' failed (exit {result.returncode})")
    print(f"\n== {name}: synthesized in {time.perf_counter() - started:.1f} s -> {outdir}")
    return outdir


def describe(outdir: Path) -> None:
    manifest = json.loads((outdir / "manifest.json").read_text())
    for artifact_id, artifact in manifest["artifacts"].items():
        if artifact["type"] != "aws:cloudformation:stack":
            continue
        template = json.loads((outdir / artifact["properties"]["templateFile"]).read_text())
        types = Counter(
            resource["Type"].removeprefix("AWS::")
            for resource in template["Resources"].values()
            if resource["Type"] != "AWS::CDK::Metadata"
        )
        outputs = [key for key in template.get("Outputs", {}) if not key.startswith("Exports")]
        print(f"   stack {artifact_id}: {sum(types.values())} resources")
        for resource_type, count in sorted(types.items()):
            print(f"     {count} x {resource_type}")
        print(f"     outputs: {', '.join(outputs)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.synth_report", description=__doc__)
    parser.add_argument("--gated", type=Path, metavar="DIR", help="every gated configuration")
    args = parser.parse_args(argv)
    if args.gated is not None:
        shutil.rmtree(args.gated, ignore_errors=True)  # only this run's templates get scanned
        for name, gated in GATED_CONFIGURATIONS.items():
            synth(name, gated, args.gated)
        print(f"\nEvery gated configuration synthesized into {args.gated}")
        return
    for name, context in SYNTH_CONFIGURATIONS.items():
        describe(synth(name, context))
    print("\nAll configurations synthesized. Deploy to AWS with: make deploy")


if __name__ == "__main__":
    main()
