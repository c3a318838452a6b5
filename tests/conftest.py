"""The cast and the stage of every test: databases on SQLite and PostgreSQL, the app, the users.

Every test that asks for `db_url` (directly or through `app`/`client`) runs twice: on a
fresh SQLite file and on a fresh PostgreSQL database. The PostgreSQL cluster is started
once per session (or KOMPAS_TEST_DATABASE_URL names an existing server). Under CI=true a
missing PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from peers.postgres import PostgresCluster, postgres_available
from sqlalchemy.engine import make_url

from kompas_cc.app import build_app
from kompas_cc.core.actor import Actor, Role
from kompas_cc.core.bus import Bus
from kompas_cc.core.clock import FakeClock
from kompas_cc.db.engine import create_engine, create_session_factory
from kompas_cc.db.migrate import upgrade
from kompas_cc.db.uow import UowFactory, make_uow_factory
from kompas_cc.settings import Settings, load_settings
from kompas_cc.staff import service as staff_service
from kompas_cc.staff.passwords import configure_hashing
from kompas_cc.webapp import keys
from kompas_cc.webapp.sessions import COOKIE_NAME, decode_session

IN_CI = os.environ.get("CI", "").lower() == "true"
configure_hashing(time_cost=1, memory_cost_kib=1024)
PASSWORD = "correct horse 42"
TEMPLATE_DB = "kompas_template"
_db_counter = itertools.count()


@dataclass(frozen=True)
class Person:
    login: str
    name: str
    role: Role
    extension: str | None = None


CAST = {
    "admin": Person("admin", "Ольга Админова", Role.ADMIN),
    "maria": Person("maria", "Мария Петрова", Role.MANAGER),
    "anna": Person("anna", "Анна Смирнова", Role.OPERATOR, "101"),
    "boris": Person("boris", "Борис Иванов", Role.OPERATOR, "102"),
    "dima": Person("dima", "Дмитрий Дилеров", Role.DEALER),
}


# -- databases -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str | None]:
    """The admin URL of a PostgreSQL server for the session, or None (skip PG runs)."""
    given = os.environ.get("KOMPAS_TEST_DATABASE_URL")
    if given:
        yield given
        return
    reason = postgres_available()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true: {reason}")
        yield None
        return
    cluster = PostgresCluster()
    cluster.start()
    try:
        yield cluster.url
    finally:
        cluster.stop()


def _asyncpg_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url)
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


async def _pg_execute(admin_url: str, *statements: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(admin_url))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_template(pg_server: str | None) -> str | None:
    """A migrated PostgreSQL database that every test's database is copied from."""
    if pg_server is None:
        return None
    asyncio.run(
        _pg_execute(
            pg_server,
            f"DROP DATABASE IF EXISTS {TEMPLATE_DB} WITH (FORCE)",
            f"CREATE DATABASE {TEMPLATE_DB}",
        )
    )
    url = make_url(pg_server).set(database=TEMPLATE_DB).render_as_string(hide_password=False)
    asyncio.run(upgrade(url))
    return pg_server


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "kompas.db"
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    pg_template: str | None,
) -> AsyncIterator[str]:
    """A fresh, migrated database: a copied SQLite file, or a PostgreSQL database
    created from the migrated template."""
    if request.param == "sqlite":
        path = tmp_path / "kompas.db"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    if pg_template is None:
        pytest.skip("PostgreSQL is not installed here (scripts/install-test-deps.sh installs it)")
    name = f"kompas_t{os.getpid()}_{next(_db_counter)}"
    await _pg_execute(pg_template, f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DB}")
    try:
        yield make_url(pg_template).set(database=name).render_as_string(hide_password=False)
    finally:
        await _pg_execute(pg_template, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
async def uow_factory(db_url: str) -> AsyncIterator[UowFactory]:
    engine = create_engine(db_url)
    yield make_uow_factory(create_session_factory(engine), Bus())
    await engine.dispose()


# -- the application -------------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        config_path=tmp_path / "absent.toml",
        environ={},
        database_url=db_url,
        var_dir=tmp_path / "var",
        secret_key="test-secret-key-0123456789",
        login_max_failures=3,
    )


@pytest.fixture
def app(settings: Settings, clock: FakeClock) -> web.Application:
    return build_app(settings, clock=clock)


@pytest.fixture
async def users(app: web.Application, settings: Settings, clock: FakeClock) -> dict[str, Actor]:
    """The cast, created in the app's database: admin, maria, anna, boris, dima."""
    engine = create_engine(settings.database_url)
    factory = make_uow_factory(create_session_factory(engine), Bus())
    actors: dict[str, Actor] = {}
    try:
        async with factory() as uow:
            for key, person in CAST.items():
                data = staff_service.parse_user(
                    {
                        "login": person.login,
                        "name": person.name,
                        "role": person.role.value,
                        "extension": person.extension,
                    }
                )
                out = await staff_service.create_user(uow, data, PASSWORD, clock.now())
                actors[key] = Actor(id=out.id, login=out.login, name=out.name, role=out.role)
    finally:
        await engine.dispose()
    return actors


@pytest.fixture
async def client(
    aiohttp_client: Any, app: web.Application, users: dict[str, Actor]
) -> TestClient[Any, Any]:
    result: TestClient[Any, Any] = await aiohttp_client(app)
    return result


def csrf_of(client: TestClient[Any, Any]) -> str:
    """The CSRF token of the client's current session (read from the signed cookie)."""
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/")).get(COOKIE_NAME)
    assert cookie is not None, "no session cookie yet: GET a page first"
    secret = client.app[keys.SECRET]
    return decode_session(cookie.value, secret, 10**9, 0).csrf


async def login(client: TestClient[Any, Any], who: str, password: str = PASSWORD) -> None:
    await client.get("/login")
    response = await client.post(
        "/login",
        data={"login": who, "password": password, "_csrf": csrf_of(client)},
        allow_redirects=False,
    )
    assert response.status == 302, await response.text()


async def post_form(
    client: TestClient[Any, Any], path: str, data: dict[str, Any] | list[tuple[str, str]]
) -> Any:
    """POST a form the way a browser does: with the session's CSRF token, no redirects."""
    fields = list(data.items()) if isinstance(data, dict) else list(data)
    fields.append(("_csrf", csrf_of(client)))
    return await client.post(path, data=fields, allow_redirects=False)


@pytest.fixture
async def api_token(client: TestClient[Any, Any]) -> Any:
    """A function giving a Bearer header for a member of the cast."""

    async def token_for(who: str) -> dict[str, str]:
        response = await client.post(
            "/api/v1/auth/token", json={"username": who, "password": PASSWORD}
        )
        assert response.status == 200, await response.text()
        return {"Authorization": f"Bearer {(await response.json())['token']}"}

    return token_for
