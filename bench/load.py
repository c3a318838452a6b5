"""Closed-loop HTTP load: N concurrent workers cycling through URLs, for a fixed time.

Library use::

    result = await run_load(urls, {"Authorization": "Bearer ..."}, connections=50)

Command line (GET only)::

    python -m bench.load http://127.0.0.1:8080/healthz -c 50 -d 15

Every worker sends its next request as soon as the previous answer was read, so the
measured latency includes queueing in the server. A request counts when its answer arrives
inside the measured window (after the warm-up); requests still unanswered when the window
closes are reported as `unfinished`. A non-2xx status or a transport error counts as an
error (its latency is still recorded). `wrk_load` runs the same scenario
through wrk, when it is installed, for comparison with a load tool that uses less CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp


@dataclass(frozen=True, slots=True)
class Result:
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    #: the part of `errors` that got no HTTP answer at all (connect/read errors, timeouts)
    transport_errors: int = 0
    p90_ms: float = 0.0
    max_ms: float = 0.0
    duration_s: float = 0.0
    #: requests still waiting for an answer when the window closed (not in the percentiles)
    unfinished: int = 0
    oldest_unfinished_ms: float = 0.0
    connections: int = 0
    tool: str = "aiohttp"

    def as_dict(self) -> dict[str, float | int | str]:
        return asdict(self)


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending sequence (0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


async def run_load(
    urls: list[str],
    headers: Mapping[str, str] | None = None,
    connections: int = 50,
    duration_s: float = 15,
    warmup_s: float = 3,
) -> Result:
    """Load `urls` (GET, cycled in order) with `connections` concurrent workers.

    A request counts when its answer arrives inside the measured window (after the warm-up),
    whenever it was sent. Requests still in flight when the window closes are cancelled on
    the client side and reported as `unfinished` with the age of the oldest.
    """
    if not urls:
        raise ValueError("no URLs to load")
    cycle = itertools.cycle(urls)
    latencies: list[float] = []
    errors = transport_errors = 0
    in_flight: dict[int, float] = {}
    loop_start = time.perf_counter()
    measure_from = loop_start + warmup_s
    measure_until = measure_from + duration_s
    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=None)

    async def worker(number: int, session: aiohttp.ClientSession) -> None:
        nonlocal errors, transport_errors
        perf = time.perf_counter
        while True:
            url = next(cycle)
            began = perf()
            if began >= measure_until:
                return
            in_flight[number] = began
            ok = answered = False
            try:
                async with session.get(url, allow_redirects=False) as resp:
                    await resp.read()
                    answered = True
                    ok = 200 <= resp.status < 300
            except (aiohttp.ClientError, TimeoutError):
                ok = False
            ended = perf()
            del in_flight[number]
            if measure_from <= ended <= measure_until:
                latencies.append(ended - began)
                if not ok:
                    errors += 1
                    transport_errors += not answered

    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, headers=dict(headers or {})
    ) as session:
        tasks = [asyncio.create_task(worker(i, session)) for i in range(connections)]
        remaining = max(0.0, measure_until - time.perf_counter())
        _, pending = await asyncio.wait(tasks, timeout=remaining)
        closed_at = time.perf_counter()
        stuck = dict(in_flight)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    latencies.sort()
    oldest = max((closed_at - began for began in stuck.values()), default=0.0)
    return Result(
        requests=len(latencies),
        rps=round(len(latencies) / duration_s, 1),
        p50_ms=round(percentile(latencies, 0.50) * 1000, 2),
        p99_ms=round(percentile(latencies, 0.99) * 1000, 2),
        errors=errors,
        transport_errors=transport_errors,
        p90_ms=round(percentile(latencies, 0.90) * 1000, 2),
        max_ms=round((latencies[-1] if latencies else 0.0) * 1000, 2),
        duration_s=duration_s,
        unfinished=len(stuck),
        oldest_unfinished_ms=round(oldest * 1000, 1),
        connections=connections,
    )


# -- wrk -------------------------------------------------------------------------------

WRK_SCRIPT = """
local paths = {%(paths)s}
local n = #paths
local counter = 1
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  counter = ((id or 1) * 7919) %% n + 1
end

function request()
  counter = counter %% n + 1
  return wrk.format("GET", paths[counter])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p90_us": %%d, ' ..
    '"p99_us": %%d, "max_us": %%d, "status_errors": %%d, "socket_errors": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _run_wrk(
    base: str, script: Path, headers: Mapping[str, str], connections: int, seconds: float
) -> dict[str, int]:
    argv = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{max(1, round(seconds))}s"]
    argv += ["--timeout", "60s", "-s", str(script)]
    for key, value in headers.items():
        argv += ["-H", f"{key}: {value}"]
    argv.append(base)
    out = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=seconds + 120)
    for line in out.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            parsed: dict[str, int] = json.loads(line.removeprefix("WRK_JSON "))
            return parsed
    raise RuntimeError(f"wrk printed no summary:\n{out.stdout}\n{out.stderr}")


async def wrk_load(
    urls: list[str],
    headers: Mapping[str, str] | None = None,
    connections: int = 50,
    duration_s: float = 15,
    warmup_s: float = 3,
) -> Result:
    """The same scenario through wrk (2 threads); a separate warm-up run is discarded."""
    parts = [urlsplit(u) for u in urls]
    base = f"{parts[0].scheme}://{parts[0].netloc}"
    paths = [p.path + (f"?{p.query}" if p.query else "") for p in parts]
    with tempfile.TemporaryDirectory(prefix="kompas-wrk-") as tmp:
        script = Path(tmp) / "paths.lua"
        script.write_text(WRK_SCRIPT % {"paths": ",\n".join(map(_lua_string, paths))})
        hdrs = dict(headers or {})
        if warmup_s > 0:
            await asyncio.to_thread(_run_wrk, base, script, hdrs, connections, warmup_s)
        data = await asyncio.to_thread(_run_wrk, base, script, hdrs, connections, duration_s)
    seconds = data["duration_us"] / 1e6
    return Result(
        requests=data["requests"],
        rps=round(data["requests"] / seconds, 1),
        p50_ms=round(data["p50_us"] / 1000, 2),
        p99_ms=round(data["p99_us"] / 1000, 2),
        errors=data["status_errors"] + data["socket_errors"],
        transport_errors=data["socket_errors"],
        p90_ms=round(data["p90_us"] / 1000, 2),
        max_ms=round(data["max_us"] / 1000, 2),
        duration_s=round(seconds, 2),
        connections=connections,
        tool="wrk",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="GET load on one or more URLs")
    parser.add_argument("urls", nargs="+")
    parser.add_argument("-c", "--connections", type=int, default=50)
    parser.add_argument("-d", "--duration", type=float, default=15)
    parser.add_argument("-w", "--warmup", type=float, default=3)
    parser.add_argument("-H", "--header", action="append", default=[], help="'Name: value'")
    args = parser.parse_args(argv)
    headers = dict(h.split(":", 1) for h in args.header)
    headers = {k.strip(): v.strip() for k, v in headers.items()}
    result = asyncio.run(run_load(args.urls, headers, args.connections, args.duration, args.warmup))
    print(json.dumps(result.as_dict()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
