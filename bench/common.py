"""Helpers shared by the benchmarks: paths, ports, server processes, database URLs."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

import aiohttp
from sqlalchemy.engine import make_url

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
HOST = "127.0.0.1"


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def kompas_command(*args: str) -> list[str]:
    """The `kompas` console script of this interpreter's environment (or `python -m`)."""
    script = Path(sys.executable).parent / "kompas"
    if script.is_file():
        return [str(script), *args]
    return [sys.executable, "-m", "kompas_cc", *args]


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def is_sqlite_url(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ValueError(f"not a SQLite file URL: {url}")
    return Path(database)


def asyncpg_dsn(url: str) -> str:
    """postgresql+asyncpg://... (SQLAlchemy) -> postgresql://... (asyncpg, libpq)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def rel(path: Path) -> str:
    """A path as printed for the user: relative to the repository when inside it."""
    try:
        return str(path.resolve().relative_to(REPO_DIR))
    except ValueError:
        return str(path)


class ServerProcess:
    """A child process serving HTTP on a port; started, waited for, stopped by its own pid."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        port: int,
        *,
        env: Mapping[str, str] | None = None,
        log_path: Path | None = None,
        cwd: Path | None = None,
        ready_path: str = "/healthz",
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.port = port
        self.env = dict(os.environ if env is None else env)
        self.log_path = log_path
        self.cwd = cwd
        self.ready_path = ready_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise RuntimeError(f"{self.name} is not started")
        return self.proc.pid

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        out: IO[bytes] | int = subprocess.DEVNULL
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = self.log_path.open("wb")
            out = self._log
        self.started_at = time.perf_counter()
        self.proc = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    async def wait_ready(self, timeout_s: float = 120.0, expect_status: int = 200) -> float:
        """Poll the ready path until it answers `expect_status`; seconds since start()."""
        assert self.proc is not None
        deadline = time.perf_counter() + timeout_s
        url = self.base_url + self.ready_path
        timeout = aiohttp.ClientTimeout(total=2)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while time.perf_counter() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(
                        f"{self.name} exited with {self.proc.returncode}; {self.tail()}"
                    )
                try:
                    async with session.get(url, allow_redirects=False) as resp:
                        await resp.read()
                        if resp.status == expect_status:
                            return time.perf_counter() - self.started_at
                except (aiohttp.ClientError, TimeoutError):
                    pass
                await asyncio.sleep(0.01)
        raise TimeoutError(f"{self.name} did not answer {url} in {timeout_s:.0f} s; {self.tail()}")

    def tail(self, lines: int = 30) -> str:
        if self.log_path is None or not self.log_path.is_file():
            return "(no log)"
        text = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        return "log tail:\n" + "\n".join(text)

    def stop(self, timeout_s: float = 15.0) -> None:
        """Ctrl+C (SIGINT) to the process group the child leads; SIGKILL if it lingers."""
        proc = self.proc
        if proc is not None and proc.poll() is None:
            # The child leads its own process group (start_new_session); only it is signalled.
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                # With PYTHONFAULTHANDLER set, SIGABRT writes every thread's stack to the log.
                os.killpg(proc.pid, signal.SIGABRT)
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout_s)
                print(
                    f"  ({self.name} ignored Ctrl+C for {timeout_s:.0f} s: aborted; "
                    f"its stacks are at the end of its log)",
                    flush=True,
                )
        if self._log is not None:
            self._log.close()
            self._log = None


# -- CPU accounting --------------------------------------------------------------------

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _system_busy_s() -> float:
    """CPU seconds the whole machine spent busy since boot (all cores; not idle/iowait)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / _CLOCK_TICKS


def _process_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds of the process and of its waited-for children)."""
    table: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        rest = stat.rsplit(")", 1)[1].split()
        # fields after the command: state ppid ... utime(12) stime(13) cutime(14) cstime(15)
        ppid = int(rest[1])
        ticks = int(rest[11]) + int(rest[12]) + int(rest[13]) + int(rest[14])
        table[int(entry.name)] = (ppid, ticks / _CLOCK_TICKS)
    return table


def tree_cpu_s(roots: Sequence[int]) -> float:
    """CPU seconds used so far by these processes and their descendants (Linux)."""
    table = _process_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    seen: set[int] = set()
    stack = [pid for pid in roots if pid in table]
    while stack:
        pid = stack.pop()
        if pid not in seen:
            seen.add(pid)
            stack.extend(children.get(pid, ()))
    return sum(table[pid][1] for pid in seen)


class CpuWatch:
    """How much CPU the benchmark's own processes used in a window, and how much others did.

    `roots` are the benchmark's processes (this one, the servers, the PostgreSQL postmaster);
    their descendants count as ours too. Other work on the machine (a test suite, a build)
    shows up as `other_cpu_pct`: figures measured while it is high are not comparable.
    Linux only; elsewhere every figure is None.
    """

    def __init__(self, roots: Sequence[int]) -> None:
        self.roots = list(roots)
        self._start: tuple[float, float, float] | None = None

    def _sample(self) -> tuple[float, float, float] | None:
        try:
            return (time.perf_counter(), _system_busy_s(), tree_cpu_s(self.roots))
        except (OSError, ValueError, IndexError):
            return None

    def start(self) -> None:
        self._start = self._sample()

    def stop(self) -> dict[str, float | None]:
        end = self._sample()
        if self._start is None or end is None:
            return {"ours_cpu_pct": None, "other_cpu_pct": None}
        wall = end[0] - self._start[0]
        capacity = wall * (os.cpu_count() or 1) / 100
        busy = end[1] - self._start[1]
        ours = end[2] - self._start[2]
        return {
            "ours_cpu_pct": round(ours / capacity, 1),
            "other_cpu_pct": round(max(0.0, busy - ours) / capacity, 1),
        }


async def wait_idle(pids: Sequence[int], timeout_s: float = 900.0) -> float:
    """Wait until these processes (and descendants) stop burning CPU; seconds waited.

    Quiet means under 5 % of one core for two consecutive half-second samples. Used after a
    load run: a server goes on with requests whose client gave up, and they must not slow
    down the next measurement. Without /proc it just waits a second.
    """
    began = time.perf_counter()
    interval = 0.5
    try:
        last = tree_cpu_s(pids)
    except OSError:
        await asyncio.sleep(1)
        return 1.0
    quiet = 0
    while quiet < 2 and time.perf_counter() - began < timeout_s:
        await asyncio.sleep(interval)
        now = tree_cpu_s(pids)
        quiet = quiet + 1 if now - last < 0.05 * interval else 0
        last = now
    return round(time.perf_counter() - began, 1)
