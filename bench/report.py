"""BENCHMARKS.md and the latency chart, rendered from the raw samples in bench/results.json.

Rendering works on the JSON alone (`python -m bench --report-only`), so the tables can be
re-rendered without re-measuring, and every number in the file can be traced to its samples.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from bench import cold_start, gateway_peer, http_api, reload, restart, suite, synth
from bench.common import ROOT, percentile
from stacks.contract import GET_PROFILE_ROUTE

BENCHMARKS_MD = ROOT / "BENCHMARKS.md"
CHART = ROOT / "docs" / "bench-latency.png"
PEER_CHART = ROOT / "docs" / "bench-peer.png"
PEER_NAME = "serverless-offline"
PATH_TITLES = {
    "unauthorized": "no token: the authorizer's 401",
    "echo": "valid token: authorizer + echo function",
}


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _verdict(value: float, target: float) -> str:
    return "meets" if value <= target else "**misses**"


def _spread(values: list[float]) -> str:
    return f"{min(values):.2f}-{max(values):.2f}"


def render_chart(http: dict[str, Any], path: Path = CHART) -> None:
    """Latency percentiles by concurrency, and requests/s, for the runs of the HTTP section."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (latency_axes, rps_axes) = plt.subplots(1, 2, figsize=(11, 4.2), dpi=110)
    local_up = http["local_up"]
    concurrency = [level["concurrency"] for level in local_up]
    colors = {"p50": "tab:blue", "p90": "tab:orange", "p99": "tab:red"}
    for key, color in colors.items():
        latency_axes.plot(
            concurrency,
            [level[f"{key}_ms"] for level in local_up],
            "-o",
            color=color,
            label=key,
        )
    series = [("local up, reused tokens", local_up, "-")]
    series += [
        (f"in-process plane, {mode} tokens", levels, "--" if mode == "unique" else ":")
        for mode, levels in http["in_process"].items()
    ]
    for label, levels, style in series:
        rps_axes.plot(
            [level["concurrency"] for level in levels],
            [level["requests"] / level["elapsed"] for level in levels],
            style,
            marker="o",
            label=label,
        )
    for axes in (latency_axes, rps_axes):
        axes.set_xscale("log", base=2)
        axes.set_xticks(list(http_api.CONCURRENCY), [str(c) for c in http_api.CONCURRENCY])
        axes.set_xlabel("concurrent clients (keep-alive connections)")
        axes.grid(True, alpha=0.3)
    latency_axes.set_yscale("log")
    latency_axes.set_ylabel("latency (ms, log scale)")
    latency_axes.set_title(f"Authorized {GET_PROFILE_ROUTE} via local up: latency")
    latency_axes.legend(loc="upper left")
    rps_axes.set_ylabel("requests per second")
    rps_axes.set_title(f"Throughput ({http['workers']} worker processes per function)")
    rps_axes.set_ylim(bottom=0)
    rps_axes.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)


def _peer_cell(peer: dict[str, Any], side: str, path: str, concurrency: str) -> dict[str, float]:
    """Medians over the rounds of one cell: req/s, p50, p99, CPU per request."""
    runs = peer["runs"][side][path][concurrency]
    return {
        key: _median([run[key] for run in runs]) for key in ("rps", "p50_ms", "p99_ms", "cpu_us")
    }


def peer_ratios(peer: dict[str, Any]) -> dict[tuple[str, str], dict[str, float]]:
    """(path, concurrency) -> how many times better ours is: req/s ours/peer, latency peer/ours."""
    ratios = {}
    for path in peer["runs"]["ours"]:
        for concurrency in peer["runs"]["ours"][path]:
            ours = _peer_cell(peer, "ours", path, concurrency)
            theirs = _peer_cell(peer, "peer", path, concurrency)
            ratios[(path, concurrency)] = {
                "rps": ours["rps"] / theirs["rps"],
                "p50_ms": theirs["p50_ms"] / ours["p50_ms"],
                "p99_ms": theirs["p99_ms"] / ours["p99_ms"],
                "cpu_us": theirs["cpu_us"] / ours["cpu_us"],
            }
    return ratios


def peer_ratios_text(peer: dict[str, Any]) -> str:
    """What `make bench` prints: one line per cell."""
    lines = [
        f"ours vs {PEER_NAME} (x = times better; target {gateway_peer.TARGET}x on every cell):"
    ]
    for (path, concurrency), ratio in peer_ratios(peer).items():
        lines.append(
            f"  {path:12} {concurrency:>2} clients: req/s {ratio['rps']:.2f}x, "
            f"p50 {ratio['p50_ms']:.2f}x, p99 {ratio['p99_ms']:.2f}x"
        )
    return "\n".join(lines)


def render_peer_chart(peer: dict[str, Any], path: Path = PEER_CHART) -> None:
    """req/s and p50 by concurrency, ours and the peer, for both paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = list(peer["runs"]["ours"])
    figure, axes = plt.subplots(2, len(paths), figsize=(11, 7), dpi=110, squeeze=False)
    sides = {"ours": ("local gateway (ours)", "tab:blue"), "peer": (PEER_NAME, "tab:gray")}
    for column, route in enumerate(paths):
        levels = list(peer["runs"]["ours"][route])
        positions = range(len(levels))
        for row, (key, label) in enumerate((("rps", "requests/s"), ("p50_ms", "p50 latency (ms)"))):
            ax = axes[row][column]
            for offset, (side, (name, color)) in zip((-0.2, 0.2), sides.items(), strict=True):
                values = [_peer_cell(peer, side, route, level)[key] for level in levels]
                ax.bar([p + offset for p in positions], values, width=0.4, label=name, color=color)
            ax.set_xticks(list(positions), [f"{level} clients" for level in levels])
            ax.set_ylabel(label)
            ax.grid(True, axis="y", alpha=0.3)
            if row == 0:
                ax.set_title(PATH_TITLES.get(route, route))
                ax.legend(fontsize=8)
    figure.suptitle(f"GET /echo: ours vs {PEER_NAME} (same function, same load, interleaved)")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)


def _peer_section(peer: dict[str, Any]) -> list[str]:
    versions = peer["versions"]
    before = ", ".join(f"{x:.1f}" for x in peer["load_before"])
    after = ", ".join(f"{x:.1f}" for x in peer["load_after"])
    ratios = peer_ratios(peer)
    lines = [
        f"## 5. Local gateway against {PEER_NAME}",
        "",
        f"Both serve `GET /echo` behind a JWT authorizer to the same Python function "
        "(`bench/peer/echo_function`: it answers with its event) on the same interpreter: ours "
        f"as `make local` serves (`bench/echo_gateway.py`: uvicorn, route selection, the "
        f"signature-checking authorizer, payload-2.0 event, {peer['workers']} function worker "
        f"processes, response mapping, one access-log line per request), and serverless "
        f"{versions['serverless']} + {PEER_NAME} {versions['serverless-offline']} "
        "(`bench/peer`, pinned with its own lock file, its per-request log lines on too). "
        f"The same load generator drives both (`tools/load.py`, own process, keep-alive, each "
        f"client reusing its token): {peer['requests']} requests per run after a warm-up, "
        f"{peer['rounds']} rounds per cell alternating the sides, medians. "
        f"Target: ours at least {gateway_peer.TARGET}x on every cell.",
        "",
        f"**Not the same check:** ours verifies each token's RS256 signature against the "
        f"issuer's keys (once per token, then a cache hit); {PEER_NAME} cannot verify "
        "signatures at all (it runs its JWT authorizer only with `--ignoreJWTSignature`, "
        "checking issuer, audience and expiry of the unverified claims). Its 401 body is "
        '`{"statusCode":401,"error":"Unauthorized","message":"Unauthorized"}`, not AWS\'s '
        '`{"message":"Unauthorized"}`; its event is its own payload-2.0 version (echo bodies: '
        f"ours {peer['body_bytes'].get('ours', 0)} bytes, theirs "
        f"{peer['body_bytes'].get('peer', 0)}).",
        "",
        f"![ours vs {PEER_NAME}](docs/bench-peer.png)",
        "",
        "| path | clients | ours req/s | theirs req/s | x | ours p50 ms | theirs p50 ms | x "
        "| ours p99 ms | theirs p99 ms | x | CPU µs/req ours / theirs | target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for (route, concurrency), ratio in ratios.items():
        ours = _peer_cell(peer, "ours", route, concurrency)
        theirs = _peer_cell(peer, "peer", route, concurrency)
        worst = min(ratio["rps"], ratio["p50_ms"], ratio["p99_ms"])
        verdict = "meets" if worst >= gateway_peer.TARGET else "**misses**"
        lines.append(
            f"| {PATH_TITLES.get(route, route)} | {concurrency} | {ours['rps']:.0f} | "
            f"{theirs['rps']:.0f} | {ratio['rps']:.2f} | {ours['p50_ms']:.2f} | "
            f"{theirs['p50_ms']:.2f} | {ratio['p50_ms']:.2f} | {ours['p99_ms']:.2f} | "
            f"{theirs['p99_ms']:.2f} | {ratio['p99_ms']:.2f} | {ours['cpu_us']:.0f} / "
            f"{theirs['cpu_us']:.0f} | {verdict} |"
        )
    lines += [
        "",
        "x = how many times better ours is (req/s: ours ÷ theirs; latency: theirs ÷ ours). "
        "CPU µs/req: user + system CPU of each server's whole process tree (ours: server and "
        "function workers; theirs: Node and its Python processes) per request, a figure "
        "that machine load disturbs less than req/s.",
        "",
        f"Machine load (1/5/15-minute load average) before this section: {before}; after: "
        f"{after} (2 cores, shared with other work while measured).",
    ]
    return lines


def _machine_table(machine: dict[str, str]) -> list[str]:
    rows = ["| | |", "|---|---|"]
    rows += [f"| {key} | {value} |" for key, value in machine.items()]
    return rows


def _synth_section(data: dict[str, Any]) -> list[str]:
    bare = _median(data["bare"])
    lines = [
        "## 1. Synth: the full app against a bare CDK app",
        "",
        f"Both sides are `python <app>.py` subprocesses with `CDK_OUTDIR` and `CDK_CONTEXT_JSON` "
        f"(how `cdk synth` runs the app), the same cdk.json context, {len(data['bare'])} "
        f"interleaved rounds, medians. Bare app: one empty stack (`bench/bare_app.py`). "
        f"Target: ratio at most {synth.TARGET}.",
        "",
        "| configuration | median s | min-max s | ratio to bare | target |",
        "|---|---:|---:|---:|---|",
        f"| bare (one empty stack) | {bare:.2f} | {_spread(data['bare'])} | 1.00 | |",
    ]
    for name, values in data["configs"].items():
        ratio = _median(values) / bare
        lines.append(
            f"| {name} | {_median(values):.2f} | {_spread(values)} | {ratio:.2f} | "
            f"{_verdict(ratio, synth.TARGET)} |"
        )
    bare_nv = _median(data["bare_no_validation"])
    cognito_nv = _median(data["cognito_no_validation"])
    validation = bare - bare_nv
    lines += [
        "",
        "Where the floor goes: the same two apps with `CDK_VALIDATION=false` (CDK's built-in "
        "CloudFormation validation off; not how the app runs, only to split the fixed cost):",
        "",
        "| side | median s | ratio |",
        "|---|---:|---:|",
        f"| bare, validation off | {bare_nv:.2f} | 1.00 |",
        f"| cognito, validation off | {cognito_nv:.2f} | {cognito_nv / bare_nv:.2f} |",
        "",
        f"So {validation:.2f} s of every synth ({validation / bare:.0%} of the bare app) is the "
        "built-in validation, nearly all of it its WebAssembly engine starting up: a fixed cost "
        "of any CDK app of this version that keeps validation on (see the analysis below).",
    ]
    return lines


def _cold_start_section(data: dict[str, Any]) -> list[str]:
    baseline = _median(data["baseline"])
    lines = [
        "## 4. Lambda cold-start proxy: handler import against `import boto3`",
        "",
        f"Fresh interpreter per sample, {len(data['baseline'])} interleaved rounds, medians; only "
        "the import statement is timed, with the synthesized asset directory as the task root "
        "(our modules compile from source, as on Lambda). "
        f"Target: ratio at most {cold_start.TARGET}.",
        "",
        "| module | median ms | min-max ms | ratio to `import boto3` | target |",
        "|---|---:|---:|---:|---|",
        f"| `boto3` | {baseline * 1000:.0f} | "
        f"{min(data['baseline']) * 1000:.0f}-{max(data['baseline']) * 1000:.0f} | 1.00 | |",
    ]
    for module, values in data["handlers"].items():
        ratio = _median(values) / baseline
        lines.append(
            f"| `{module}` | {_median(values) * 1000:.0f} | "
            f"{min(values) * 1000:.0f}-{max(values) * 1000:.0f} | {ratio:.2f} | "
            f"{_verdict(ratio, cold_start.TARGET)} |"
        )
    lines += [
        "",
        "Deployed code (one asset shared by both functions; the zip is what the CLI uploads):",
        "",
        "| asset | files | bytes on disk | zip bytes |",
        "|---|---:|---:|---:|",
    ]
    for asset in data["assets"]:
        lines.append(
            f"| `{asset['path']}` | {asset['files']} | {asset['directory_bytes']:,} | "
            f"{asset['zip_bytes']:,} |"
        )
    return lines


def _restart_section(data: dict[str, Any]) -> list[str]:
    ready = data["ready"]
    cold = _median(ready["cold"])
    labels = {
        "cold": "cold start (`FRESH=1`: empty endpoint, real bootstrap + deploy)",
        "warm": "warm restart (kept state, app unchanged: no CDK CLI)",
        "cli": "kept state, the CDK CLI decides (finds no changes)",
    }
    lines = [
        "## 6. `make local` start-up: cold start, warm restart, data-loss window",
        "",
        f"Wall time from starting `python -m local up` to its ready line, {len(ready['cold'])} "
        "rounds (cold, warm, cli in turn on one state folder), medians. "
        f"Target: a warm restart ready within {restart.TARGET_WARM_SECONDS:.0f} s.",
        "",
        "| start | median s | min-max s | ratio to cold | target |",
        "|---|---:|---:|---:|---|",
    ]
    for name, values in ready.items():
        target = ""
        if name == "warm":
            target = _verdict(_median(values), restart.TARGET_WARM_SECONDS)
        lines.append(
            f"| {labels.get(name, name)} | {_median(values):.1f} | {_spread(values)} | "
            f"{_median(values) / cold:.2f} | {target} |"
        )
    window = data["loss_window"]
    saves = data["save_seconds"]
    lines += [
        "",
        f"Data-loss window: {len(window)} writes at unaligned moments to an endpoint holding "
        "the deployed app's kept state "
        f"(save interval {data['save_interval']:.1f} s); time from the write's answer until a "
        "save holding it was on disk (write, fsync, rename): median "
        f"{_median(window):.2f} s, max {max(window):.2f} s. A hard kill loses the writes of "
        f"that window; a clean stop loses nothing. One save "
        f"({data['snapshot_bytes']:,} bytes) took median {_median(saves) * 1000:.0f} ms, "
        f"max {max(saves) * 1000:.0f} ms (requests wait only while it is pickled).",
    ]
    return lines


def _figure(values: list[float]) -> str:
    """`median | p90 | n` cells, in seconds."""
    return f"{_median(values):.2f} | {percentile(values, 0.9):.2f} | {len(values)}"


def _reload_medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: _median([run[key] for run in runs]) for key in ("rps", "p50_ms", "cpu_us")}


def _reload_rps_rows(data: dict[str, Any]) -> list[str]:
    """One row per concurrency: medians over the rounds of ours, the peer, the peer reloading."""
    rps = data["rps"]
    rows = []
    for concurrency in rps["ours"]:
        ours, off, on = (
            _reload_medians(rps[side][concurrency]) for side in ("ours", "peer", "peer_reload")
        )
        cpu = [side["cpu_us"] / 1000 for side in (ours, off, on)]
        rows.append(
            f"| {concurrency} | {ours['rps']:.0f} | {off['rps']:.0f} | {on['rps']:.1f} | "
            f"{ours['rps'] / on['rps']:.0f} | {off['rps'] / on['rps']:.0f} | "
            f"{ours['p50_ms']:.2f} / {off['p50_ms']:.2f} / {on['p50_ms']:.1f} | "
            f"{cpu[0]:.2f} / {cpu[1]:.2f} / {cpu[2]:.1f} |"
        )
    return rows


def _reload_phase_rows(data: dict[str, Any]) -> list[str]:
    """Where a deploy's seconds go (medians), from the files the run's deploy writes."""
    phases = data.get("phases") or {}
    if not phases:
        return []
    labels = {
        "route": "a new route, watching",
        "restart": "the restart (from the save: Ctrl-C and the endpoint's start first)",
    }
    lines = [
        "Where those seconds go (medians), split by the files the run's deploy writes: "
        "`cdk.out/manifest.json` when the app has written its cloud assembly; then CDK's "
        "built-in CloudFormation validation (it runs after the assembly is written, in the "
        "app's process), the app's and the CLI's exit and `cdk deploy` until `outputs.json`; "
        "then the run reads the new API, starts its workers and swaps it in. The CLI's own "
        "printed `Total time` is beside them: a redeploy is one `cdk deploy` that synthesizes "
        "too, so its count spans both; the restart's `cdk deploy` deploys a synthesized "
        "assembly, so its count is the deploy's alone:",
        "",
        "| change | save to assembly written s | assembly to `outputs.json` s "
        "| the deploy CLI's `Total time` s | to the first answer s | total s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    parts = ("synth", "deploy", "serve")
    for name, samples in phases.items():
        cells = {key: _median([sample.get(key, 0.0) for sample in samples]) for key in samples[0]}
        total = _median([sum(sample[key] for key in parts) for sample in samples])
        lines.append(
            f"| {labels.get(name, name)} | {cells['synth']:.1f} | {cells['deploy']:.1f} | "
            f"{cells.get('cli_total', 0.0):.1f} | {cells['serve']:.1f} | {total:.1f} |"
        )
    return [*lines, ""]


def _reload_section(data: dict[str, Any]) -> list[str]:
    ours, theirs = data["handler"]["ours"], data["handler"]["peer"]
    hot, route, restarted = _median(ours), _median(data["route_added"]), _median(data["restart"])
    versions = data["versions"]
    polls = {side: sum(counts) for side, counts in data["handler_polls"].items()}
    failed = data["handler_failed"]
    before = ", ".join(f"{x:.1f}" for x in data["load_before"])
    after = ", ".join(f"{x:.1f}" for x in data["load_after"])
    rounds = {side: len(values) for side, values in data["rps"]["ours"].items()}
    requests = data["requests"]
    machine = data.get("machine", {})
    return [
        "## 7. Reload on save (`make local`)",
        "",
        f"Measured {data.get('date', '')} on {machine.get('CPU', '')}, "
        f"{machine.get('Cores', '')} cores ({machine.get('OS', '')}; when this differs from the "
        "top of the page, the other sections were measured on another day and machine). "
        "Seconds from a saved edit (the file written) to the first HTTP answer that carries it, "
        "while one client polls the route back to back (keep-alive, a signed-in user's token), "
        "on temporary copies of the app (`bench/reload.py`). Ours: a real `python -m local up` "
        "that watches (the default), the CDK CLI's built-in validation on, as a user runs it. "
        "The handler edit adds an answer field to GET /user/profile's handler (a hot reload: "
        "UpdateFunctionCode, workers replaced, no deploy); the new route saves a new handler "
        "file, then ApiStack with a GET route to it behind the authorizer (a redeploy with the "
        "CDK CLI), timed from the stack's save to the first 200, and is taken out again "
        "between samples (to the first 404); each sample adds a route of its own "
        "(`/user/settings1`, `2`, ...), a logical id no earlier sample used. The restart is "
        "what watching replaces: a run "
        "with `--no-watch`, the handler saved, Ctrl-C, `local up` on the edited app (the "
        "changed app deploys with the CDK CLI), to the first answer with the new code, the "
        "new run polled from the save on. The peer: serverless "
        f"{versions['serverless']} + {PEER_NAME} {versions['serverless-offline']} "
        "`--reloadHandler` on a copy of `bench/peer`, the echo handler of section 5 saved with "
        "an answer field, timed the same way. Handler edits interleaved ours/peer, routes "
        "interleaved with restarts; medians, p90 by nearest rank (with 8 samples, the slowest).",
        "",
        f"| change saved | ours median s | p90 s | n | {PEER_NAME} median s | p90 s | n "
        "| ours ÷ theirs | target (median) | goal |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
        f"| a handler (ours: GET /user/profile's; theirs: the echo handler) | {_figure(ours)} | "
        f"{_figure(theirs)} | {hot / _median(theirs):.1f} | "
        f"{reload.TARGET_HANDLER_SECONDS:.0f} s: {_verdict(hot, reload.TARGET_HANDLER_SECONDS)} "
        f"| {reload.GOAL_HANDLER_SECONDS} s: {_verdict(hot, reload.GOAL_HANDLER_SECONDS)} |",
        f"| a new route to a new function, behind the authorizer | {_figure(data['route_added'])} "
        "| | | | | "
        f"{reload.TARGET_ROUTE_SECONDS:.0f} s: {_verdict(route, reload.TARGET_ROUTE_SECONDS)} "
        f"| {reload.GOAL_ROUTE_SECONDS:.0f} s: {_verdict(route, reload.GOAL_ROUTE_SECONDS)} |",
        f"| that route taken out again (to the first 404) | {_figure(data['route_removed'])} "
        "| | | | | | |",
        f"| without watching: the handler, Ctrl-C, `make local` again | "
        f"{_figure(data['restart'])} | | | | | | |",
        "",
        f"{PEER_NAME} reloads handler code only (`--reloadHandler` imports it again on every "
        "request); a new route in `serverless.yml` needs its restart, so it has no figure "
        f"there. Against the restart that watching replaces: a handler edit is served "
        f"{restarted / hot:.0f}x sooner (restart median ÷ hot-reload median); a new route, a "
        f"CDK deploy either way, {restarted / route:.1f}x sooner than a restart serves an "
        "edited handler.",
        "",
        "What the runs printed: `reloaded in` (hot reload, from the batch of changes to the "
        f"swap) median {_median(data['handler_reported']):.2f} s; `redeployed in` median "
        f"{_median(data['route_added_reported']):.1f} s (route in), "
        f"{_median(data['route_removed_reported']):.1f} s (route out). A restart: Ctrl-C to "
        f"exit median {_median(data['restart_stop']):.1f} s, then `Ready in` median "
        f"{_median(data['restart_ready']):.1f} s. Answers while the handler samples polled: "
        f"ours {polls.get('ours', 0)}, {failed.get('ours', 0)} not a 200 or not an answer; "
        f"theirs {polls.get('peer', 0)}, {failed.get('peer', 0)}; while the routes polled, "
        f"{data['route_failed']} other than 404 and 200. Reload lines, as printed:",
        "",
        "```",
        *data["reload_lines"],
        "```",
        "",
        *_reload_phase_rows(data),
        f"Requests per second on the echo path (`GET /echo`, valid token): ours, our echo "
        f"gateway of section 5 (its function workers stay warm: a reload replaces them only "
        f"when the code changed); {PEER_NAME} without and with `--reloadHandler`, which starts "
        "a new Python process per request and keeps it idle for 60 s (each of its runs on a "
        "fresh instance, so they do not pile up). The same load generator, "
        f"{requests['ours']} requests per run for ours and {PEER_NAME} without reloading, "
        f"{requests['peer_reload']} with it; "
        + ", ".join(f"{n} rounds at {c} clients" for c, n in rounds.items())
        + ", the three sides interleaved; medians.",
        "",
        f"| clients | ours req/s | {PEER_NAME} req/s | with `--reloadHandler` req/s "
        "| ours ÷ reloading | not reloading ÷ reloading | p50 ms ours / theirs / reloading "
        "| CPU ms/req ours / theirs / reloading |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        *_reload_rps_rows(data),
        "",
        f"Machine load (1/5/15-minute load average) before this section: {before}; after: "
        f"{after} (2 cores, shared with other work while measured).",
    ]


def _level_rows(levels: list[dict[str, Any]], share: bool) -> list[str]:
    rows = []
    for level in levels:
        cells = [
            str(level["concurrency"]),
            f"{level['requests'] / level['elapsed']:.0f}",
            f"{level['p50_ms']:.1f}",
            f"{level['p90_ms']:.1f}",
            f"{level['p99_ms']:.1f}",
        ]
        if share:
            cells += [
                f"{level['authorizer_us']:.0f}",
                f"{level['authorizer_share']:.1%}",
                _verdict(level["authorizer_share"], http_api.TARGET_SHARE),
            ]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _http_section(data: dict[str, Any]) -> list[str]:
    lines = [
        f"## 3. Local HTTP API: authorized `{GET_PROFILE_ROUTE}`",
        "",
        f"A real `python -m local up` (emulator, `cdk deploy`, data plane with "
        f"{data['workers']} worker processes per function), driven by a separate load process "
        f"(httpx, keep-alive) on loopback: {http_api.REQUESTS_PER_LEVEL} measured requests per "
        "level after a warm-up (keys fetched, workers warm). Each client reuses its own token. "
        "Every answer was a 200 (the handler reads DynamoDB in the emulator).",
        "",
        "![latency by concurrency](docs/bench-latency.png)",
        "",
        "| clients | req/s | p50 ms | p90 ms | p99 ms |",
        "|---:|---:|---:|---:|---:|",
        *_level_rows(data["local_up"], share=False),
        "",
        "Authorizer share, measured inside the server: a second data plane built by the same "
        "`build_data_plane` over the same emulator, in the benchmark process, under the same "
        "load; share = `timings.authorizer_seconds / timings.total_seconds`. "
        f"Target: at most {http_api.TARGET_SHARE:.0%} with warm keys.",
        "",
    ]
    titles = {
        "reused": "Reused tokens (each client keeps its token; verified once, then an LRU hit):",
        "unique": "Unique tokens (every request a never-seen token: full RS256 signature check "
        "against the warm key cache; the worst case):",
    }
    for mode, levels in data["in_process"].items():
        lines += [
            titles.get(mode, mode),
            "",
            "| clients | req/s | p50 ms | p90 ms | p99 ms | authorizer µs/req | share | target |",
            "|---:|---:|---:|---:|---:|---:|---:|---|",
            *_level_rows(levels, share=True),
            "",
        ]
    return lines + _profile_time_section(data)


def _profile_time_section(data: dict[str, Any]) -> list[str]:
    """Where an authorized profile GET spends its time, and the emulator's own ceiling."""
    levels = [lv for lv in data["in_process"].get("reused", []) if lv.get("invoke_us")]
    emulator = data.get("emulator_get_item", [])
    if not levels or not emulator:
        return []
    lines = [
        f"### Where an authorized `{GET_PROFILE_ROUTE}` spends its time",
        "",
        "Per request, measured inside the in-process data plane (reused tokens): the "
        "authorizer; the invocation, from asking for a worker to having its answer (waiting "
        "for a free worker, the hand-off both ways, the handler); the handler alone, timed in "
        "its worker (its one DynamoDB `GetItem` against the emulator, through boto3); and the "
        "rest of the gateway (routing, event, response, logging).",
        "",
        "| clients | req/s | request µs | authorizer µs | waiting + hand-off µs | handler µs "
        "| rest of gateway µs |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for level in levels:
        total, invoke = level["total_us"], level["invoke_us"]
        function, authorizer = level["function_us"], level["authorizer_us"]
        lines.append(
            f"| {level['concurrency']} | {level['requests'] / level['elapsed']:.0f} | "
            f"{total:.0f} | {authorizer:.0f} | {invoke - function:.0f} | {function:.0f} | "
            f"{total - invoke - authorizer:.0f} |"
        )
    lines += [
        "",
        "The emulator alone, no gateway: the handler's exact call "
        "(`get_item(..., ConsistentRead=True)` through boto3) on the deployed table, "
        "from 1 and from 8 threads:",
        "",
        "| threads | GetItem calls/s | p50 ms |",
        "|---:|---:|---:|",
    ]
    for level in emulator:
        lines.append(
            f"| {level['threads']} | {level['calls'] / level['elapsed']:.0f} | "
            f"{level['p50_ms']:.2f} |"
        )
    eight = next((lv for lv in data["local_up"] if lv["concurrency"] == 8), None)
    ceiling = max(lv["calls"] / lv["elapsed"] for lv in emulator)
    if eight is not None:
        rps = eight["requests"] / eight["elapsed"]
        lines += [
            "",
            f"At 8 clients `local up` serves {rps:.0f} req/s: {rps / ceiling:.0%} of the "
            f"{ceiling:.0f} GetItem/s the emulator answers on its own. The target of 1000 req/s "
            "would need the emulator to answer 1000 GetItem/s; on this machine it answers at most "
            f"{ceiling:.0f}, so no change to the gateway can reach it (see the analysis below).",
        ]
    return lines


def _suite_runs(data: dict[str, Any]) -> dict[str, list[float]]:
    """Suite samples by worker count (results of older benches: 2 workers only)."""
    suites: dict[str, list[float]] = data.get("suites") or {"2 workers": data["suite"]}
    return suites


def _suite_section(data: dict[str, Any]) -> list[str]:
    bare = _median(data["bare"])
    runs = _suite_runs(data)
    rounds = len(runs["2 workers"])
    lines = [
        "## 2. Test suite against one bare synth",
        "",
        f"`pytest -q -p no:cacheprovider` from the root on 2 workers (`-n 2`, the default) and "
        f"on 1 (`-n 0`), {rounds} rounds interleaved with bare synths, each starting from the "
        "saved deployed states of the suite's configurations (tests/local/runs.py) that the "
        "first run, from none, saved. Target: ratio at most "
        f"{suite.TARGET:.0f} (2 workers).",
        "",
        "| side | median s | min-max s | ratio |",
        "|---|---:|---:|---:|",
        f"| one bare synth | {bare:.2f} | {_spread(data['bare'])} | 1.0 |",
    ]
    if "cold" in data:
        cold = float(data["cold"])
        lines.append(
            f"| whole suite, 2 workers, no saved states (fresh clone, one run) | {cold:.1f} "
            f"| {cold:.1f} | {cold / bare:.1f} |"
        )
    for name, samples in runs.items():
        ratio = _median(samples) / bare
        verdict = f" ({_verdict(ratio, suite.TARGET)} the target)" if name == "2 workers" else ""
        lines.append(
            f"| whole suite, {name} | {_median(samples):.1f} | {_spread(samples)} "
            f"| {ratio:.1f}{verdict} |"
        )
    return [
        *lines,
        "",
        "Outcome of each run: " + "; ".join(data["summaries"]) + ".",
        "",
        f"Slowest steps of the last 2-worker run (`--durations={suite.SLOWEST}`):",
        "",
        "```",
        data["durations"],
        "```",
    ]


def _summary(results: dict[str, Any]) -> list[str]:
    """The summary table: one row per measured figure, its target and whether it meets it."""
    summary = ["| figure | measured | target | |", "|---|---:|---:|---|"]
    if "synth" in results:
        data = results["synth"]
        worst = max(_median(v) for v in data["configs"].values()) / _median(data["bare"])
        summary.append(
            f"| synth, slowest configuration / bare app | {worst:.2f} | {synth.TARGET} | "
            f"{_verdict(worst, synth.TARGET)} |"
        )
    if "suite" in results:
        data = results["suite"]
        ratio = _median(_suite_runs(data)["2 workers"]) / _median(data["bare"])
        summary.append(
            f"| test suite / one bare synth | {ratio:.1f} | {suite.TARGET:.0f} | "
            f"{_verdict(ratio, suite.TARGET)} |"
        )
    if "http" in results:
        shares = [
            level["authorizer_share"]
            for levels in results["http"]["in_process"].values()
            for level in levels
        ]
        summary.append(
            f"| authorizer share of request time, worst level | {max(shares):.1%} | "
            f"{http_api.TARGET_SHARE:.0%} | {_verdict(max(shares), http_api.TARGET_SHARE)} |"
        )
    if "peer" in results:
        ratios = peer_ratios(results["peer"])
        worst = min(min(r["rps"], r["p50_ms"], r["p99_ms"]) for r in ratios.values())
        verdict = "meets" if worst >= gateway_peer.TARGET else "**misses**"
        summary.append(
            f"| local gateway vs {PEER_NAME}, worst cell (req/s, p50, p99) | {worst:.2f}x | "
            f"{gateway_peer.TARGET}x | {verdict} |"
        )
    if "cold_start" in results:
        data = results["cold_start"]
        worst = max(_median(v) for v in data["handlers"].values()) / _median(data["baseline"])
        summary.append(
            f"| handler import / `import boto3`, slowest handler | {worst:.2f} | "
            f"{cold_start.TARGET} | {_verdict(worst, cold_start.TARGET)} |"
        )
    if "restart" in results:
        warm = _median(results["restart"]["ready"]["warm"])
        summary.append(
            f"| `make local` warm restart, seconds to ready | {warm:.1f} | "
            f"{restart.TARGET_WARM_SECONDS:.0f} | {_verdict(warm, restart.TARGET_WARM_SECONDS)} |"
        )
    if "reload" in results:
        data = results["reload"]
        hot, route = _median(data["handler"]["ours"]), _median(data["route_added"])
        summary += [
            f"| `make local` handler edit, save to first answer (median s) | {hot:.2f} | "
            f"{reload.TARGET_HANDLER_SECONDS:.0f} | "
            f"{_verdict(hot, reload.TARGET_HANDLER_SECONDS)} |",
            f"| `make local` new route, save to first answer (median s) | {route:.1f} | "
            f"{reload.TARGET_ROUTE_SECONDS:.0f} | {_verdict(route, reload.TARGET_ROUTE_SECONDS)} |",
        ]
    return summary


def render(results: dict[str, Any], notes: str = "") -> str:
    """BENCHMARKS.md: summary first, then one section per figure, then how to reproduce."""
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`python -m bench`); do not edit by hand. Every figure is a "
        "ratio of two things measured side by side in the same run (repetitions interleaved, "
        "medians), so it says something on another machine; the seconds are this machine's. "
        "No test asserts on a timing. Raw samples: `bench/results.json`.",
        "",
        f"Measured {results['date']}.",
        "",
        *_summary(results),
        "",
        "Machine:",
        "",
        *_machine_table(results["machine"]),
        "",
    ]
    for key, section in (
        ("synth", _synth_section),
        ("suite", _suite_section),
        ("http", _http_section),
        ("cold_start", _cold_start_section),
        ("peer", _peer_section),
        ("restart", _restart_section),
        ("reload", _reload_section),
    ):
        if key in results:
            lines += [*section(results[key]), ""]
    if notes:
        lines += [notes.strip(), ""]
    lines += [
        "## Reproduce",
        "",
        "```bash",
        "make bench                      # installs requirements-bench.txt, runs everything",
        ".venv/bin/python -m bench --only http,peer          # some sections (others kept)",
        ".venv/bin/python -m bench --report-only             # re-render from results.json",
        "```",
        "",
        "A full run takes about 10-12 minutes on 2 cores; it starts its own emulator, local "
        "run, echo gateway and serverless-offline on free loopback ports and leaves nothing "
        "running. The first `make bench` also installs the peer in `bench/peer` "
        "(`npm ci` from its own lock file, under a minute).",
        "",
    ]
    return "\n".join(lines)
