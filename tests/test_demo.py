"""`kompas demo`: the generated data is valid and realistic, seeding works once, the server serves.

The pure tests check the generators over many seeds against the project's own validators;
the seeding tests run the real services on a SQLite file; one test runs `run_demo` on a
free port and signs in with the demo password.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from kompas_cc.clients import access as clients_access
from kompas_cc.clients import classifier_service as clients_classifier
from kompas_cc.clients import dossier as clients_dossier
from kompas_cc.clients import service as clients_service
from kompas_cc.clients.facet_store import FacetStore
from kompas_cc.clients.listing import ListSources, list_clients, node_counts, reusing
from kompas_cc.clients.lookup_cache import LookupCache
from kompas_cc.clients.schemas import (
    ClientIn,
    ClientListQuery,
    ClientOut,
    ClientPage,
    ContactPersonIn,
    NoteIn,
)
from kompas_cc.core.actor import Actor, Role
from kompas_cc.core.bus import Bus
from kompas_cc.core.phone import format_phone, normalize_phone
from kompas_cc.core.requisites import (
    EntityKind,
    validate_account,
    validate_bik,
    validate_correspondent_account,
    validate_inn,
    validate_kpp,
    validate_ogrn,
)
from kompas_cc.core.validation import validate_model
from kompas_cc.db.engine import create_engine, create_session_factory
from kompas_cc.db.fastread import open_reader
from kompas_cc.db.migrate import upgrade
from kompas_cc.db.uow import UowFactory, make_uow_factory
from kompas_cc.demo import (
    DemoSummary,
    ensure_demo,
    needs_seed,
    run_demo,
    seed_demo,
)
from kompas_cc.demo_data import (
    CITIES,
    CLASSIFIER,
    DEMO_PASSWORD,
    DEMO_USERS,
    FEDERAL_BANKS,
    FEMALE_NAMES,
    STATUSES,
    DemoClient,
    classifier_paths,
    company_name_pools,
    generate_clients,
    individual_inn,
    kpp_for,
    legal_inn,
    ogrn,
    ogrnip,
    person_name,
    settlement_account,
    surname_for,
    transliterate,
)
from kompas_cc.settings import load_settings
from kompas_cc.staff import service as staff_service

RU = {"region": "RU"}
NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
SEEDED_CLIENTS = 40
PAGE_TIMEOUT_S = 10.0
POLICY = clients_access.ClientsPolicy()
ALL_BANKS = FEDERAL_BANKS + tuple(bank for city in CITIES for bank in city.local_banks)


# -- the pure generators ---------------------------------------------------------------


def test_generated_requisites_pass_the_validators() -> None:
    for seed in range(300):
        rng = random.Random(seed)
        city = rng.choice(CITIES)
        office = rng.choice(city.tax_offices)
        inn = legal_inn(rng, office)
        assert validate_inn(inn, kind="legal") == inn
        assert inn.startswith(office)
        assert validate_kpp(kpp_for(inn)) == kpp_for(inn)
        person_inn = individual_inn(rng, office)
        assert validate_inn(person_inn, kind="individual") == person_inn
        number = ogrn(rng, city.region, office)
        assert validate_ogrn(number, kind="legal") == number
        assert number[3:5] == city.region
        entrepreneur = ogrnip(rng, city.region)
        assert validate_ogrn(entrepreneur, kind="individual") == entrepreneur
        for bank in ALL_BANKS:
            account = settlement_account(rng, bank.bik)
            assert validate_account(account, bank.bik) == account
            assert account.startswith("40702810")
            assert validate_account(settlement_account(rng, bank.bik, "40802"), bank.bik)


def test_every_bank_has_a_valid_bik_and_correspondent_account() -> None:
    assert len({bank.bik for bank in ALL_BANKS}) == len(ALL_BANKS) >= 10
    for bank in ALL_BANKS:
        assert validate_bik(bank.bik) == bank.bik
        assert validate_correspondent_account(bank.corr_account, bank.bik) == bank.corr_account
        assert bank.corr_account.endswith(bank.bik[-3:])


@pytest.mark.parametrize("seed", [1, 2, 3, 2024, 99999])
def test_generated_clients_pass_the_client_schemas(seed: int) -> None:
    for demo in generate_clients(150, seed):
        data = validate_model(ClientIn, demo.payload(status_id=1, manager_id=1), "c", RU)
        checked = data.checked()
        for phone in checked.phones:
            assert normalize_phone(phone.number) == phone.number
        for person in demo.contacts:
            validate_model(ContactPersonIn, person.payload(), "p", RU)
        for note in demo.notes:
            assert NoteIn(text=note.text).text
            assert note.age <= demo.age


def test_generation_is_deterministic() -> None:
    assert generate_clients(60, 7) == generate_clients(60, 7)
    assert generate_clients(60, 7) != generate_clients(60, 8)


def _all_phones(clients: list[DemoClient]) -> list[str]:
    numbers = [normalize_phone(p.number) for c in clients for p in c.phones]
    numbers += [normalize_phone(p.number) for c in clients for cp in c.contacts for p in cp.phones]
    return numbers


def test_inns_phones_names_and_emails_are_never_repeated() -> None:
    clients = generate_clients(700)
    inns = [c.fields["inn"] for c in clients if c.fields.get("inn")]
    assert len(inns) == len(set(inns))
    ogrns = [c.fields["ogrn"] for c in clients if c.fields.get("ogrn")]
    assert len(ogrns) == len(set(ogrns))
    phones = _all_phones(clients)
    assert len(phones) == len(set(phones))
    names = [c.fields["name"] for c in clients if c.kind == "legal"]
    assert len(names) == len(set(names)) > 400  # more than the name pools: numbered repeats
    emails = [e for c in clients for e in c.emails]
    emails += [e for c in clients for cp in c.contacts for e in cp.emails]
    assert len(emails) == len(set(emails))


def test_there_are_a_few_hundred_company_names() -> None:
    names = [name for pool in company_name_pools() for name in pool]
    assert len(names) == len(set(names)) >= 300
    assert {"Ромашка", "Вектор", "СеверСтройМонтаж", "Альфа-Логистик", "ТехноПром"} <= set(names)
    assert "Зелёный сад" in names


def test_the_mix_of_clients_is_realistic() -> None:
    clients = generate_clients(300)
    legal = [c for c in clients if c.kind == "legal"]
    people = [c for c in clients if c.kind == "individual"]
    assert (len(legal), len(people)) == (200, 100)
    forms = {c.fields["legal_form"] for c in legal}
    assert forms == {"ООО", "АО", "ПАО"}
    assert sum(c.fields["legal_form"] == "ООО" for c in legal) > len(legal) / 2
    entrepreneurs = [c for c in people if c.fields.get("legal_form") == "ИП"]
    assert entrepreneurs
    assert all(len(c.fields["ogrn"]) == 15 and len(c.fields["inn"]) == 12 for c in entrepreneurs)
    assert any(c.fields.get("inn") for c in people if c not in entrepreneurs)
    assert any(not c.fields.get("inn") for c in people)
    assert all(1 <= len(c.contacts) <= 3 for c in legal)
    assert not any(c.contacts for c in people)
    assert all(c.contacts[0].position in ("Генеральный директор", "Директор") for c in legal)
    cities = {c.fields["legal_address"].split(", г. ")[1].split(",")[0] for c in legal}
    assert {"Москва", "Санкт-Петербург", "Казань"} <= cities
    assert {c.status for c in clients} == {name for name, _ in STATUSES}
    assert {c.manager for c in clients} == {"maria", "sergey", None}
    assert sum(len(c.notes) for c in clients) > len(clients)


def test_placements_are_one_to_four_nodes_in_different_dimensions() -> None:
    paths = set(classifier_paths())
    for client in generate_clients(200, 5):
        dimensions = [path[0] for path in client.placements]
        assert 1 <= len(dimensions) <= 4
        assert len(dimensions) == len(set(dimensions))
        assert set(client.placements) <= paths
        assert all(len(path) >= 2 for path in client.placements)


def test_moscow_numbers_are_landlines_495_499_and_mobiles_9xx() -> None:
    clients = generate_clients(200)
    for client in clients:
        if client.kind == "legal" and "г. Москва" in client.fields["legal_address"]:
            assert all(p.number.startswith(("+7 (495)", "+7 (499)")) for p in client.phones)
        for person in client.contacts:
            assert re.fullmatch(r"\+7 \(9\d\d\) \d{3}-\d\d-\d\d", person.phones[0].number)


def test_full_names_agree_in_gender() -> None:
    rng = random.Random(11)
    for _ in range(500):
        person = person_name(rng)
        if person.female:
            assert person.first_name in FEMALE_NAMES
            assert person.middle_name.endswith(("вна", "чна"))
        else:
            assert person.first_name not in FEMALE_NAMES
            assert person.middle_name.endswith(("вич", "ич"))
        assert person.full == f"{person.last_name} {person.first_name} {person.middle_name}"


@pytest.mark.parametrize(
    ("masculine", "feminine"),
    [
        ("Иванов", "Иванова"),
        ("Соловьёв", "Соловьёва"),
        ("Ильин", "Ильина"),
        ("Покровский", "Покровская"),
        ("Шевченко", "Шевченко"),
        ("Ким", "Ким"),
        ("Седых", "Седых"),
    ],
)
def test_surnames_take_the_feminine_form(masculine: str, feminine: str) -> None:
    assert surname_for(masculine, female=True) == feminine
    assert surname_for(masculine, female=False) == masculine


@pytest.mark.parametrize(
    ("text", "latin"),
    [
        ("Зелёный сад", "zelenyy-sad"),
        ("СеверСтройМонтаж", "severstroymontazh"),
        ("Альфа-Логистик", "alfa-logistik"),
        ("Щербаков", "shcherbakov"),
        ("Вега-2", "vega-2"),
    ],
)
def test_transliteration_for_domains(text: str, latin: str) -> None:
    assert transliterate(text) == latin


def test_individuals_have_agreeing_names_and_plausible_birth_dates() -> None:
    for client in generate_clients(300, 3):
        if client.kind != "individual":
            continue
        born = client.fields["birth_date"]
        assert born is None or 1950 < born.year < 2006
        female = client.fields["first_name"] in FEMALE_NAMES
        assert client.fields["middle_name"].endswith(("вна", "чна") if female else ("вич", "ич"))


# -- seeding a database ----------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    url: str
    summary: DemoSummary


async def _seed_file(path: Path) -> DemoSummary:
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade(url)
    engine = create_engine(url)
    try:
        factory = make_uow_factory(create_session_factory(engine), Bus())
        async with factory() as uow:
            assert await needs_seed(uow)
        return await seed_demo(factory, clients=SEEDED_CLIENTS, now=NOW)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """One demo database for the module's read-only checks (seeding costs ~0.5 s)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    summary = asyncio.run(_seed_file(path))
    return Seeded(f"sqlite+aiosqlite:///{path}", summary)


@pytest.fixture
async def demo_uow(seeded: Seeded) -> AsyncIterator[UowFactory]:
    engine = create_engine(seeded.url)
    yield make_uow_factory(create_session_factory(engine), Bus())
    await engine.dispose()


async def _admin(factory: UowFactory) -> Actor:
    async with factory() as uow:
        actor, _ = await staff_service.authenticate(
            uow, "admin", DEMO_PASSWORD, NOW, staff_service.LoginPolicy()
        )
    return actor


@contextlib.asynccontextmanager
async def _list_sources(url: str) -> AsyncIterator[ListSources]:
    reader = await open_reader(url)
    facets = FacetStore(reader)
    try:
        yield ListSources(facets=facets, reader=reader, trees=clients_classifier.TreeCache())
    finally:
        await facets.stop()
        await reader.close()


async def _list(url: str, factory: UowFactory, admin: Actor, query: ClientListQuery) -> ClientPage:
    async with _list_sources(url) as sources, factory() as uow:
        return await list_clients(reusing(uow), sources, admin, POLICY, query)


async def _all_clients(url: str, factory: UowFactory, admin: Actor) -> list[ClientOut]:
    page = await _list(url, factory, admin, ClientListQuery(per_page=500))
    async with factory() as uow:
        return [await clients_service.get_client(uow, admin, POLICY, c.id) for c in page.items]


def test_the_summary_counts_what_was_seeded(seeded: Seeded) -> None:
    summary = seeded.summary
    assert summary.users == len(DEMO_USERS)
    assert summary.clients == SEEDED_CLIENTS
    assert summary.legal + summary.individuals == SEEDED_CLIENTS
    assert summary.legal > summary.individuals > 0
    assert summary.contact_persons >= summary.legal
    assert summary.notes > 0
    assert summary.statuses == len(STATUSES)
    assert summary.nodes == len(classifier_paths())


async def test_every_role_has_a_user_who_signs_in_with_the_demo_password(
    demo_uow: UowFactory,
) -> None:
    roles = set()
    for user in DEMO_USERS:
        async with demo_uow() as uow:
            actor, _ = await staff_service.authenticate(
                uow, user.login, DEMO_PASSWORD, NOW, staff_service.LoginPolicy()
            )
        assert (actor.login, actor.name, actor.role) == (user.login, user.name, user.role)
        roles.add(actor.role)
    assert roles == set(Role)
    async with demo_uow() as uow:
        users = {u.login: u for u in await staff_service.list_users(uow)}
    assert users["anna"].extension == "101"
    assert users["boris"].extension == "102"
    assert users["dealer"].name == "ООО «Дилер-Юг»"


async def test_clients_of_both_kinds_exist_with_valid_requisites_and_phones(
    demo_uow: UowFactory, seeded: Seeded
) -> None:
    admin = await _admin(demo_uow)
    clients = await _all_clients(seeded.url, demo_uow, admin)
    assert len(clients) == SEEDED_CLIENTS
    assert {c.kind for c in clients} == {"legal", "individual"}
    assert {c.status for c in clients} <= {name for name, _ in STATUSES}
    assert {c.manager for c in clients} <= {"Мария Петрова", "Сергей Кузнецов", None}
    for client in clients:
        kind: EntityKind = "legal" if client.kind == "legal" else "individual"
        if client.inn:
            assert validate_inn(client.inn, kind=kind) == client.inn
        if client.ogrn:
            assert validate_ogrn(client.ogrn, kind=kind) == client.ogrn
        if client.kind == "legal":
            assert client.inn
            assert client.kpp
            assert client.ogrn
            assert client.bik
            assert validate_kpp(client.kpp) == client.kpp
            assert client.bank_account
            assert client.corr_account
            assert validate_account(client.bank_account, client.bik)
            assert validate_correspondent_account(client.corr_account, client.bik)
        else:
            assert client.name == f"{client.last_name} {client.first_name} {client.middle_name}"
        assert client.phones
        for phone in client.phones:
            assert normalize_phone(phone.number) == phone.number
        assert 1 <= len(client.category_ids) <= 4
        assert client.created_at <= NOW


async def test_legal_entities_have_contact_persons_and_clients_have_notes(
    demo_uow: UowFactory, seeded: Seeded
) -> None:
    admin = await _admin(demo_uow)
    clients = await _all_clients(seeded.url, demo_uow, admin)
    notes = 0
    async with demo_uow() as uow:
        for client in clients:
            people = await clients_dossier.list_contact_persons(uow, admin, POLICY, client.id)
            if client.kind == "legal":
                assert 1 <= len(people) <= 3
                for person in people:
                    assert person.position
                    assert person.phones
                    for phone in person.phones:
                        assert normalize_phone(phone.number) == phone.number
            else:
                assert people == []
            for note in await clients_dossier.list_notes(uow, admin, POLICY, client.id):
                assert note.created_at >= client.created_at
                assert note.author
                notes += 1
    assert notes > 0


async def test_the_classifier_and_statuses_exist(seeded: Seeded, demo_uow: UowFactory) -> None:
    admin = await _admin(demo_uow)
    async with _list_sources(seeded.url) as sources, demo_uow() as uow:
        counts = await node_counts(reusing(uow), sources, admin, POLICY)
        nodes = await clients_classifier.list_nodes(uow, counts)
        statuses = await clients_service.list_statuses(uow)
    by_id = {n.id: n for n in nodes}
    roots = [n.name for n in sorted(nodes, key=lambda n: n.position) if not n.parent_ids]
    assert roots == [dimension for dimension, _ in CLASSIFIER]
    production = next(n for n in nodes if n.name == "Производство")
    children = {n.name for n in nodes if production.id in n.parent_ids}
    assert children == {"Пищевое", "Металлообработка"}
    assert by_id[production.parent_ids[0]].name == "Отрасль"
    assert sum(n.client_count for n in nodes if not n.parent_ids) >= SEEDED_CLIENTS
    assert [s.name for s in statuses] == [name for name, _ in STATUSES]
    assert [s.name for s in statuses if s.is_default] == ["Новый лид"]


async def test_a_seeded_phone_finds_its_client(demo_uow: UowFactory, seeded: Seeded) -> None:
    admin = await _admin(demo_uow)
    clients = await _all_clients(seeded.url, demo_uow, admin)
    legal = next(c for c in clients if c.kind == "legal")
    async with demo_uow() as uow:
        person = (await clients_dossier.list_contact_persons(uow, admin, POLICY, legal.id))[0]
    reader = await open_reader(seeded.url)
    try:
        for client in clients[:10]:
            number = client.phones[0].number
            matches = await clients_service.lookup_phone(
                reader, LookupCache(), admin, POLICY, format_phone(number)
            )
            assert [m.client_id for m in matches] == [client.id]
        typed = "8" + person.phones[0].number[2:]  # as an operator types it: 8916...
        matches = await clients_service.lookup_phone(reader, LookupCache(), admin, POLICY, typed)
        assert [(m.client_id, m.contact_person_id) for m in matches] == [(legal.id, person.id)]
    finally:
        await reader.close()


async def test_seeding_a_seeded_database_changes_nothing(
    demo_uow: UowFactory, seeded: Seeded
) -> None:
    async with demo_uow() as uow:
        assert not await needs_seed(uow)
    assert await ensure_demo(demo_uow, clients=SEEDED_CLIENTS, now=NOW) is None
    admin = await _admin(demo_uow)
    async with demo_uow() as uow:
        assert len(await staff_service.list_users(uow)) == len(DEMO_USERS)
    page = await _list(seeded.url, demo_uow, admin, ClientListQuery())
    assert page.total == seeded.summary.clients


async def test_ensure_demo_seeds_an_empty_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    await upgrade(url)
    engine = create_engine(url)
    try:
        factory = make_uow_factory(create_session_factory(engine), Bus())
        summary = await ensure_demo(factory, clients=3, now=NOW)
        assert summary is not None
        assert summary.clients == 3
        assert await ensure_demo(factory, clients=3, now=NOW) is None
    finally:
        await engine.dispose()


# -- the command, end to end -----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _first_page(base: str, task: asyncio.Task[None]) -> float:
    """Poll GET /login until it answers 200 (for at most PAGE_TIMEOUT_S); the seconds it took."""
    started = time.perf_counter()
    async with aiohttp.ClientSession() as http:
        while time.perf_counter() - started < PAGE_TIMEOUT_S:
            if task.done():
                task.result()  # raises what stopped the demo
                pytest.fail("run_demo returned without serving")
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(base + "/login") as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            await asyncio.sleep(0.05)
    pytest.fail(f"no page within {PAGE_TIMEOUT_S} s")


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _sign_in_and_list_clients(base: str) -> str:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(base + "/login") as response:
            page = await response.text()
        match = re.search(r'name="_csrf" value="([^"]+)"', page)
        assert match, "no CSRF field on the login page"
        form = {"login": "maria", "password": DEMO_PASSWORD, "_csrf": match.group(1)}
        async with http.post(base + "/login", data=form) as response:
            assert response.status == 200, await response.text()
        async with http.get(base + "/clients") as response:
            assert response.status == 200
            return await response.text()


async def test_run_demo_serves_a_fresh_database_then_reuses_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = _free_port()
    settings = load_settings(
        config_path=tmp_path / "absent.toml",
        environ={},
        var_dir=tmp_path / "var",
        http_port=port,
        database_url="postgresql+asyncpg://nobody@nowhere/never",  # the demo must ignore it
    )
    base = f"http://127.0.0.1:{port}"

    task = asyncio.create_task(run_demo(settings, fresh=True, clients=SEEDED_CLIENTS))
    try:
        first = await _first_page(base, task)
        listing = await _sign_in_and_list_clients(base)
    finally:
        await _stop(task)
    assert first < 5.0, f"a fresh demo took {first:.1f} s to serve its first page"
    assert "Мария Петрова" in listing
    assert (tmp_path / "var" / "demo" / "demo.db").is_file()
    out = capsys.readouterr().out
    assert f"{base}/" in out
    assert f"created {tmp_path / 'var' / 'demo' / 'demo.db'} with {SEEDED_CLIENTS} clients" in out
    for user in DEMO_USERS:
        assert re.search(rf"{user.login}\s+{user.role.value}\s+{DEMO_PASSWORD}", out)

    task = asyncio.create_task(run_demo(settings, fresh=False, clients=SEEDED_CLIENTS))
    try:
        again = await _first_page(base, task)
    finally:
        await _stop(task)
    assert again < 2.0, f"reusing the demo database took {again:.1f} s"
    assert "reusing" in capsys.readouterr().out
