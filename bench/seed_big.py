"""Fill a migrated KOMPAS database with many clients, fast (bulk loading, no ORM per row).

    python -m bench.seed_big --url sqlite+aiosqlite:///bench/results/big.db --clients 1000000
    python -m bench.seed_big --url postgresql+asyncpg://postgres@127.0.0.1:5432/kompas

What is written, for N clients (ids 1..N):

* N clients, about 70 % individuals with Russian names and 30 % companies ("ООО «...»"),
  INNs with valid control digits, KPP, created_at/updated_at (UTC), search_text as the
  application computes it, a status and a responsible manager;
* 2 phones per client (2N rows), unique E.164 numbers "+7XXXXXXXXXX" in valid Russian ranges;
* a classifier of 3 dimensions with 3-4 nodes each; every client is placed in 1-3 nodes of
  different dimensions (about 2N rows of client_categories);
* 5 client statuses and 5 users, among them the admin `admin` / `ADMIN_PASSWORD`.

Phone numbers are not stored in a list: they are a bijection of (client id, phone index), so
the load tool regenerates any existing number from the manifest (a JSON file written next to a
SQLite database, or where --manifest says). `phone_forms` types them the way operators do.

SQLite is loaded with the sqlite3 module and executemany in big transactions
(synchronous=OFF, WAL); PostgreSQL with asyncpg COPY, FK triggers off
(session_replication_role=replica) and the secondary indexes dropped and rebuilt around it.
Both end with ANALYZE.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULTS_DIR, asyncpg_dsn, is_sqlite_url, rel, sqlite_path

ADMIN_LOGIN = "admin"
ADMIN_PASSWORD = "bench-admin-password"
DEFAULT_CLIENTS = 1_000_000
DEFAULT_SEED = 20_261_201
CHUNK = 50_000

# -- phone numbers ---------------------------------------------------------------------

#: Area and mobile codes whose every 7-digit subscriber number `phonenumbers` accepts.
PHONE_PREFIXES = (
    "495", "499", "812", "343", "383", "903", "905", "906", "909", "915",
    "916", "917", "919", "925", "926", "929", "965", "977", "985", "999",
)  # fmt: skip
SUBSCRIBERS = 10**7


@dataclass(frozen=True, slots=True)
class PhonePlan:
    """Phone j of client c is number((c - 1) * per_client + j): an affine bijection of
    0..M-1 (M = prefixes x 10^7), so numbers look random, never repeat and need no list."""

    prefixes: tuple[str, ...] = PHONE_PREFIXES
    mul: int = 48_271_397  # coprime with M (M has only the prime factors 2 and 5)
    add: int = 0
    per_client: int = 2

    @property
    def capacity(self) -> int:
        return len(self.prefixes) * SUBSCRIBERS

    def number(self, client_id: int, index: int) -> str:
        slot = ((client_id - 1) * self.per_client + index) * self.mul + self.add
        slot %= self.capacity
        prefix, subscriber = divmod(slot, SUBSCRIBERS)
        return f"+7{self.prefixes[prefix]}{subscriber:07d}"


def phone_forms(e164: str) -> list[str]:
    """The ways an operator or a PBX types a Russian E.164 number."""
    d = e164[2:]  # ten national digits
    code, a, b, c = d[:3], d[3:6], d[6:8], d[8:]
    return [
        e164,
        f"8 ({code}) {a}-{b}-{c}",
        f"+7 {code} {a}{b}{c}",
        f"8{d}",
        f"7{d}",
        f"+7 ({code}) {a}-{b}-{c}",
        f"8-{code}-{a}-{b}-{c}",
        f"({code}) {a} {b} {c}",
    ]


def random_phone_form(e164: str, rng: random.Random) -> str:
    return rng.choice(phone_forms(e164))


# -- what the database holds besides clients -------------------------------------------

STATUSES = (("Новый", True), ("Активный", False), ("VIP", False), ("Спящий", False))

# login, name, role, extension
USERS = (
    (ADMIN_LOGIN, "Администратор Системы", "admin", None),
    ("petrova", "Петрова Анна Сергеевна", "manager", None),
    ("sokolov", "Соколов Игорь Павлович", "manager", None),
    ("ivanova", "Иванова Мария Олеговна", "operator", "101"),
    ("dealer", "Дилер Северный", "dealer", None),
)
MANAGER_IDS = (1, 2, 3, 4)  # admins, managers and operators may be responsible for clients

# dimension name, weight of being placed in it, [(node name, weight)]
DIMENSIONS: tuple[tuple[str, float, tuple[tuple[str, float], ...]], ...] = (
    ("Температура", 0.7, (("Горячий", 0.25), ("Тёплый", 0.4), ("Холодный", 0.35))),
    (
        "Лояльность",
        0.65,
        (("Новый", 0.35), ("Постоянный", 0.35), ("VIP", 0.1), ("Ушедший", 0.2)),
    ),
    (
        "Регион",
        0.65,
        (("Москва", 0.4), ("Санкт-Петербург", 0.25), ("Поволжье", 0.2), ("Сибирь", 0.15)),
    ),
)


@dataclass(frozen=True, slots=True)
class NodeInfo:
    id: int
    name: str
    parent_id: int | None
    position: int


def classifier_nodes() -> list[NodeInfo]:
    nodes: list[NodeInfo] = []
    next_id = 1
    for position, (dimension, _, children) in enumerate(DIMENSIONS):
        root = next_id
        nodes.append(NodeInfo(root, dimension, None, position))
        next_id += 1
        for child_position, (name, _) in enumerate(children):
            nodes.append(NodeInfo(next_id, name, root, child_position))
            next_id += 1
    return nodes


# -- names -----------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


SURNAMES = _words(
    "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов "
    "Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев "
    "Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв "
    "Сергеев Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов "
    "Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов Филиппов "
    "Комаров Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов "
    "Крылов Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов Казаков Афанасьев "
    "Данилов Савельев Тимофеев Фомин Чернов Абрамов Мартынов Ефимов Федотов Щербаков Назаров "
    "Калинин Исаев Чернышёв Быков Маслов Родионов Коновалов Лазарев Воронин Климов Филатов "
    "Пономарёв Голубев Кудрявцев Прохоров Наумов Потапов Журавлёв Овчинников Трофимов Леонов "
    "Соболев Ермаков Колесников Гончаров Емельянов Никифоров Грачёв Котов Гришин Ефремов "
    "Архипов Громов Кириллов Малышев Панов Моисеев Румянцев Акимов Кондратьев Бирюков Горбунов "
    "Анисимов Еремеев Субботин Тихомиров Шубин Якушев Зуев Рыбаков Суворов Логинов Горелов "
    "Савин Блинов Муравьёв Игнатьев Шестаков Дорофеев Голованов Брагин Крюков Ширяев "
    "Островский Вишневский Ковальский Лиховский Троицкий Покровский Успенский Рождественский "
    "Толстой Трубецкой Шевченко Бондаренко Коваленко Ткаченко Ким Цой Черных Седых"
)
MALE_NAMES = _words(
    "Александр Дмитрий Максим Сергей Андрей Алексей Артём Илья Кирилл Михаил Никита Матвей "
    "Роман Егор Арсений Иван Денис Евгений Даниил Тимофей Владислав Игорь Владимир Павел "
    "Руслан Марк Константин Тимур Олег Ярослав Антон Николай Глеб Данила Савелий Вадим "
    "Степан Юрий Богдан Артур Семён Макар Лев Виктор Елисей Виталий Вячеслав Захар Мирон "
    "Дамир Георгий Давид Платон Анатолий Григорий Борис Леонид Пётр Геннадий Василий"
)
FEMALE_NAMES = _words(
    "Анастасия Мария Анна Виктория Екатерина Наталья Марина Полина София Дарья Алиса Ксения "
    "Александра Елена Ольга Татьяна Ирина Светлана Юлия Валерия Евгения Вероника Арина "
    "Василиса Алёна Кристина Диана Маргарита Варвара Ульяна Милана Елизавета Людмила Галина "
    "Надежда Любовь Вера Лариса Нина Тамара Оксана Яна Алина Инна Жанна Зоя Римма Регина"
)
# the father's first name -> (male patronymic, female patronymic)
PATRONYMICS = tuple(
    (m, m[:-2] + "на")
    for m in _words(
        "Александрович Дмитриевич Сергеевич Андреевич Алексеевич Михайлович Иванович "
        "Николаевич Владимирович Павлович Викторович Евгеньевич Юрьевич Олегович Игоревич "
        "Петрович Васильевич Геннадьевич Анатольевич Борисович Константинович Романович "
        "Максимович Денисович Витальевич Валерьевич Фёдорович Григорьевич Леонидович "
        "Степанович Аркадьевич Вадимович Георгиевич Егорович Семёнович Тимурович"
    )
)
COMPANY_HEADS = _words(
    "Север Юг Восток Запад Балт Урал Сибирь Волга Дон Альфа Бета Гамма Дельта Омега Вектор "
    "Гранит Кварц Титан Меридиан Горизонт Спектр Импульс Ресурс Прогресс Атлант Феникс "
    "Магистраль Регион Инфо Техно Энерго Агро Нефте Газо Электро Авто Медиа Телеком Мега "
    "Стандарт Профи Эталон Лидер Капитал Орион Сатурн Юпитер Полярис Аврора Рассвет Заря"
)
COMPANY_TAILS = _words(
    "Строй Торг Снаб Сервис Логистик Трейд Пром Маш Комплект Монтаж Proekt Лайн Групп Холдинг "
    "Инвест Систем Софт Транс Флот Мебель Пласт Металл Хим Фарм Продукт Опт Маркет Дом Тех"
)
COMPANY_SUFFIX = ("", "", "", "", "-М", "-Плюс", "-Центр", "-2000", " Регион", "-Юг", "-Север")
LEGAL_FORMS = ("ООО", "ООО", "ООО", "ООО", "АО", "АО", "ПАО", "ЗАО")
INDUSTRIES = (
    "Строительство", "Оптовая торговля", "Розничная торговля", "Логистика", "ИТ",
    "Производство", "Медицина", "Образование", "Общепит", "Сельское хозяйство",
)  # fmt: skip
SOURCES = ("Сайт", "Входящий звонок", "Рекомендация", "Выставка", "Холодный обзвон", None)
REGIONS = (77, 78, 50, 47, 66, 54, 16, 52, 63, 61, 23, 2, 24, 59, 36, 34, 74, 55, 72, 38)

_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _control(digits: Sequence[int], weights: Sequence[int]) -> int:
    return sum(d * w for d, w in zip(digits, weights, strict=True)) % 11 % 10


def legal_inn(region: int, serial: int) -> str:
    """10 digits: region, tax office, serial and the control digit."""
    body = f"{region:02d}{serial % 10**7:07d}"
    digits = [int(ch) for ch in body]
    return body + str(_control(digits, _INN10))


def individual_inn(region: int, serial: int) -> str:
    """12 digits with the two control digits of an individual's INN."""
    body = f"{region:02d}{serial % 10**8:08d}"
    digits = [int(ch) for ch in body]
    digits.append(_control(digits, _INN11))
    digits.append(_control(digits, _INN12))
    return "".join(map(str, digits))


# -- generation ------------------------------------------------------------------------

CLIENT_COLUMNS = (
    "id", "kind", "name", "search_text", "legal_form", "inn", "kpp", "industry",
    "last_name", "first_name", "middle_name", "birth_date", "status_id", "manager_id",
    "source", "created_at", "updated_at", "created_by_id",
)  # fmt: skip
PHONE_COLUMNS = ("id", "client_id", "kind", "number")
CATEGORY_COLUMNS = ("node_id", "client_id")

EPOCH = datetime(2021, 1, 1, tzinfo=UTC)
HISTORY_S = 5 * 365 * 86_400


@dataclass
class Chunk:
    clients: list[tuple[Any, ...]] = field(default_factory=list)
    phones: list[tuple[Any, ...]] = field(default_factory=list)
    categories: list[tuple[int, int]] = field(default_factory=list)


def _sqlite_time(moment: datetime) -> str:
    """The text SQLAlchemy stores for a UTC DateTime on SQLite (naive, microseconds)."""
    return moment.replace(tzinfo=None).isoformat(" ", "microseconds")


def generate_chunk(first_id: int, count: int, seed: int, plan: PhonePlan, sqlite: bool) -> Chunk:
    """Rows of clients first_id..first_id+count-1; deterministic for a given seed."""
    rng = random.Random(seed * 1_000_003 + first_id)
    rand, choice, randrange = rng.random, rng.choice, rng.randrange
    nodes = classifier_nodes()
    dims: list[tuple[float, list[int], list[float]]] = []
    for dimension, weight, children in DIMENSIONS:
        root = next(n.id for n in nodes if n.name == dimension and n.parent_id is None)
        ids = [n.id for n in nodes if n.parent_id == root]
        dims.append((weight, ids, [w for _, w in children]))
    now = datetime.now(UTC)
    to_time: Callable[[datetime], Any] = _sqlite_time if sqlite else (lambda m: m)
    chunk = Chunk()
    clients, phones, categories = chunk.clients, chunk.phones, chunk.categories
    per = plan.per_client
    for cid in range(first_id, first_id + count):
        region = REGIONS[randrange(len(REGIONS))]
        birth: date | str | None = None
        if rand() < 0.3:
            kind = "legal"
            form = LEGAL_FORMS[randrange(len(LEGAL_FORMS))]
            title = choice(COMPANY_HEADS) + choice(COMPANY_TAILS).lower() + choice(COMPANY_SUFFIX)
            name = f"{form} «{title}»"
            inn: str | None = legal_inn(region, cid * 7 + randrange(7))
            kpp: str | None = f"{region:02d}{randrange(1, 100):02d}01001"
            last = first = middle = None
            industry: str | None = choice(INDUSTRIES)
        else:
            kind = "individual"
            form = None
            kpp = None
            industry = None
            surname = choice(SURNAMES)
            pat = choice(PATRONYMICS)
            if rand() < 0.5:
                last, first, middle = surname, choice(MALE_NAMES), pat[0]
            else:
                if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
                    surname += "а"
                elif surname.endswith(("ский", "цкий", "ой")):
                    surname = surname[:-2] + "ая"
                last, first, middle = surname, choice(FEMALE_NAMES), pat[1]
            if rand() < 0.1:
                middle = None
            name = f"{last} {first} {middle}" if middle else f"{last} {first}"
            inn = individual_inn(region, cid * 13 + randrange(13)) if rand() < 0.5 else None
            if rand() < 0.5:
                born = date(1950, 1, 1) + timedelta(days=randrange(50 * 365))
                birth = born.isoformat() if sqlite else born
        search_text = f"{name} {inn}".casefold() if inn else name.casefold()
        created = EPOCH + timedelta(seconds=randrange(HISTORY_S), microseconds=randrange(10**6))
        updated = created + timedelta(seconds=randrange(200 * 86_400))
        if updated > now:
            updated = now
        manager = MANAGER_IDS[randrange(len(MANAGER_IDS))] if rand() < 0.9 else None
        clients.append(
            (
                cid, kind, name, search_text, form, inn, kpp, industry, last, first, middle,
                birth, 1 + randrange(len(STATUSES)), manager, choice(SOURCES),
                to_time(created), to_time(updated), manager or 1,
            )
        )  # fmt: skip
        base = (cid - 1) * per
        for index in range(per):
            number = plan.number(cid, index)
            phones.append((base + index + 1, cid, "mobile" if number[2] == "9" else "work", number))
        placed = 0
        for weight, ids, weights in dims:
            if rand() < weight:
                categories.append((rng.choices(ids, weights)[0], cid))
                placed += 1
        if not placed:
            weight, ids, weights = dims[randrange(len(dims))]
            categories.append((rng.choices(ids, weights)[0], cid))
    return chunk


def chunks(n: int, seed: int, plan: PhonePlan, sqlite: bool, size: int) -> Iterator[Chunk]:
    for first in range(1, n + 1, size):
        yield generate_chunk(first, min(size, n + 1 - first), seed, plan, sqlite)


# -- the manifest ----------------------------------------------------------------------


@dataclass
class Manifest:
    """What the load tool needs to know about a seeded database."""

    clients: int
    seed: int
    phone_prefixes: list[str]
    phone_mul: int
    phone_add: int
    phones_per_client: int
    admin_login: str
    admin_password: str
    #: dimension name -> ids of its nodes
    dimensions: dict[str, list[int]]
    backend: str = ""
    seeded_at: str = ""
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def plan(self) -> PhonePlan:
        return PhonePlan(
            tuple(self.phone_prefixes), self.phone_mul, self.phone_add, self.phones_per_client
        )

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n")

    @classmethod
    def read(cls, path: Path) -> Manifest:
        return cls(**json.loads(path.read_text()))


def manifest_path_for(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".seed.json")


def new_manifest(n: int, seed: int, backend: str) -> Manifest:
    plan = PhonePlan(add=seed % PhonePlan().capacity)
    nodes = classifier_nodes()
    dimensions = {
        root.name: [n.id for n in nodes if n.parent_id == root.id]
        for root in nodes
        if root.parent_id is None
    }
    return Manifest(
        clients=n,
        seed=seed,
        phone_prefixes=list(plan.prefixes),
        phone_mul=plan.mul,
        phone_add=plan.add,
        phones_per_client=plan.per_client,
        admin_login=ADMIN_LOGIN,
        admin_password=ADMIN_PASSWORD,
        dimensions=dimensions,
        backend=backend,
        seeded_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _user_rows(now: datetime) -> list[tuple[Any, ...]]:
    from kompas_cc.staff.passwords import hash_password

    password_hash = hash_password(ADMIN_PASSWORD)
    return [
        (i, login, name, f"{login}@example.ru", role, ext, password_hash, now)
        for i, (login, name, role, ext) in enumerate(USERS, start=1)
    ]


USER_SQL_COLUMNS = ("id", "login", "name", "email", "role", "extension", "password_hash")


class Timer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._began = time.perf_counter()

    def step(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self._began, 2)
        print(f"  {name:<28} {now - self._began:7.1f} s", flush=True)
        self._began = now


# -- SQLite ----------------------------------------------------------------------------


def _load_sqlite(path: Path, manifest: Manifest, chunk_size: int, timer: Timer) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA foreign_keys=OFF")
        db.execute("PRAGMA cache_size=-1048576")  # 1 GiB of page cache while loading
        db.execute("PRAGMA temp_store=MEMORY")
        for table in ("clients", "users"):
            if db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]:
                raise SystemExit(f"{path}: table {table} is not empty; seed an empty database")
        now = datetime.now(UTC)
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO client_statuses (id, name, position, is_default) VALUES (?, ?, ?, ?)",
            [(i, name, i, int(default)) for i, (name, default) in enumerate(STATUSES, 1)],
        )
        db.executemany(
            "INSERT INTO users (id, login, name, email, role, extension, password_hash, "
            "created_at, timezone, locale, session_version, is_active, failed_logins) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'Europe/Moscow', 'ru', 1, 1, 0)",
            [(*row[:-1], _sqlite_time(row[-1])) for row in _user_rows(now)],
        )
        nodes = classifier_nodes()
        db.executemany(
            "INSERT INTO classifier_nodes (id, name, position) VALUES (?, ?, ?)",
            [(n.id, n.name, n.position) for n in nodes],
        )
        db.executemany(
            "INSERT INTO classifier_edges (parent_id, child_id) VALUES (?, ?)",
            [(n.parent_id, n.id) for n in nodes if n.parent_id is not None],
        )
        db.execute("COMMIT")
        tables = ("clients", "client_phones", "client_categories")
        marks = ",".join("?" * len(tables))
        indexes = db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks})",
            tables,
        ).fetchall()
        for name, _ in indexes:
            db.execute(f'DROP INDEX "{name}"')
        timer.step("users, statuses, classifier")
        client_sql = (
            f"INSERT INTO clients ({', '.join(CLIENT_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(CLIENT_COLUMNS))})"
        )
        phone_sql = (
            f"INSERT INTO client_phones ({', '.join(PHONE_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(PHONE_COLUMNS))})"
        )
        category_sql = "INSERT INTO client_categories (node_id, client_id) VALUES (?, ?)"
        gen_s = 0.0
        began = time.perf_counter()
        for_chunks = chunks(manifest.clients, manifest.seed, manifest.plan, True, chunk_size)
        done = 0
        while True:
            t0 = time.perf_counter()
            part = next(for_chunks, None)
            gen_s += time.perf_counter() - t0
            if part is None:
                break
            db.execute("BEGIN")
            db.executemany(client_sql, part.clients)
            db.executemany(phone_sql, part.phones)
            db.executemany(category_sql, part.categories)
            db.execute("COMMIT")
            done += len(part.clients)
            _progress(done, manifest.clients, began)
        timer.step(f"rows (generation {gen_s:.0f} s)")
        for _, sql in indexes:
            db.execute(sql)
        timer.step("indexes")
        db.execute("ANALYZE")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        timer.step("analyze, checkpoint")
    finally:
        db.close()


def _progress(done: int, total: int, began: float) -> None:
    if sys.stdout.isatty() or done == total or done % (total // 10 or 1) < CHUNK:
        rate = done / max(time.perf_counter() - began, 1e-9)
        print(f"    {done:>9,} / {total:,} clients  ({rate:,.0f}/s)", flush=True)


# -- PostgreSQL ------------------------------------------------------------------------


async def _load_postgres(url: str, manifest: Manifest, chunk_size: int, timer: Timer) -> None:
    import asyncpg

    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for table in ("clients", "users"):
            if await conn.fetchval(f"SELECT count(*) FROM {table}"):
                raise SystemExit(f"table {table} is not empty; seed an empty database")
        try:
            # FK checks are triggers; the rows are consistent by construction.
            await conn.execute("SET session_replication_role = replica")
        except asyncpg.PostgresError as exc:
            print(f"  (FK triggers stay on: {exc})")
        await conn.execute("SET maintenance_work_mem = '512MB'")
        await conn.execute("SET synchronous_commit = off")
        now = datetime.now(UTC)
        async with conn.transaction():
            await conn.copy_records_to_table(
                "client_statuses",
                records=[(i, n, i, d) for i, (n, d) in enumerate(STATUSES, 1)],
                columns=["id", "name", "position", "is_default"],
            )
            await conn.copy_records_to_table(
                "users",
                records=[(*row, "Europe/Moscow", "ru", 1, True, 0) for row in _user_rows(now)],
                columns=[
                    *USER_SQL_COLUMNS, "created_at", "timezone", "locale", "session_version",
                    "is_active", "failed_logins",
                ],
            )  # fmt: skip
            nodes = classifier_nodes()
            await conn.copy_records_to_table(
                "classifier_nodes",
                records=[(n.id, n.name, n.position) for n in nodes],
                columns=["id", "name", "position"],
            )
            await conn.copy_records_to_table(
                "classifier_edges",
                records=[(n.parent_id, n.id) for n in nodes if n.parent_id is not None],
                columns=["parent_id", "child_id"],
            )
        indexes = await conn.fetch(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() "
            "AND i.tablename IN ('clients', 'client_phones', 'client_categories') "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        )
        for row in indexes:
            await conn.execute(f'DROP INDEX "{row["indexname"]}"')
        timer.step("users, statuses, classifier")
        gen_s = 0.0
        began = time.perf_counter()
        done = 0
        for_chunks = chunks(manifest.clients, manifest.seed, manifest.plan, False, chunk_size)
        while True:
            t0 = time.perf_counter()
            part = next(for_chunks, None)
            gen_s += time.perf_counter() - t0
            if part is None:
                break
            async with conn.transaction():
                await conn.copy_records_to_table(
                    "clients", records=part.clients, columns=list(CLIENT_COLUMNS)
                )
                await conn.copy_records_to_table(
                    "client_phones", records=part.phones, columns=list(PHONE_COLUMNS)
                )
                await conn.copy_records_to_table(
                    "client_categories", records=part.categories, columns=list(CATEGORY_COLUMNS)
                )
            done += len(part.clients)
            _progress(done, manifest.clients, began)
        timer.step(f"rows (generation {gen_s:.0f} s)")
        for row in indexes:
            await conn.execute(row["indexdef"])
        timer.step("indexes")
        for table, column in (
            ("clients", "id"),
            ("client_phones", "id"),
            ("users", "id"),
            ("client_statuses", "id"),
            ("classifier_nodes", "id"),
        ):
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                f"(SELECT max({column}) FROM {table}))"
            )
        await conn.execute("SET session_replication_role = DEFAULT")
        await conn.execute("VACUUM ANALYZE")
        timer.step("sequences, vacuum analyze")
    finally:
        await conn.close()


# -- entry points ----------------------------------------------------------------------


async def seed_database(
    url: str,
    clients: int = DEFAULT_CLIENTS,
    *,
    seed: int = DEFAULT_SEED,
    manifest_path: Path | None = None,
    chunk_size: int = CHUNK,
) -> Manifest:
    """Migrate `url`, fill it and write the manifest; returns the manifest."""
    from kompas_cc.db.migrate import upgrade

    sqlite = is_sqlite_url(url)
    if manifest_path is None:
        if not sqlite:
            raise ValueError("give manifest_path for a PostgreSQL database")
        manifest_path = manifest_path_for(sqlite_path(url))
    manifest = new_manifest(clients, seed, "sqlite" if sqlite else "postgresql")
    print(f"seeding {clients:,} clients into {'SQLite' if sqlite else 'PostgreSQL'}", flush=True)
    total = time.perf_counter()
    timer = Timer()
    await upgrade(url)
    timer.step("migrations")
    if sqlite:
        await asyncio.to_thread(_load_sqlite, sqlite_path(url), manifest, chunk_size, timer)
    else:
        await _load_postgres(url, manifest, chunk_size, timer)
    manifest.seconds = {**timer.seconds, "total": round(time.perf_counter() - total, 2)}
    print(f"  {'total':<28} {manifest.seconds['total']:7.1f} s", flush=True)
    manifest.write(manifest_path)
    print(f"  manifest: {rel(manifest_path)}")
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="SQLAlchemy URL of the database to fill")
    parser.add_argument("--clients", type=int, default=DEFAULT_CLIENTS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--chunk", type=int, default=CHUNK, help="clients per transaction")
    parser.add_argument(
        "--manifest",
        type=Path,
        help="where to write the manifest (default: next to a SQLite file; "
        "bench/results/<database>.seed.json for PostgreSQL)",
    )
    parser.add_argument(
        "--sample-phones",
        type=int,
        metavar="K",
        help="print K existing numbers (typed in mixed forms) from --manifest and exit",
    )
    args = parser.parse_args(argv)
    if args.sample_phones:
        if not args.manifest:
            parser.error("--sample-phones needs --manifest")
        manifest = Manifest.read(args.manifest)
        rng = random.Random()
        for _ in range(args.sample_phones):
            cid = rng.randint(1, manifest.clients)
            number = manifest.plan.number(cid, rng.randrange(manifest.phones_per_client))
            print(f"{cid}\t{number}\t{random_phone_form(number, rng)}")
        return 0
    if not args.url:
        parser.error("--url is required")
    manifest_path = args.manifest
    if manifest_path is None and not is_sqlite_url(args.url):
        from sqlalchemy.engine import make_url

        manifest_path = RESULTS_DIR / f"{make_url(args.url).database}.seed.json"
    asyncio.run(
        seed_database(
            args.url,
            args.clients,
            seed=args.seed,
            manifest_path=manifest_path,
            chunk_size=args.chunk,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
