"""`python -m bench`: measure, keep the raw samples in bench/results.json, write BENCHMARKS.md.

Sections run in a fixed order (synth first: its cloud assembly gives the asset the cold-start
section measures). `--only` re-measures some sections and keeps the others' last samples.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from bench import cold_start, gateway_peer, http_api, reload, report, restart, suite, synth
from bench.common import ROOT, log, machine_info

RESULTS = Path(__file__).resolve().parent / "results.json"
ANALYSIS = Path(__file__).resolve().parent / "analysis.md"
SECTIONS = ("synth", "cold_start", "http", "peer", "restart", "reload", "suite")


def _plain(value: Any) -> Any:
    """Dataclasses (Samples, LevelResult, ...) as JSON-ready dicts and lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return value.name
    return value


def _seconds(samples: Any) -> list[float]:
    return list(samples.seconds)


def measure(sections: list[str], rounds: int, suite_rounds: int, workdir: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}
    cognito_outdir: Path | None = None
    if "synth" in sections:
        synth_result = synth.run(rounds, workdir)
        cognito_outdir = synth_result.cognito_outdir
        results["synth"] = {
            "bare": _seconds(synth_result.bare),
            "configs": {n: _seconds(s) for n, s in synth_result.configs.items()},
            "bare_no_validation": _seconds(synth_result.bare_no_validation),
            "cognito_no_validation": _seconds(synth_result.cognito_no_validation),
        }
    if "cold_start" in sections:
        cold = cold_start.run(max(rounds * 3, 9), cognito_outdir or synth.synth_cognito(workdir))
        results["cold_start"] = {
            "baseline": _seconds(cold.baseline),
            "handlers": {m: _seconds(s) for m, s in cold.handlers.items()},
            "assets": _plain(cold.assets),
        }
    if "http" in sections:
        results["http"] = _plain(http_api.run(workdir))
    if "restart" in sections:
        restarted = restart.run(max(rounds // 2, 3), workdir)
        results["restart"] = {
            "ready": {name: _seconds(s) for name, s in restarted.ready.items()},
            "loss_window": restarted.loss_window,
            "save_seconds": restarted.save_seconds,
            "snapshot_bytes": restarted.snapshot_bytes,
            "save_interval": restarted.save_interval,
        }
    if "peer" in sections:
        results["peer"] = _plain(gateway_peer.run(workdir))
    if "reload" in sections:
        results["reload"] = _plain(reload.run(rounds, workdir))
    if "suite" in sections:
        suite_result = suite.run(suite_rounds, workdir)
        results["suite"] = {
            "suites": {name: _seconds(s) for name, s in suite_result.suites.items()},
            "cold": suite_result.cold,
            "bare": _seconds(suite_result.bare),
            "summaries": suite_result.summaries,
            "durations": suite_result.durations,
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"comma-separated sections: {SECTIONS}"
    )
    parser.add_argument("--rounds", type=int, default=8, help="interleaved synth rounds (8)")
    parser.add_argument(
        "--suite-rounds", type=int, default=2, help="whole-suite rounds on 2 and 1 workers (2)"
    )
    parser.add_argument("--report-only", action="store_true", help="re-render from results.json")
    args = parser.parse_args()

    results: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if not args.report_only:
        sections = [s.strip() for s in args.only.split(",") if s.strip()]
        unknown = set(sections) - set(SECTIONS)
        if unknown:
            parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
        workdir = Path(tempfile.mkdtemp(prefix="bench-"))
        try:
            results |= measure(sections, args.rounds, args.suite_rounds, workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        machine = machine_info()
        date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        if "reload" in sections:  # its own date and machine: it is often measured alone
            results["reload"] |= {"machine": machine, "date": date}
        if set(sections) - {"reload"}:
            results["machine"], results["date"] = machine, date
        RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    if "http" in results:
        report.render_chart(results["http"])
        log(f"wrote {report.CHART.relative_to(ROOT)}")
    if "peer" in results:
        report.render_peer_chart(results["peer"])
        log(f"wrote {report.PEER_CHART.relative_to(ROOT)}")
        print(report.peer_ratios_text(results["peer"]))
    notes = ANALYSIS.read_text() if ANALYSIS.exists() else ""
    report.BENCHMARKS_MD.write_text(report.render(results, notes))
    log(f"wrote {report.BENCHMARKS_MD.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
