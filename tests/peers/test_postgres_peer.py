"""The throwaway PostgreSQL cluster used by the test suite really works."""

from __future__ import annotations

import asyncio
import os

import asyncpg
import pytest

from peers.postgres import PostgresCluster, postgres_available


def _require_postgres() -> None:
    reason = postgres_available()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is required under CI: {reason}")
    pytest.skip(reason)


async def _port_refuses(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return True
    writer.close()
    await writer.wait_closed()
    return False


async def test_cluster_serves_queries_and_new_databases_when_started() -> None:
    _require_postgres()
    cluster = PostgresCluster()
    await asyncio.to_thread(cluster.start)
    try:
        port = cluster.port
        assert cluster.url == f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"

        conn = await asyncpg.connect(cluster.dsn)
        try:
            assert await conn.fetchval("select 1") == 1
            assert await conn.fetchval("show fsync") == "off"
            assert await conn.fetchval("select lower('ИВАНОВ')") == "иванов"
        finally:
            await conn.close()

        url = await asyncio.to_thread(cluster.create_database, "kompas_worker_0")
        assert url == f"postgresql+asyncpg://postgres@127.0.0.1:{port}/kompas_worker_0"
        conn = await asyncpg.connect(cluster.dsn_for("kompas_worker_0"))
        try:
            assert await conn.fetchval("select current_database()") == "kompas_worker_0"
        finally:
            await conn.close()
        tmp = cluster.tmp
        assert tmp is not None
    finally:
        await asyncio.to_thread(cluster.stop)

    assert await _port_refuses(port)
    assert not tmp.exists()
    cluster.stop()  # a second stop is harmless


def test_stop_does_nothing_when_never_started() -> None:
    cluster = PostgresCluster()
    cluster.stop()
    cluster.stop()
    with pytest.raises(RuntimeError, match="not running"):
        _ = cluster.url
