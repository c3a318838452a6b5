"""A throwaway PostgreSQL cluster for the test suite.

The cluster lives in a temp dir, listens on a free loopback port with trust
authentication and runs with durability switched off (fsync, synchronous_commit
and full_page_writes off) because its data is thrown away.  Debian's server
binaries are used; initdb and pg_ctl refuse to run as root, so under root they
run as the ``postgres`` system user and the temp dir is handed to that user.

Usage from a session-scoped fixture::

    cluster = PostgresCluster()
    cluster.start()
    url = cluster.create_database("kompas_gw0")  # postgresql+asyncpg://...
    ...
    cluster.stop()
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

__all__ = [
    "PostgresCluster",
    "PostgresStartError",
    "PostgresUnavailableError",
    "find_bindir",
    "postgres_available",
]

HOST = "127.0.0.1"
SUPERUSER = "postgres"
SYSTEM_USER = "postgres"
DEBIAN_ROOT = Path("/usr/lib/postgresql")
SERVER_BINARIES = ("initdb", "pg_ctl", "postgres")
# A Unix socket path (<sock>/.s.PGSQL.<port>) must fit in sun_path (108 bytes).
MAX_SOCKET_DIR_LEN = 90
LOG_TAIL_LINES = 40
START_ATTEMPTS = 3


class PostgresUnavailableError(RuntimeError):
    """The PostgreSQL server binaries (or the means to run them) are missing."""


class PostgresStartError(RuntimeError):
    """The cluster could not be initialised or started."""


def _version_key(path: Path) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in path.name.split("."))
    except ValueError:
        return (-1,)


def _has_server_binaries(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in SERVER_BINARIES)


def _bindir_candidates() -> list[Path]:
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
                stdin=subprocess.DEVNULL,
            ).stdout.strip()
            if out:
                candidates.append(Path(out))
    if DEBIAN_ROOT.is_dir():
        versions = [child for child in DEBIAN_ROOT.iterdir() if _version_key(child) != (-1,)]
        versions.sort(key=_version_key, reverse=True)
        candidates.extend(child / "bin" for child in versions)
    initdb = shutil.which("initdb")
    if initdb is not None:
        # /usr/local/bin/initdb may be a symlink into the real bindir, where
        # pg_ctl, postgres and createdb live side by side.
        candidates.append(Path(os.path.realpath(initdb)).parent)
        candidates.append(Path(initdb).parent)
    return candidates


def find_bindir() -> Path | None:
    """Return the directory holding initdb, pg_ctl and postgres, or None.

    Tried in order: ``pg_config --bindir``, the highest
    ``/usr/lib/postgresql/<N>/bin`` holding the server, ``initdb`` on PATH.
    """
    for candidate in _bindir_candidates():
        if _has_server_binaries(candidate):
            return candidate
    return None


def _running_as_root() -> bool:
    return os.geteuid() == 0


def _find_system_tool(name: str) -> str | None:
    extra = os.pathsep.join(["/usr/sbin", "/sbin", "/usr/bin", "/bin"])
    return shutil.which(name, path=os.environ.get("PATH", "") + os.pathsep + extra)


def _as_system_user(argv: list[str]) -> list[str]:
    """Wrap argv so that it runs as the postgres system user when we are root."""
    if not _running_as_root():
        return argv
    runuser = _find_system_tool("runuser")
    if runuser is not None:
        return [runuser, "-u", SYSTEM_USER, "--", *argv]
    su = _find_system_tool("su")
    if su is not None:
        return [su, SYSTEM_USER, "-s", "/bin/sh", "-c", shlex.join(argv)]
    raise PostgresUnavailableError("running as root, but neither runuser nor su is available")


def _tool_reason() -> str | None:
    """Why the server cannot be run here, or None."""
    bindir = find_bindir()
    if bindir is None:
        return (
            "PostgreSQL server binaries not found (tried pg_config --bindir, "
            f"{DEBIAN_ROOT}/<N>/bin and initdb on PATH); "
            "run scripts/install-test-deps.sh or apt-get install postgresql"
        )
    if _client_tool(bindir, "createdb") is None:
        return f"createdb not found in {bindir} or on PATH"
    if _running_as_root():
        try:
            pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            return f"running as root, but there is no {SYSTEM_USER!r} system user to run initdb"
        if _find_system_tool("runuser") is None and _find_system_tool("su") is None:
            return "running as root, but neither runuser nor su is available"
    return None


def postgres_available() -> str | None:
    """Return None when a throwaway cluster can be started, else the reason why not."""
    return _tool_reason()


def _client_tool(bindir: Path, name: str) -> str | None:
    candidate = bindir / name
    if os.access(candidate, os.X_OK):
        return str(candidate)
    return shutil.which(name)


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _clean_env() -> dict[str, str]:
    # PGPORT, PGHOST, PGDATA, PGUSER... from the caller's shell must not leak in.
    return {key: value for key, value in os.environ.items() if not key.startswith("PG")}


def _traversable_by_others(path: Path) -> bool:
    for directory in (path, *path.parents):
        try:
            mode = directory.stat().st_mode
        except OSError:
            return False
        if not mode & stat.S_IXOTH:
            return False
    return True


def _temp_base() -> str:
    base = Path(tempfile.gettempdir()).resolve()
    too_long = len(str(base)) > MAX_SOCKET_DIR_LEN - 30
    if too_long or (_running_as_root() and not _traversable_by_others(base)):
        return "/tmp"
    return str(base)


def _conf_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def _pid_alive(pid: int) -> bool:
    """Whether pid is a live process; an unreaped zombie counts as dead."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        # The postmaster is orphaned by pg_ctl, so after it exits it may linger
        # as a zombie until init gets round to reaping it.
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


class PostgresCluster:
    """A private PostgreSQL server in a temp dir; ``start()`` / ``stop()`` are synchronous."""

    def __init__(self, *, start_timeout: float = 60.0) -> None:
        self.start_timeout = start_timeout
        self.bindir: Path | None = None
        self.tmp: Path | None = None
        self.startup_seconds: float | None = None
        self._port: int | None = None
        self._pid: int | None = None
        self._running = False

    # -- public API ---------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None or not self._running:
            raise RuntimeError("the PostgreSQL cluster is not running")
        return self._port

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the ``postgres`` database."""
        return self.url_for("postgres")

    @property
    def dsn(self) -> str:
        """libpq/asyncpg DSN of the ``postgres`` database."""
        return self.dsn_for("postgres")

    def url_for(self, database: str) -> str:
        return f"postgresql+asyncpg://{SUPERUSER}@{HOST}:{self.port}/{quote(database, safe='')}"

    def dsn_for(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@{HOST}:{self.port}/{quote(database, safe='')}"

    @property
    def log_path(self) -> Path | None:
        return None if self.tmp is None else self.tmp / "postgres.log"

    def start(self) -> None:
        """Initialise and start the cluster; a no-op when it is already running."""
        if self._running:
            return
        reason = _tool_reason()
        if reason is not None:
            raise PostgresUnavailableError(reason)
        began = time.monotonic()
        try:
            self._init_cluster()
            self._start_server()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - began

    def stop(self) -> None:
        """Stop the server (immediate mode) and remove the temp dir; safe to call repeatedly."""
        tmp = self.tmp
        if tmp is None:
            return
        try:
            if self._running or (tmp / "pgdata" / "postmaster.pid").exists():
                self._stop_server()
        finally:
            self._running = False
            self._pid = None
            self.tmp = None
            atexit.unregister(self.stop)
            shutil.rmtree(tmp, ignore_errors=True)

    def create_database(self, name: str) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        self._client("createdb", name)
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Drop a database (if it exists), disconnecting its sessions."""
        self._client("dropdb", "--if-exists", "--force", name)

    def __enter__(self) -> PostgresCluster:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- internals ----------------------------------------------------------

    def _run(
        self, argv: list[str], *, as_system_user: bool, timeout: float
    ) -> subprocess.CompletedProcess[str]:
        command = _as_system_user(argv) if as_system_user else argv
        return subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
            cwd=self.tmp,
            env=_clean_env(),
        )

    def _init_cluster(self) -> None:
        bindir = find_bindir()
        assert bindir is not None
        self.bindir = bindir
        self.tmp = Path(tempfile.mkdtemp(prefix="kompas-pg-", dir=_temp_base()))
        atexit.register(self.stop)
        sock = self.tmp / "sock"
        sock.mkdir()
        if _running_as_root():
            entry = pwd.getpwnam(SYSTEM_USER)
            for path in (self.tmp, sock):
                os.chown(path, entry.pw_uid, entry.pw_gid)

        pgdata = self.tmp / "pgdata"
        base = [str(bindir / "initdb"), "-D", str(pgdata), "-A", "trust", "-U", SUPERUSER]
        base += ["-E", "UTF8", "--no-sync"]
        outputs: list[str] = []
        # C.UTF-8 keeps ordering deterministic while lower()/ILIKE still handle
        # Cyrillic; fall back to the C locale where C.UTF-8 does not exist.
        for locale_args in (["--locale=C.UTF-8"], ["--no-locale"]):
            result = self._run([*base, *locale_args], as_system_user=True, timeout=120)
            if result.returncode == 0:
                break
            outputs.append(result.stdout)
            shutil.rmtree(pgdata, ignore_errors=True)
        else:
            raise PostgresStartError("initdb failed:\n" + "\n".join(outputs))

        settings = {
            "listen_addresses": _conf_quote(HOST),
            "unix_socket_directories": _conf_quote(str(sock)),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "100",
            "timezone": "'UTC'",
        }
        with (pgdata / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# throwaway test cluster\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def _start_server(self) -> None:
        assert self.tmp is not None
        assert self.bindir is not None
        log = self.tmp / "postgres.log"
        pgdata = self.tmp / "pgdata"
        for attempt in range(1, START_ATTEMPTS + 1):
            port = free_port()
            argv = [str(self.bindir / "pg_ctl"), "-D", str(pgdata), "-l", str(log)]
            argv += ["-o", f"-p {port}", "-w", "-t", str(int(self.start_timeout)), "start"]
            try:
                result = self._run(argv, as_system_user=True, timeout=self.start_timeout + 15)
                output = result.stdout
                ok = result.returncode == 0
            except subprocess.TimeoutExpired as exc:
                output = str(exc)
                ok = False
            if ok:
                self._port = port
                self._pid = self._read_pid()
                self._running = True
                return
            tail = self._log_tail()
            self._stop_server()
            port_taken = "could not bind" in tail or "could not create any TCP/IP" in tail
            if port_taken and attempt < START_ATTEMPTS:
                continue
            raise PostgresStartError(
                f"pg_ctl start failed on port {port}:\n{output.strip()}\n"
                f"--- tail of {log} ---\n{tail}"
            )

    def _stop_server(self) -> None:
        assert self.tmp is not None
        pid = self._pid or self._read_pid()
        if self.bindir is not None:
            argv = [str(self.bindir / "pg_ctl"), "-D", str(self.tmp / "pgdata")]
            argv += ["-m", "immediate", "-w", "-t", "30", "stop"]
            with contextlib.suppress(subprocess.SubprocessError, OSError, PostgresUnavailableError):
                self._run(argv, as_system_user=True, timeout=40)
        if pid is not None and _pid_alive(pid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while _pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)

    def _read_pid(self) -> int | None:
        if self.tmp is None:
            return None
        try:
            first = (self.tmp / "pgdata" / "postmaster.pid").read_text().splitlines()[0]
            return int(first)
        except (OSError, IndexError, ValueError):
            return None

    def _log_tail(self) -> str:
        log = self.log_path
        if log is None:
            return ""
        try:
            lines = log.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log written)"
        return "\n".join(lines[-LOG_TAIL_LINES:])

    def _client(self, tool: str, *args: str) -> None:
        assert self.bindir is not None
        executable = _client_tool(self.bindir, tool)
        if executable is None:
            raise PostgresUnavailableError(f"{tool} not found in {self.bindir} or on PATH")
        argv = [executable, "-h", HOST, "-p", str(self.port), "-U", SUPERUSER, "-w", *args]
        result = self._run(argv, as_system_user=False, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)} failed:\n{result.stdout.strip()}")
