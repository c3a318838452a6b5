"""The `kompas` command as an administrator uses it on a server."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import aiohttp

from kompas_cc.core.bus import Bus
from kompas_cc.core.clock import SystemClock
from kompas_cc.db.engine import create_engine, create_session_factory
from kompas_cc.db.uow import make_uow_factory
from kompas_cc.staff import service as staff_service


def _env(db_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOMPAS_")}
    env.update(
        KOMPAS_DATABASE_URL=db_url,
        KOMPAS_VAR_DIR=str(tmp_path / "var"),
        KOMPAS_CONFIG=str(tmp_path / "absent.toml"),
        **extra,
    )
    return env


async def _kompas(env: dict[str, str], *args: str, stdin: str = "") -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "kompas_cc",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
    )
    output, _ = await process.communicate(stdin.encode())
    return process.returncode or 0, output.decode()


async def test_user_add_creates_a_user_who_can_log_in(db_url: str, tmp_path: Path) -> None:
    env = _env(db_url, tmp_path)
    code, output = await _kompas(env, "db", "upgrade")
    assert code == 0, output
    code, output = await _kompas(
        env,
        "user",
        "add",
        "olga",
        "--role",
        "admin",
        "--full-name",
        "Ольга Админова",
        "--password-stdin",
        stdin="first admin password\n",
    )
    assert code == 0, output
    code, output = await _kompas(
        env, "user", "passwd", "olga", "--password-stdin", stdin="second admin password\n"
    )
    assert code == 0, output
    engine = create_engine(db_url)
    try:
        uow = make_uow_factory(create_session_factory(engine), Bus())()
        async with uow:
            actor, _ = await staff_service.authenticate(
                uow,
                "olga",
                "second admin password",
                SystemClock().now(),
                staff_service.LoginPolicy(),
            )
    finally:
        await engine.dispose()
    assert actor.name == "Ольга Админова"


async def test_user_add_with_a_short_password_explains(db_url: str, tmp_path: Path) -> None:
    code, output = await _kompas(
        _env(db_url, tmp_path),
        "user",
        "add",
        "olga",
        "--role",
        "admin",
        "--password-stdin",
        stdin="short\n",
    )
    assert code == 1
    assert "at least 8 characters" in output


async def test_serve_migrates_and_logs_its_url(db_url: str, tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = _env(db_url, tmp_path, KOMPAS_HTTP_PORT=str(port))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "kompas_cc",
        "serve",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = ""
        async with asyncio.timeout(20):
            while "serving at" not in line:
                line = (await process.stdout.readline()).decode()
                assert line, "the server stopped before it served"
        assert f"http://127.0.0.1:{port}/" in line
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/healthz") as r,
        ):
            assert r.status == 200
    finally:
        process.terminate()
        await process.wait()
