"""`kompas demo`: a database full of realistic Russian data, served at once.

The demo ALWAYS uses its own SQLite file, `<var_dir>/demo/demo.db`, whatever `database_url` (or
KOMPAS_DATABASE_URL) says: a demo must never write invented clients into a real database.
`--fresh` deletes the file first. A demo database that already has users is reused as it is,
so only the first start pays for seeding.

Seeding goes through the staff and clients services (the only writers of their tables; the
clients in one batch, `clients.bulk`), so the demo data passes the same validation as typed
data, in one unit of work: a seeding that fails leaves no half-filled database behind, and
the next start simply tries again.

Calls come from the built-in AMI simulator unless `--no-calls` is given or the settings
name an exchange of their own (the rule is in `kompas_cc.demo_calls`); a new database also
gets the calls of the past hours, replayed in the background once the server is up (a demo
stopped within that second or two keeps the calls stored so far). The simulator starts
before the web server (binding a loopback port takes a millisecond) and stops after it, so
the server never sees it vanish.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from kompas_cc.clients import bulk as clients_bulk
from kompas_cc.clients import classifier_service as clients_classifier
from kompas_cc.clients import service as clients_service
from kompas_cc.clients.bulk import NewClient, NewNote
from kompas_cc.clients.schemas import ClientIn, ContactPersonIn, NodeIn, NoteIn, StatusIn
from kompas_cc.core.actor import Actor
from kompas_cc.core.bus import Bus
from kompas_cc.core.clock import SystemClock
from kompas_cc.core.validation import validate_model
from kompas_cc.db.engine import create_engine, create_session_factory
from kompas_cc.db.migrate import upgrade
from kompas_cc.db.uow import UnitOfWork, UowFactory, make_uow_factory
from kompas_cc.demo_calls import (
    HISTORY,
    History,
    PbxChoice,
    caller_numbers,
    choose_pbx,
    replay_history,
    start_simulator,
    with_demo_callbacks,
)
from kompas_cc.demo_data import (
    ADMIN_LOGIN,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    DEMO_USERS,
    STATUSES,
    DemoClient,
    NodePath,
    classifier_paths,
    generate_clients,
)
from kompas_cc.demo_pbx import DemoTraffic
from kompas_cc.server import start
from kompas_cc.settings import Settings
from kompas_cc.staff import service as staff_service
from kompas_cc.staff.passwords import hash_password
from kompas_cc.telephony.simulator import AmiSimulator

logger = logging.getLogger(__name__)

DEMO_DB_NAME = "demo.db"
#: The region phones are typed for; the demo data is Russian whatever the settings say.
DEMO_REGION = "RU"


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What a seeding created, for the start-up message and the tests."""

    users: int
    clients: int
    legal: int
    individuals: int
    contact_persons: int
    notes: int
    nodes: int
    statuses: int
    calls: int = 0


@dataclass(frozen=True, slots=True)
class DemoDatabase:
    """A prepared demo database: what seeding created (None when it was reused), and the
    demo clients' numbers it holds, which the simulated callers dial from."""

    summary: DemoSummary | None
    callers: tuple[str, ...]


def demo_var_dir(settings: Settings) -> Path:
    """Everything the demo writes (database, uploads, its secret) stays in var/demo/."""
    return Path(settings.var_dir) / "demo"


def demo_database_path(settings: Settings) -> Path:
    return demo_var_dir(settings) / DEMO_DB_NAME


def demo_database_url(settings: Settings) -> str:
    return f"sqlite+aiosqlite:///{demo_database_path(settings)}"


def remove_demo_database(path: Path) -> None:
    """Delete the SQLite file with its WAL and shared-memory companions."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def needs_seed(uow: UnitOfWork) -> bool:
    """A database without users is new; one with users is reused as it is."""
    return await staff_service.count_users(uow) == 0


async def _create_users(uow: UnitOfWork, now: datetime) -> dict[str, Actor]:
    actors: dict[str, Actor] = {}
    shared_hash = hash_password(DEMO_PASSWORD)
    for user in DEMO_USERS:
        data = staff_service.parse_user(
            {
                "login": user.login,
                "name": user.name,
                "role": user.role.value,
                "extension": user.extension,
            }
        )
        out = await staff_service.create_user(
            uow, data, DEMO_PASSWORD, now, password_hash=shared_hash
        )
        actors[out.login] = Actor(id=out.id, login=out.login, name=out.name, role=out.role)
    return actors


async def _create_statuses(uow: UnitOfWork, admin: Actor) -> dict[str, int]:
    ids: dict[str, int] = {}
    for position, (name, is_default) in enumerate(STATUSES):
        data = StatusIn(name=name, position=position * 10, is_default=is_default)
        ids[name] = await clients_service.save_status(uow, admin, data)
    return ids


async def _create_classifier(uow: UnitOfWork, admin: Actor) -> dict[NodePath, int]:
    ids: dict[NodePath, int] = {}
    positions: Counter[NodePath] = Counter()
    for path in classifier_paths():
        parent = path[:-1]
        data = NodeIn(
            name=path[-1],
            parent_ids=[ids[parent]] if parent else [],
            position=positions[parent] * 10,
        )
        positions[parent] += 1
        ids[path] = await clients_classifier.create_node(uow, admin, data)
    return ids


async def seed_demo(
    uow_factory: UowFactory,
    *,
    clients: int,
    now: datetime,
    seed: int = DEFAULT_SEED,
    generated: Sequence[DemoClient] | None = None,
) -> DemoSummary:
    """Create the demo users, statuses, classifier and `clients` clients in one transaction.

    The database must be migrated and empty (see `needs_seed`): the logins would clash.
    Clients are created as of `now` minus their age, so the dossier has a history.
    """
    demo_clients = generated if generated is not None else generate_clients(clients, seed)
    context = {"region": DEMO_REGION}
    async with uow_factory() as uow:
        actors = await _create_users(uow, now)
        admin = actors[ADMIN_LOGIN]
        status_ids = await _create_statuses(uow, admin)
        node_ids = await _create_classifier(uow, admin)
        batch = [
            NewClient(
                data=validate_model(
                    ClientIn,
                    demo.payload(
                        status_id=status_ids[demo.status],
                        manager_id=actors[demo.manager].id if demo.manager else None,
                    ),
                    "The demo client",
                    context,
                ),
                creator=actors[demo.creator],
                created_at=now - demo.age,
                node_ids=[node_ids[path] for path in demo.placements],
                contact_persons=[
                    validate_model(
                        ContactPersonIn, person.payload(), "The demo contact person", context
                    )
                    for person in demo.contacts
                ],
                notes=[
                    NewNote(actors[note.author], NoteIn(text=note.text), now - note.age)
                    for note in demo.notes
                ],
            )
            for demo in demo_clients
        ]
        # The generator never repeats an INN or a phone (the tests check it), so the batch
        # needs no duplicate search.
        await clients_bulk.create_clients(uow, batch)
    contact_count = sum(len(c.contacts) for c in demo_clients)
    note_count = sum(len(c.notes) for c in demo_clients)
    legal = sum(1 for c in demo_clients if c.kind == "legal")
    return DemoSummary(
        users=len(actors),
        clients=len(demo_clients),
        legal=legal,
        individuals=len(demo_clients) - legal,
        contact_persons=contact_count,
        notes=note_count,
        nodes=len(node_ids),
        statuses=len(status_ids),
    )


async def ensure_demo(
    uow_factory: UowFactory,
    *,
    clients: int,
    now: datetime,
    seed: int = DEFAULT_SEED,
    generated: Sequence[DemoClient] | None = None,
) -> DemoSummary | None:
    """Seed a new database; leave one that has users alone (None then)."""
    async with uow_factory() as uow:
        if not await needs_seed(uow):
            return None
    return await seed_demo(uow_factory, clients=clients, now=now, seed=seed, generated=generated)


async def prepare_demo_database(
    url: str,
    settings: Settings,
    *,
    clients: int,
    now: datetime,
    seed: int = DEFAULT_SEED,
    history: History | None = HISTORY,
) -> DemoDatabase:
    """Migrate the demo database; when new, seed it and replay the calls of `history`."""
    await upgrade(url)
    engine = create_engine(url)
    try:
        sessions = create_session_factory(engine)
        uow_factory = make_uow_factory(sessions, Bus())
        generated = generate_clients(clients, seed)
        summary = await ensure_demo(
            uow_factory, clients=clients, now=now, seed=seed, generated=generated
        )
        numbers = await caller_numbers(uow_factory, generated)
        if summary is not None and history is not None:
            calls = await replay_history(sessions, settings, numbers, now, history)
            summary = replace(summary, calls=calls)
        return DemoDatabase(summary, tuple(numbers))
    finally:
        await engine.dispose()


def logins_table() -> str:
    """The demo logins as a small text table."""
    rows = [("login", "role", "password")]
    rows += [(u.login, u.role.value, DEMO_PASSWORD) for u in DEMO_USERS]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join("  " + line.rstrip() for line in lines)


def _calls_line(choice: PbxChoice, settings: Settings, traffic: DemoTraffic) -> str:
    where = f"{settings.ami_host}:{settings.ami_port}"
    if choice == "simulator":
        extensions = " and ".join(u.extension for u in DEMO_USERS if u.extension)
        return (
            f"Calls arrive from the built-in AMI simulator ({where}, about "
            f"{traffic.calls_per_minute:g} a minute, operators' extensions {extensions}); "
            "--no-calls turns it off"
        )
    if choice == "configured":
        return f"Calls arrive from the configured Asterisk AMI at {where}"
    return "No calls: the AMI simulator is off (--no-calls)"


async def run_demo(
    settings: Settings,
    *,
    fresh: bool,
    clients: int,
    calls: bool = True,
    traffic: DemoTraffic | None = None,
) -> None:
    """Prepare `<var_dir>/demo/demo.db` (see the module docstring) and serve it until
    cancelled, with the calls `calls` and the settings choose (`demo_calls.choose_pbx`)."""
    path = demo_database_path(settings)
    if fresh:
        remove_demo_database(path)
    url = demo_database_url(settings)
    traffic = traffic or DemoTraffic()
    choice = choose_pbx(settings, calls=calls)
    started = time.perf_counter()
    served = with_demo_callbacks(
        replace(settings, database_url=url, var_dir=demo_var_dir(settings))
    )
    if choice == "none":
        served = replace(served, ami_enabled=False)
    now = SystemClock().now()
    # The past hours' calls are filled in once the server is up: the first page need not
    # wait for them (they appear in the call log within a second or two).
    database = await prepare_demo_database(url, served, clients=clients, now=now, history=None)
    simulator: AmiSimulator | None = None
    history: asyncio.Task[None] | None = None
    try:
        if choice == "simulator":
            simulator, served = await start_simulator(served, database.callers, traffic)
        runner = await start(served)
        ready = time.perf_counter() - started
        if database.summary is not None:
            history = asyncio.get_running_loop().create_task(
                _fill_history(url, served, database.callers, now)
            )
        try:
            _print_start(path, database.summary, settings, ready)
            print(_calls_line(choice, served, traffic))
            print("Sign in as:")
            print(logins_table())
            print("Press Ctrl+C to stop.", flush=True)
            await asyncio.Event().wait()
        finally:
            if history is not None:
                history.cancel()
                await asyncio.gather(history, return_exceptions=True)
            await runner.cleanup()
    finally:
        if simulator is not None:
            await simulator.stop()


async def _fill_history(
    url: str, settings: Settings, callers: Sequence[str], now: datetime
) -> None:
    """Replay the calls of the hours before `now` into a new demo database (see HISTORY)."""
    engine = create_engine(url)
    try:
        stored = await replay_history(create_session_factory(engine), settings, callers, now)
        logger.info("demo: %d calls of the past hours added to the call log", stored)
    except Exception:
        logger.exception("demo: the past hours' calls could not be added")
    finally:
        await engine.dispose()


def _print_start(path: Path, summary: DemoSummary | None, settings: Settings, ready: float) -> None:
    if summary is None:
        print(f"KOMPAS demo: reusing {path} (--fresh rebuilds it)")
    else:
        print(
            f"KOMPAS demo: created {path} with {summary.clients} clients "
            f"({summary.legal} legal entities, {summary.individuals} individuals), "
            f"{summary.contact_persons} contact persons and {summary.notes} notes; "
            "the past hours' calls are being added to the call log"
        )
    print(f"Ready in {ready:.1f} s at http://{settings.http_host}:{settings.http_port}/")
