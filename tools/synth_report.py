"""Synthesize every issuer configuration with the real CDK CLI and print what each produced.

This is what `make synth` runs: one cdk.out/<configuration> folder per configuration, and a short
report of stacks, resource types and outputs so a newcomer sees the product without AWS.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from stacks.contract import SYNTH_CONFIGURATIONS, context_args

ROOT = Path(__file__).resolve().parent.parent


def synth(name: str, context: Mapping[str, Any]) -> Path:
    outdir = ROOT / "cdk.out" / name
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


def main() -> None:
    for name, context in SYNTH_CONFIGURATIONS.items():
        describe(synth(name, context))
    print("\nAll configurations synthesized. Deploy to AWS with: make deploy")


if __name__ == "__main__":
    main()
