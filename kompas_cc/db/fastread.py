"""A read path for hot point queries that bypasses the ORM and the driver's thread hand-offs.

The phone lookup behind every call pop-up runs thousands of times a minute. Through an ORM
session and aiosqlite each query costs several thread hand-offs and SQLAlchemy's per-query
work, which is most of the request. This reader runs one fixed, parameterised SQL statement:

* on SQLite, on a read-only sqlite3 connection in the event loop's own thread. An indexed
  point read from the page cache takes tens of microseconds, less than one hand-off to a
  worker thread would; in WAL mode a reader never waits for a writer and sees every
  committed change at once.
* on PostgreSQL, on a small asyncpg pool of its own, where asyncpg keeps the statement
  prepared per connection; requests waiting for a connection are served in order.

Writes never go through here: they stay in the unit of work. Because the reader queries the
database itself (no copy to invalidate), a changed phone is found at once.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy.engine import make_url

from kompas_cc.db.fifo_gate import FifoGate

MMAP_BYTES = 1 << 30
_NAMED_PARAM = re.compile(r":(\w+)")


class FastReader(Protocol):
    #: "sqlite" or "postgresql": statements that differ by database are chosen by it.
    dialect: str

    async def fetch(self, sql: str, params: dict[str, Any]) -> list[Sequence[Any]]: ...

    def id_list(self, ids: Sequence[int]) -> Any:
        """A list of ids as one parameter (see clients.repo's `_IDS_IN`)."""

    async def close(self) -> None: ...


class SqliteReader:
    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        uri = f"file:{path}?mode=ro"
        self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self._conn.execute("PRAGMA query_only=ON")
        # Pages are read through a memory map: no system call per page for random reads.
        self._conn.execute(f"PRAGMA mmap_size={MMAP_BYTES}")

    async def fetch(self, sql: str, params: dict[str, Any]) -> list[Sequence[Any]]:
        return self._conn.execute(sql, params).fetchall()

    def id_list(self, ids: Sequence[int]) -> Any:
        return json.dumps([int(i) for i in ids])

    async def close(self) -> None:
        self._conn.close()


#: Connections of the PostgreSQL read path; requests beyond them queue in order.
PG_CONNECTIONS = 4


class PostgresReader:
    dialect = "postgresql"

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._pool: Any = None
        # In front of the pool, so that waiting requests are served in order (see FifoGate).
        self._gate = FifoGate(PG_CONNECTIONS)
        self._translated: dict[str, tuple[str, tuple[str, ...]]] = {}

    async def open(self) -> None:
        import asyncpg

        self._pool = await asyncpg.create_pool(
            self._dsn,
            min_size=2,
            max_size=PG_CONNECTIONS,
            reset=_keep_session_state,
            # Point queries by an indexed key: one plan fits every value, and planning
            # the joins anew costs more than running them.
            server_settings={"plan_cache_mode": "force_generic_plan"},
        )

    def _translate(self, sql: str) -> tuple[str, tuple[str, ...]]:
        """Named parameters (:name) to asyncpg's positional ones ($1), once per statement."""
        cached = self._translated.get(sql)
        if cached is None:
            names: list[str] = []

            def number(match: re.Match[str]) -> str:
                if match.group(1) not in names:
                    names.append(match.group(1))
                return f"${names.index(match.group(1)) + 1}"

            cached = (_NAMED_PARAM.sub(number, sql), tuple(names))
            self._translated[sql] = cached
        return cached

    async def fetch(self, sql: str, params: dict[str, Any]) -> list[Sequence[Any]]:
        text, names = self._translate(sql)
        async with self._gate:
            rows: list[Sequence[Any]] = await self._pool.fetch(text, *(params[n] for n in names))
        return rows

    def id_list(self, ids: Sequence[int]) -> Any:
        return [int(i) for i in ids]

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()


async def _keep_session_state(_connection: Any) -> None:
    """asyncpg resets a pooled connection on release ("RESET ALL; UNLISTEN *; ..."), one
    more round trip per query. The read path changes no session state, so nothing to reset."""


async def open_reader(url: str) -> FastReader:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise ValueError("the fast reader needs a SQLite file")
        return SqliteReader(parsed.database)
    reader = PostgresReader(
        parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    )
    await reader.open()
    return reader
