"""AMI ingestion: events per second from a socket into stored call records, next to the bare
client library; memory over a long stream; CPU at a steady load.

    .venv/bin/python bench/bench_ami_ingest.py                 # SQLite and PostgreSQL
    .venv/bin/python bench/bench_ami_ingest.py --backend sqlite --events 100000

The AMI simulator (kompas_cc/telephony/simulator.py) plays generated traffic (inbound calls
to extensions and queues, missed calls, transfers, outbound calls) over TCP as fast as the
socket takes it. Measured in one run, on the same stream, in --rounds rounds (bare, then each
backend, each on a new database): a backend's share is taken against the bare rate of its
own round, and the median share of the rounds is the figure, since this machine's speed
drifts within minutes:

* bare: panoramisk's Manager with a no-op callback for every event (parsing only);
* kompas: KOMPAS's AMI connection, the call tracker and the call log writer, until every
  finished call is stored in the database (SQLite file, or a throwaway PostgreSQL cluster).
  Target: >= 40 % of the bare rate.
* memory: resident memory and the tracker's maps while 1,000,000 events stream through in
  chunks (finished calls must not pile up);
* steady: generated traffic of about 200 concurrent calls (about 450 events/s) paced in real
  time for --steady-seconds; the process's CPU time over wall time, in % of one core.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from panoramisk import Manager
from peers.postgres import free_port

from kompas_cc.core.bus import Bus
from kompas_cc.core.clock import SystemClock
from kompas_cc.db.engine import create_engine, create_session_factory
from kompas_cc.db.migrate import upgrade
from kompas_cc.db.uow import make_uow_factory
from kompas_cc.telephony.ami import AmiConnection
from kompas_cc.telephony.amilink import AmiConfig
from kompas_cc.telephony.calls import CallTracker
from kompas_cc.telephony.ingest import CallIngest
from kompas_cc.telephony.simulator import AmiSimulator
from kompas_cc.telephony.simulator_config import Operator, Timings, TrafficConfig
from kompas_cc.telephony.simulator_traffic import generate_traffic
from kompas_cc.telephony.simulator_wire import encode_frame

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TRUNKS = ("PJSIP/trunk-*",)
USER, SECRET = "bench", "bench-secret"
#: Calls arriving per minute in the steady mode (see `steady`).
STEADY_CALLS_PER_MINUTE = 122.0
#: A new database of the backend for a round (or for the memory and steady runs).
DatabaseUrl = Callable[[int | str], str]
#: Dialplan steps each call of the steady mode runs before it is routed (see
#: TrafficConfig.dialplan_prelude): a generated dialplan's chatter, as on a FreePBX system.
STEADY_DIALPLAN_STEPS = 65


def stream(
    events: int, calls_per_minute: float = 600.0, seed: int = 1, *, whole_calls: bool = False
) -> list[dict[str, str]]:
    """`events` AMI events of generated traffic, in order; with `whole_calls`, at least that
    many and every call to its end (a cut stream leaves its last calls in progress)."""
    frames: list[dict[str, str]] = []
    start, hour = START, 0
    while len(frames) < events:
        config = TrafficConfig(calls_per_minute=calls_per_minute, trunk_lines=1000)
        chunk = generate_traffic(config, start + timedelta(hours=hour), timedelta(minutes=10), seed)
        frames.extend(dict(frame) for frame in chunk)
        hour, seed = hour + 1, seed + 1
    return frames if whole_calls else frames[:events]


async def _until(condition: Any, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the stream did not arrive in time")
        await asyncio.sleep(0.005)


async def serve(path: Path, port: int) -> None:
    """The child process: a minimal AMI server that logs the client in, answers its actions,
    and then writes the whole recorded stream at once (encoded beforehand, so that the
    sender is never the bottleneck)."""
    lines = await asyncio.to_thread(path.read_text)
    blob = b"".join(encode_frame(json.loads(line)) for line in lines.splitlines())
    done = asyncio.Event()

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Asterisk Call Manager/9.0.0\r\n")
        sent = False
        while True:
            try:
                raw = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                break
            action = dict(
                line.split(": ", 1) for line in raw.decode().split("\r\n") if ": " in line
            )
            writer.write(_answer(action))
            if action.get("Action", "").lower() == "login" and not sent:
                sent = True
                await asyncio.sleep(0.5)
                for start in range(0, len(blob), 1 << 16):
                    writer.write(blob[start : start + (1 << 16)])
                    await writer.drain()
        writer.close()
        if sent:  # not the probe that checked the port
            done.set()

    server = await asyncio.start_server(session, "127.0.0.1", port)
    async with server:
        await asyncio.wait_for(done.wait(), 1800)


def _answer(action: dict[str, str]) -> bytes:
    name, action_id = action.get("Action", "").lower(), action.get("ActionID", "")
    head = f"Response: Success\r\nActionID: {action_id}\r\n"
    if name == "login":
        return (
            f"{head}Message: Authentication accepted\r\n\r\n"
            "Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Fully Booted\r\n\r\n"
        ).encode()
    if name == "challenge":
        return f"{head}Challenge: 840212739\r\n\r\n".encode()
    if name == "ping":
        return f"{head}Ping: Pong\r\nTimestamp: {time.time():.6f}\r\n\r\n".encode()
    if name == "coreshowchannels":
        return (
            f"{head}EventList: start\r\nMessage: Channels will follow\r\n\r\n"
            f"Event: CoreShowChannelsComplete\r\nActionID: {action_id}\r\n"
            "EventList: Complete\r\nListItems: 0\r\n\r\n"
        ).encode()
    return f"{head}\r\n".encode()


class Server:
    """A replaying AMI simulator in a process of its own, so that it takes no CPU from the
    client being measured."""

    def __init__(self, frames: list[dict[str, str]], folder: Path) -> None:
        self._path = folder / "frames.jsonl"
        self._path.write_text("\n".join(json.dumps(f, ensure_ascii=False) for f in frames))
        self.port = free_port()
        self._process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> Server:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--serve", str(self._path), "--port", str(self.port)
        )
        await _until(self._listening, 30)
        return self

    def _listening(self) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    async def __aexit__(self, *_exc: object) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
            await self._process.wait()


async def bare(frames: list[dict[str, str]], folder: Path) -> float:
    """panoramisk alone: events/s from the first event to the last."""
    seen, first = 0, 0.0

    def count(_manager: Any, _message: Any) -> None:
        nonlocal seen, first
        if seen == 0:
            first = time.perf_counter()
        seen += 1

    async with Server(frames, folder) as server:
        manager = Manager(host="127.0.0.1", port=server.port, username=USER, secret=SECRET)
        manager.register_event("*", count)
        await manager.connect()
        await _until(lambda: seen >= len(frames), 900)
        elapsed = time.perf_counter() - first
        manager.close()
    return len(frames) / elapsed


async def kompas(frames: list[dict[str, str]], url: str, folder: Path) -> tuple[float, int]:
    """KOMPAS: events/s from the first event until every finished call is stored."""
    await upgrade(url)
    engine = create_engine(url)
    uows = make_uow_factory(create_session_factory(engine), Bus())
    ingest = CallIngest(uows, SystemClock(), CallTracker(trunk_patterns=TRUNKS))
    first = 0.0

    def sink(event: Any) -> None:
        nonlocal first
        if not first:
            first = time.perf_counter()
        ingest.accept(event)

    async with Server(frames, folder) as server:
        link = AmiConnection(
            AmiConfig("127.0.0.1", server.port, USER, SECRET), clock=SystemClock(), sink=sink
        )
        link.start()
        ingest.start()
        await _until(lambda: link.status.connected, 30)
        before = link.status.events_received
        await _until(
            lambda: link.status.events_received >= before + len(frames) and ingest.waiting == 0,
            900,
        )
        elapsed = time.perf_counter() - first
        await link.close()
        await ingest.stop()
    await engine.dispose()
    return len(frames) / elapsed, ingest.stored


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def memory(url: str, total: int, chunk: int) -> list[tuple[int, float, int]]:
    """(events so far, RSS MB, calls in progress) after each chunk of a long stream."""
    await upgrade(url)
    engine = create_engine(url)
    uows = make_uow_factory(create_session_factory(engine), Bus())
    tracker = CallTracker(trunk_patterns=TRUNKS)
    ingest = CallIngest(uows, SystemClock(), tracker)
    points = []
    done, seed = 0, 100
    async with AmiSimulator(username=USER, secret=SECRET, autorun=False) as sim:
        link = AmiConnection(
            AmiConfig("127.0.0.1", sim.port, USER, SECRET), clock=SystemClock(), sink=ingest.accept
        )
        link.start()
        ingest.start()
        await _until(lambda: link.status.connected, 10)
        while done < total:
            frames = stream(chunk, seed=seed, whole_calls=True)
            seed += 50
            before = link.status.events_received
            await sim.replay(frames)
            await _until(
                lambda f=frames, b=before: (
                    link.status.events_received >= b + len(f) and ingest.waiting == 0
                ),
                600,
            )
            done += len(frames)
            del frames
            gc.collect()
            points.append((done, round(rss_mb(), 1), tracker.active_calls))
        await link.close()
        await ingest.stop()
    await engine.dispose()
    return points


async def steady(url: str, seconds: float) -> tuple[float, float, int]:
    """CPU % of one core while simulated traffic of ~200 concurrent calls plays in real time."""
    await upgrade(url)
    engine = create_engine(url)
    uows = make_uow_factory(create_session_factory(engine), Bus())
    tracker = CallTracker(trunk_patterns=TRUNKS)
    ingest = CallIngest(uows, SystemClock(), tracker)
    # 200 calls going at once need people to talk to: a site of 260 operators, so that calls
    # are answered rather than abandoned in a queue. Talks last about two and a half minutes
    # on average (log-normal, median 2 min) plus ringing and queueing: 122 calls a minute keep
    # about 200 going.
    operators = tuple(Operator(str(2000 + n), f"Оператор {n}") for n in range(260))
    # Asterisk reports RTCP statistics of each talking channel every 5 s (rtcp.conf's
    # default), and a generated dialplan runs dozens of steps per call (FreePBX): together
    # most of a real stream at this load.
    config = TrafficConfig(
        calls_per_minute=STEADY_CALLS_PER_MINUTE,
        trunk_lines=1000,
        operators=operators,
        timings=Timings(rtcp_interval_s=5.0),
        dialplan_prelude=STEADY_DIALPLAN_STEPS,
    )
    async with AmiSimulator(username=USER, secret=SECRET, config=config, traffic=True) as sim:
        link = AmiConnection(
            AmiConfig("127.0.0.1", sim.port, USER, SECRET), clock=SystemClock(), sink=ingest.accept
        )
        link.start()
        ingest.start()
        await _until(lambda: link.status.connected, 10)
        await asyncio.sleep(120)  # warm-up: calls build up to the steady level
        before = link.status.events_received
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(seconds)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        received = link.status.events_received - before
        concurrent = tracker.active_calls
        await link.close()
        await ingest.stop()
    await engine.dispose()
    return 100 * cpu / wall, received / wall, concurrent


async def rates(
    frames: list[dict[str, str]], urls: dict[str, DatabaseUrl], rounds: int, folder: Path
) -> dict[str, list[float]]:
    """Events/s of bare panoramisk and of each backend, `rounds` times in turn: this machine's
    speed drifts by a third within minutes, so each backend is compared with the bare run
    just before it, and the median of the rounds is reported."""
    measured: dict[str, list[float]] = {"bare": [], **{backend: [] for backend in urls}}
    for round_ in range(1, rounds + 1):
        bare_rate = await bare(frames, folder)
        measured["bare"].append(bare_rate)
        print(f"round {round_}: bare panoramisk, no-op callback: {bare_rate:,.0f} events/s")
        for backend, new_url in urls.items():
            rate, stored = await kompas(frames, new_url(round_), folder)
            measured[backend].append(rate)
            print(
                f"round {round_}: {backend}: {rate:,.0f} events/s into the call log "
                f"({stored:,} calls stored), {100 * rate / bare_rate:.0f} % of bare"
            )
    return measured


async def run(args: argparse.Namespace) -> None:
    frames = stream(args.events)
    print(f"stream: {len(frames):,} AMI events of generated traffic")
    urls: dict[str, DatabaseUrl] = {}
    tmp = tempfile.TemporaryDirectory(prefix="kompas-ingest-")
    cluster = None
    if args.backend in ("sqlite", "both"):
        urls["sqlite"] = lambda n: f"sqlite+aiosqlite:///{tmp.name}/ingest-{n}.db"
    if args.backend in ("postgresql", "both"):
        from peers.postgres import PostgresCluster

        cluster = PostgresCluster(start_timeout=120)
        cluster.start()
        urls["postgresql"] = lambda n: cluster.create_database(f"kompas_ingest_{n}")
    try:
        folder = Path(tmp.name)
        measured = await rates(frames, urls, args.rounds, folder)
        for backend in urls:
            shares = [
                100 * rate / base
                for rate, base in zip(measured[backend], measured["bare"], strict=True)
            ]
            share = statistics.median(shares)
            verdict = "PASS" if share >= 40 else "FAIL"
            print(
                f"{backend}: median {statistics.median(measured[backend]):,.0f} events/s, "
                f"{share:.0f} % of bare (rounds: {', '.join(f'{s:.0f}' for s in shares)} %; "
                f">= 40 %: {verdict})"
            )
        if args.memory_events:
            url = next(iter(urls.values()))("memory")
            print(f"memory over {args.memory_events:,} events (events, RSS MB, calls in progress):")
            for point in await memory(url, args.memory_events, args.memory_chunk):
                print(f"  {point[0]:>9,}  {point[1]:>7.1f}  {point[2]:>5}")
        if args.steady_seconds:
            url = next(iter(urls.values()))("steady")
            cpu, rate, concurrent = await steady(url, args.steady_seconds)
            print(
                f"steady load: {concurrent} calls in progress, {rate:,.0f} events/s, "
                f"CPU {cpu:.1f} % of one core"
            )
    finally:
        if cluster is not None:
            cluster.stop()
        tmp.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3, help="bare and KOMPAS runs in turn")
    parser.add_argument("--memory-events", type=int, default=1_000_000)
    parser.add_argument("--memory-chunk", type=int, default=100_000)
    parser.add_argument("--steady-seconds", type=float, default=60)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve, args.port))
        return
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
