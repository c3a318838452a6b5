"""Durable reminders under load: many jobs spread over a span of time, delivered by the
scheduler's loop into a recording handler; every delivery is a row written in the job's
own transaction, so doubles and losses show in the table.

    python bench/bench_scheduler.py                        # 100,000 jobs in 2 real minutes
    python bench/bench_scheduler.py --kill-at 0.5          # SIGKILL the loop halfway, restart
    python bench/bench_scheduler.py --backend postgresql --loops 2
    python bench/bench_scheduler.py --clock fake           # 10 minutes of fake-clock time
    python bench/bench_scheduler.py --jobs 2000 --span 10  # a quick check of the harness

Real clock: the loops run as separate processes (`--worker`), each a `Scheduler` with the
system clock, as in `kompas serve`; PostgreSQL runs in a throwaway cluster from
tests/peers/postgres.py. Two quiet "probe" jobs follow the span; the CPU the loop processes
use between them (no job due, nothing to do) is the "CPU between due times".

Fake clock: one process; time moves only when the loop sleeps, straight to its next
deadline, so the figures are throughput and wake-ups rather than latency.

Prints delivered, doubles (must be 0), missing (must be 0), due->delivered p50/p99/max
(target p99 < 1 s) and the CPU figures; writes bench/results/scheduler-<backend>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import REPO_DIR, RESULTS_DIR, rel, sqlite_url, tree_cpu_s
from kompas_cc.core.bus import Bus
from kompas_cc.core.clock import FakeClock, SystemClock
from kompas_cc.db.engine import create_engine, create_session_factory
from kompas_cc.db.migrate import upgrade
from kompas_cc.db.uow import UnitOfWork, make_uow_factory
from kompas_cc.scheduler import FakeTimer, Job, Scheduler
from kompas_cc.scheduling.models import ScheduledJob

JOB_KIND = "bench.reminder"
PROBE_KIND = "bench.probe"
P99_TARGET_S = 1.0
#: Seconds between the end of seeding and the first due time: the loops start meanwhile.
LEAD_S = 4.0
#: The quiet window after the span: probe 1, then nothing due, then probe 2.
QUIET_S = 10.0
SEED_CHUNK = 5000
PG_DATABASE = "kompas_bench_scheduler"

DELIVERIES_SQL = """
CREATE TABLE bench_deliveries (
    job_id INTEGER NOT NULL,
    due_ts DOUBLE PRECISION NOT NULL,
    delivered_ts DOUBLE PRECISION NOT NULL,
    worker VARCHAR(100) NOT NULL
)
"""


# -- the recording handler (in a worker, or in the fake-clock run) ------------------------


def recording_handler(worker: str, clock: Any) -> Any:
    async def record(uow: UnitOfWork, job: Job) -> None:
        await uow.session.execute(
            text(
                "INSERT INTO bench_deliveries (job_id, due_ts, delivered_ts, worker) "
                "VALUES (:job, :due, :delivered, :worker)"
            ),
            {
                "job": job.id,
                "due": job.due_at.timestamp(),
                "delivered": clock.now().timestamp(),
                "worker": worker,
            },
        )

    return record


async def run_worker(url: str, name: str) -> None:
    """One loop, as a server runs it, until SIGTERM (or SIGKILL, in the kill mode)."""
    engine = create_engine(url)
    uows = make_uow_factory(create_session_factory(engine), Bus())
    clock = SystemClock()
    jobs = Scheduler(clock, name=name)
    handler = recording_handler(name, clock)
    jobs.register(JOB_KIND, handler)
    jobs.register(PROBE_KIND, handler)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await jobs.start(uows)
    print(f"worker {name} ready", flush=True)
    await stop.wait()
    await jobs.stop()
    await engine.dispose()


# -- databases ------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def database(backend: str, tmp: Path) -> AsyncIterator[tuple[str, list[int]]]:
    """A migrated database with the recording table: (URL, pids of its server)."""
    if backend == "sqlite":
        url = sqlite_url(tmp / "scheduler.db")
        await prepare(url)
        yield url, []
        return
    tests_dir = str(REPO_DIR / "tests")
    if tests_dir not in sys.path:
        sys.path.insert(0, tests_dir)
    peer = importlib.import_module("peers.postgres")
    reason = peer.postgres_available()
    if reason is not None:
        raise SystemExit(f"PostgreSQL is not available: {reason}")
    cluster = peer.PostgresCluster(start_timeout=120)
    cluster.start()
    try:
        url = cluster.create_database(PG_DATABASE)
        await prepare(url)
        pid = cluster._read_pid()  # the postmaster (as bench_lookup reads it): the database's CPU
        yield url, [pid] if pid else []
    finally:
        cluster.stop()


async def prepare(url: str) -> None:
    await upgrade(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(DELIVERIES_SQL))
    finally:
        await engine.dispose()


async def seed(engine: AsyncEngine, due_times: Sequence[datetime], kind: str) -> None:
    """Pending jobs, inserted in bulk (the benchmark measures delivery, not `schedule`)."""
    table = ScheduledJob.__table__
    async with engine.begin() as conn:
        for start in range(0, len(due_times), SEED_CHUNK):
            rows = [
                {
                    "kind": kind,
                    "key": None,
                    "due_at": due,
                    "payload": "{}",
                    "state": "pending",
                    "late": False,
                    "attempts": 0,
                }
                for due in due_times[start : start + SEED_CHUNK]
            ]
            await conn.execute(insert(table), rows)


def spread(start: datetime, span_s: float, count: int) -> list[datetime]:
    return [start + timedelta(seconds=span_s * n / count) for n in range(count)]


# -- results --------------------------------------------------------------------------------


@dataclass
class Figures:
    jobs: int
    delivered: int = 0
    doubles: int = 0
    missing: int = 0
    p50_s: float = 0.0
    p99_s: float = 0.0
    max_s: float = 0.0
    late_jobs: int = 0
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def percentile(sorted_values: Sequence[float], share: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(share * (len(sorted_values) - 1))))
    return sorted_values[index]


async def measure(engine: AsyncEngine, jobs: int) -> Figures:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT job_id, count(*), min(delivered_ts) - min(due_ts) "
                    "FROM bench_deliveries d JOIN scheduled_jobs j ON j.id = d.job_id "
                    "WHERE j.kind = :kind GROUP BY job_id"
                ),
                {"kind": JOB_KIND},
            )
        ).all()
        late = (
            await conn.execute(
                text("SELECT count(*) FROM scheduled_jobs WHERE kind = :kind AND late"),
                {"kind": JOB_KIND},
            )
        ).scalar_one()
    latencies = sorted(max(0.0, float(row[2])) for row in rows)
    return Figures(
        jobs=jobs,
        delivered=len(rows),
        doubles=sum(int(row[1]) - 1 for row in rows),
        missing=jobs - len(rows),
        p50_s=percentile(latencies, 0.50),
        p99_s=percentile(latencies, 0.99),
        max_s=latencies[-1] if latencies else 0.0,
        late_jobs=int(late),
    )


async def delivered_count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        result = await conn.execute(text("SELECT count(DISTINCT job_id) FROM bench_deliveries"))
        return int(result.scalar_one())


# -- real clock: worker processes -------------------------------------------------------------


class Worker:
    def __init__(self, url: str, name: str, log: Path) -> None:
        self.url, self.name, self.log = url, name, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        argv = [sys.executable, str(Path(__file__).resolve()), "--worker", self.url, self.name]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, cwd=REPO_DIR
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()


async def sleep_until(moment: float) -> None:
    delay = moment - time.time()
    if delay > 0:
        await asyncio.sleep(delay)


async def run_real(args: argparse.Namespace, tmp: Path) -> Figures:
    async with database(args.backend, tmp) as (url, db_pids):
        engine = create_engine(url)
        seeded_at = time.perf_counter()
        start = datetime.now(UTC) + timedelta(seconds=LEAD_S + args.jobs / 20_000)
        await seed(engine, spread(start, args.span, args.jobs), JOB_KIND)
        probe1 = start + timedelta(seconds=args.span + 5)
        probe2 = probe1 + timedelta(seconds=QUIET_S)
        await seed(engine, [probe1, probe2], PROBE_KIND)
        seed_s = time.perf_counter() - seeded_at
        workers = [
            Worker(url, f"bench-loop-{n}", tmp / f"loop-{n}.log") for n in range(1, args.loops + 1)
        ]
        for worker in workers:
            worker.start()
        notes = [f"seeded in {seed_s:.1f} s"]
        try:
            await sleep_until(start.timestamp())
            span_cpu_from = tree_cpu_s([w.pid for w in workers])
            if args.kill_at is not None:
                await sleep_until(start.timestamp() + args.span * args.kill_at)
                victim = workers[0]
                victim.kill()
                notes.append(f"{victim.name} killed (SIGKILL) at {args.kill_at:.0%} of the span")
                await asyncio.sleep(args.down)
                victim.start()
                notes.append(f"{victim.name} restarted {args.down:g} s later")
            # the quiet window: CPU of the loops between two due times with nothing due
            await sleep_until(probe1.timestamp() + 1.0)
            pids = [w.pid for w in workers]
            quiet_from, cpu_from = time.time(), tree_cpu_s(pids)
            span_cpu = cpu_from - span_cpu_from
            await sleep_until(probe2.timestamp() - 1.0)
            quiet_cpu = tree_cpu_s(pids) - cpu_from
            quiet_s = time.time() - quiet_from
            deadline = time.time() + args.timeout
            # Another process's database: there is no event to wait on, so look every second.
            while time.time() < deadline and await delivered_count(engine) < args.jobs + 2:  # noqa: ASYNC110
                await asyncio.sleep(1.0)
        finally:
            for worker in workers:
                worker.stop()
        figures = await measure(engine, args.jobs)
        await engine.dispose()
    figures.notes = notes
    figures.extra = {
        "quiet_window_s": round(quiet_s, 2),
        "quiet_cpu_ms": round(quiet_cpu * 1000, 1),
        "span_cpu_s": round(span_cpu, 2),
        "cpu_ms_per_job": round(span_cpu * 1000 / max(1, figures.delivered), 3),
        "database_pids": db_pids,
    }
    return figures


# -- fake clock: one process ------------------------------------------------------------------


async def run_fake(args: argparse.Namespace, tmp: Path) -> Figures:
    async with database(args.backend, tmp) as (url, _pids):
        engine = create_engine(url)
        clock = FakeClock()
        start = clock.now() + timedelta(seconds=1)
        await seed(engine, spread(start, args.span, args.jobs), JOB_KIND)
        timer = FakeTimer(clock)
        jobs = Scheduler(clock, name="bench-fake", timer=timer)
        jobs.register(JOB_KIND, recording_handler("bench-fake", clock))
        uows = make_uow_factory(create_session_factory(engine), Bus())
        began, cpu_began = time.perf_counter(), time.process_time()
        wakeups = 0
        await jobs.start(uows)
        end = start + timedelta(seconds=args.span)
        while True:
            await jobs.wait_idle()
            if clock.now() >= end and await delivered_count(engine) >= args.jobs:
                break
            if timer.deadline is None:
                break
            timer.advance_to(timer.deadline)
            wakeups += 1
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu_began
        await jobs.stop()
        figures = await measure(engine, args.jobs)
        await engine.dispose()
    figures.notes = ["fake clock: latency is in fake time (time moves only while the loop sleeps)"]
    figures.extra = {
        "real_s": round(elapsed, 2),
        "jobs_per_real_s": round(figures.delivered / elapsed, 1),
        "process_cpu_ms_per_job": round(cpu * 1000 / max(1, figures.delivered), 3),
        "wakeups": wakeups,
        "plans": jobs.stats.plans,
    }
    return figures


# -- the report -------------------------------------------------------------------------------


def report(args: argparse.Namespace, figures: Figures) -> dict[str, Any]:
    ok = figures.doubles == 0 and figures.missing == 0
    if args.clock == "real" and args.kill_at is None:  # a killed loop's downtime is late
        ok = ok and figures.p99_s < P99_TARGET_S
    return {
        "backend": args.backend,
        "clock": args.clock,
        "loops": args.loops,
        "jobs": figures.jobs,
        "span_s": args.span,
        "kill_at": args.kill_at,
        "delivered": figures.delivered,
        "doubles": figures.doubles,
        "missing": figures.missing,
        "late_jobs": figures.late_jobs,
        "latency_p50_s": round(figures.p50_s, 4),
        "latency_p99_s": round(figures.p99_s, 4),
        "latency_max_s": round(figures.max_s, 4),
        **figures.extra,
        "notes": figures.notes,
        "ok": ok,
    }


def print_report(result: dict[str, Any]) -> None:
    width = max(len(key) for key in result)
    for key, value in result.items():
        print(f"  {key:<{width}}  {value}")


async def amain(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="kompas-bench-scheduler-") as name:
        tmp = Path(name)
        figures = await (run_real(args, tmp) if args.clock == "real" else run_fake(args, tmp))
    result = report(args, figures)
    print(f"scheduler benchmark ({args.backend}, {args.clock} clock)")
    print_report(result)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    suffix = f"{args.backend}-{args.clock}" + ("-kill" if args.kill_at is not None else "")
    out = RESULTS_DIR / f"scheduler-{suffix}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"written to {rel(out)}")
    return 0 if result["ok"] else 1


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=100_000, help="how many reminders")
    parser.add_argument(
        "--span", type=float, default=None, help="seconds they are spread over (120 real, 600 fake)"
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--clock", choices=("real", "fake"), default="real")
    parser.add_argument("--loops", type=int, default=1, help="loop processes (PostgreSQL: 2)")
    parser.add_argument(
        "--kill-at", type=float, default=None, help="SIGKILL loop 1 at this share of the span"
    )
    parser.add_argument("--down", type=float, default=2.0, help="seconds before the restart")
    parser.add_argument("--timeout", type=float, default=180.0, help="wait after the span")
    args = parser.parse_args(argv)
    if args.span is None:
        args.span = 120.0 if args.clock == "real" else 600.0
    if args.loops > 1 and args.backend == "sqlite":
        parser.error("several loops on one database need --backend postgresql")
    if args.clock == "fake" and (args.loops != 1 or args.kill_at is not None):
        parser.error("the fake clock runs one loop in this process (no --loops, --kill-at)")
    return args


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        asyncio.run(run_worker(sys.argv[2], sys.argv[3]))
        return 0
    return asyncio.run(amain(parse_args()))


if __name__ == "__main__":
    sys.exit(main())
