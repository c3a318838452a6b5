"""Time from `kompas demo --fresh` being started to the first page served (GET /login: 200).

    python -m bench.bench_demo            # 3 runs, target: median < 5 s

Each run gets a new temp dir as working directory and KOMPAS_VAR_DIR, a free port
(KOMPAS_HTTP_PORT) and no config file, so nothing of the repository's var/ is used or
touched. The clock starts before the process is spawned, so interpreter start-up,
imports, building the demo database and migrations are all included.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    HOST,
    RESULTS_DIR,
    CpuWatch,
    ServerProcess,
    free_port,
    kompas_command,
    rel,
)

TARGET_S = 5.0


@dataclass(frozen=True, slots=True)
class Run:
    seconds: float
    #: what the demo itself printed ("Ready in 2.1 s"): from inside the process, so without
    #: interpreter start and imports; None when it printed no such line
    self_reported_s: float | None
    other_cpu_pct: float | None


READY_LINE = re.compile(r"Ready in ([0-9.]+) s")


async def one_run(number: int, extra: Sequence[str], timeout_s: float) -> Run:
    with tempfile.TemporaryDirectory(prefix="kompas-demo-bench-") as tmp_name:
        tmp = Path(tmp_name)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("KOMPAS_")}
        env.update(
            KOMPAS_CONFIG=str(tmp / "no-config.toml"),
            KOMPAS_VAR_DIR=str(tmp / "var"),
            KOMPAS_HTTP_HOST=HOST,
            KOMPAS_HTTP_PORT=str(port),
        )
        server = ServerProcess(
            f"kompas demo (run {number})",
            kompas_command("demo", "--fresh", *extra),
            port,
            env=env,
            log_path=tmp / "demo.log",
            cwd=tmp,
            ready_path="/login",
        )
        watch = CpuWatch([os.getpid()])
        watch.start()
        server.start()
        try:
            seconds = await server.wait_ready(timeout_s=timeout_s)
            await asyncio.sleep(0.2)  # let the demo print its own figure
        finally:
            server.stop()
        other = watch.stop()["other_cpu_pct"]
        log = (tmp / "demo.log").read_text(errors="replace")
        found = READY_LINE.search(log)
        return Run(seconds, float(found.group(1)) if found else None, other)


async def amain(args: argparse.Namespace) -> int:
    extra = ["--clients", str(args.clients)] if args.clients is not None else []
    runs: list[Run] = []
    for number in range(1, args.runs + 1):
        run = await one_run(number, extra, args.timeout)
        runs.append(run)
        inside = "" if run.self_reported_s is None else f" (demo says {run.self_reported_s} s)"
        noisy = ""
        if run.other_cpu_pct is not None and run.other_cpu_pct > 10:
            noisy = f"; other processes used {run.other_cpu_pct:.0f} % of the CPU: noisy"
        print(f"run {number}: first page after {run.seconds:.2f} s{inside}{noisy}", flush=True)
    times = [r.seconds for r in runs]
    median = statistics.median(times)
    verdict = "PASS" if median < TARGET_S else "FAIL"
    print(f"median: {median:.2f} s (target < {TARGET_S:.0f} s: {verdict})")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / "demo.json"
    report = {
        "command": " ".join(["kompas", "demo", "--fresh", *extra]),
        "runs_s": [round(t, 3) for t in times],
        "self_reported_s": [r.self_reported_s for r in runs],
        "other_cpu_pct": [r.other_cpu_pct for r in runs],
        "median_s": round(median, 3),
        "target_s": TARGET_S,
        "ok": median < TARGET_S,
        "cpus": os.cpu_count(),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written {rel(out)}")
    return 0 if median < TARGET_S else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, help="passed to kompas demo (default: its own)")
    parser.add_argument("--timeout", type=float, default=120, help="give up after seconds")
    args = parser.parse_args(argv)
    return asyncio.run(amain(args))


if __name__ == "__main__":
    sys.exit(main())
