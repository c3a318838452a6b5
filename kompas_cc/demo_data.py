"""Realistic Russian demo data: companies, people, requisites, phones, notes; pure, repeatable.

Everything the client schemas validate is built to pass them: INN, OGRN and OGRNIP carry
control digits computed with the Federal Tax Service algorithms, settlement accounts carry
the Bank of Russia key for real banks' BIKs, and phone numbers are drawn until
`kompas_cc.core.phone` accepts them. The same seed always gives the same data, so a demo
database (and a screenshot of it) can be reproduced.

Nothing here touches a database: `kompas_cc.demo` feeds these values through the services.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from kompas_cc.core.actor import Role
from kompas_cc.core.phone import try_normalize_phone

DEFAULT_SEED = 20240917
DEMO_PASSWORD = "kompas-demo"

# -- the cast and the reference data ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoUser:
    login: str
    name: str
    role: Role
    extension: str | None = None


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "Ольга Админова", Role.ADMIN),
    DemoUser("maria", "Мария Петрова", Role.MANAGER),
    DemoUser("sergey", "Сергей Кузнецов", Role.MANAGER),
    DemoUser("anna", "Анна Смирнова", Role.OPERATOR, "101"),
    DemoUser("boris", "Борис Иванов", Role.OPERATOR, "102"),
    DemoUser("dealer", "ООО «Дилер-Юг»", Role.DEALER),
)
ADMIN_LOGIN = "admin"
MANAGER_LOGINS: tuple[str, ...] = tuple(u.login for u in DEMO_USERS if u.role is Role.MANAGER)
OPERATOR_LOGINS: tuple[str, ...] = tuple(u.login for u in DEMO_USERS if u.role is Role.OPERATOR)

#: Client statuses in display order: (name, is_default).
STATUSES: tuple[tuple[str, bool], ...] = (
    ("Новый лид", True),
    ("Клиент", False),
    ("Постоянный клиент", False),
    ("VIP", False),
    ("Отказ", False),
)
_STATUS_WEIGHTS = (30, 30, 18, 7, 15)

#: The classifier: dimension -> [(node, [sub-nodes])]. A placement is a path from a dimension.
CLASSIFIER: tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...] = (
    ("Температура", (("Холодные", ()), ("Тёплые", ()), ("Горячие", ()))),
    ("Лояльность", (("Лояльные", ()), ("Нелояльные", ()))),
    ("Размер", (("Крупные", ()), ("Средние", ()), ("Мелкие", ()))),
    (
        "Отрасль",
        (
            ("Торговля", ()),
            ("Производство", ("Пищевое", "Металлообработка")),
            ("Услуги", ()),
            ("Строительство", ()),
        ),
    ),
)

NodePath = tuple[str, ...]


def classifier_paths() -> list[NodePath]:
    """Every node of `CLASSIFIER` as a path from its dimension, parents before children."""
    paths: list[NodePath] = []
    for dimension, nodes in CLASSIFIER:
        paths.append((dimension,))
        for node, children in nodes:
            paths.append((dimension, node))
            paths.extend((dimension, node, child) for child in children)
    return paths


@dataclass(frozen=True, slots=True)
class Bank:
    name: str
    bik: str
    corr_account: str


SBERBANK = Bank("ПАО Сбербанк", "044525225", "30101810400000000225")
FEDERAL_BANKS: tuple[Bank, ...] = (
    SBERBANK,
    Bank("АО «Альфа-Банк»", "044525593", "30101810200000000593"),
    Bank("Банк ВТБ (ПАО)", "044525187", "30101810700000000187"),
    Bank("АО «ТБанк»", "044525974", "30101810145250000974"),
    Bank("ПАО «Промсвязьбанк»", "044525555", "30101810400000000555"),
    Bank("АО «Райффайзенбанк»", "044525700", "30101810200000000700"),
    Bank("Банк ГПБ (АО)", "044525823", "30101810200000000823"),
)


@dataclass(frozen=True, slots=True)
class City:
    name: str
    region: str  # the two-digit region code INN, KPP and OGRN start with
    tax_offices: tuple[str, ...]  # four-digit codes of the city's tax inspections
    postcodes: tuple[int, int]
    phone_codes: tuple[str, ...]
    streets: tuple[str, ...]
    local_banks: tuple[Bank, ...] = ()
    weight: int = 1


CITIES: tuple[City, ...] = (
    City(
        "Москва", "77", ("7701", "7705", "7710", "7714", "7719", "7722", "7728", "7736", "7743"),
        (101000, 129350), ("495", "499"),
        ("ул. Тверская", "ул. Новый Арбат", "Ленинский пр-т", "Профсоюзная ул.",
         "ул. Большая Ордынка", "Мясницкая ул.", "Варшавское ш.", "Дмитровское ш.",
         "ул. Бауманская", "пр-т Мира", "Кутузовский пр-т", "ул. Нижняя Красносельская",
         "Складочная ул.", "Научный пр-д", "Рязанский пр-т", "ул. Электрозаводская"),
        weight=40,
    ),
    City(
        "Санкт-Петербург", "78", ("7801", "7804", "7810", "7813", "7825", "7838", "7842"),
        (190000, 199406), ("812",),
        ("Невский пр-т", "ул. Марата", "Лиговский пр-т", "Садовая ул.", "Московский пр-т",
         "ул. Большая Морская", "наб. Обводного канала", "Кантемировская ул.",
         "ул. Савушкина", "пр-т Энгельса", "Кирочная ул."),
        (Bank("Северо-Западный банк ПАО Сбербанк", "044030653", "30101810500000000653"),),
        weight=15,
    ),
    City(
        "Казань", "16", ("1655", "1656", "1657", "1658", "1659", "1660"),
        (420000, 420141), ("843",),
        ("ул. Баумана", "ул. Пушкина", "пр-т Победы", "Петербургская ул.", "ул. Декабристов",
         "ул. Сибирский Тракт", "Чистопольская ул.", "ул. Ершова"),
        (Bank("ПАО «АК БАРС» БАНК", "049205805", "30101810000000000805"),
         Bank("Отделение «Банк Татарстан» № 8610 ПАО Сбербанк", "049205603",
              "30101810600000000603")),
        weight=7,
    ),
    City(
        "Екатеринбург", "66", ("6658", "6659", "6670", "6671", "6672", "6679", "6685"),
        (620000, 620149), ("343",),
        ("ул. Малышева", "пр-т Ленина", "ул. 8 Марта", "ул. Мамина-Сибиряка", "ул. Белинского",
         "ул. Вайнера", "ул. Фрунзе", "ул. Радищева"),
        (Bank("Уральский банк ПАО Сбербанк", "046577674", "30101810500000000674"),),
        weight=7,
    ),
    City(
        "Новосибирск", "54", ("5401", "5402", "5403", "5404", "5405", "5406", "5410"),
        (630000, 630133), ("383",),
        ("Красный пр-т", "ул. Ленина", "ул. Кирова", "ул. Гоголя", "ул. Фрунзе",
         "ул. Большевистская", "ул. Станционная", "ул. Дуси Ковальчук"),
        (Bank("Сибирский банк ПАО Сбербанк", "045004641", "30101810500000000641"),),
        weight=7,
    ),
    City(
        "Нижний Новгород", "52", ("5256", "5257", "5258", "5259", "5260", "5261", "5262"),
        (603000, 603163), ("831",),
        ("ул. Большая Покровская", "Рождественская ул.", "ул. Родионова", "ул. Горького",
         "Московское ш.", "ул. Ванеева", "пр-т Гагарина"),
        (Bank("Волго-Вятский банк ПАО Сбербанк", "042202603", "30101810900000000603"),),
        weight=6,
    ),
    City(
        "Краснодар", "23", ("2308", "2309", "2310", "2311", "2312"),
        (350000, 350089), ("861",),
        ("ул. Красная", "ул. Северная", "Ставропольская ул.", "Уральская ул.",
         "ул. Тургенева", "ул. Кубанская Набережная"),
        weight=5,
    ),
    City(
        "Самара", "63", ("6311", "6312", "6315", "6316", "6317", "6318", "6319"),
        (443000, 443125), ("846",),
        ("Ленинградская ул.", "Московское ш.", "ул. Куйбышева", "Молодогвардейская ул.",
         "Ново-Садовая ул."),
        weight=5,
    ),
    City(
        "Ростов-на-Дону", "61", ("6161", "6162", "6163", "6164", "6165", "6166", "6167"),
        (344000, 344113), ("863",),
        ("Большая Садовая ул.", "Будённовский пр-т", "Пушкинская ул.", "Ворошиловский пр-т",
         "ул. Малиновского"),
        weight=4,
    ),
    City(
        "Воронеж", "36", ("3661", "3662", "3663", "3664", "3665", "3666"),
        (394000, 394095), ("473",),
        ("пр-т Революции", "Плехановская ул.", "Московский пр-т", "Кольцовская ул.",
         "Ленинский пр-т"),
        weight=4,
    ),
)  # fmt: skip

MOBILE_CODES = (
    "903", "905", "906", "909", "910", "915", "916", "917", "919", "921", "925", "926",
    "929", "937", "950", "952", "953", "960", "961", "977", "985", "987", "999",
)  # fmt: skip

# -- people ---------------------------------------------------------------------------

#: Male first names with the patronymics they give a son and a daughter.
MALE_NAMES: tuple[tuple[str, str, str], ...] = (
    ("Александр", "Александрович", "Александровна"),
    ("Алексей", "Алексеевич", "Алексеевна"),
    ("Андрей", "Андреевич", "Андреевна"),
    ("Антон", "Антонович", "Антоновна"),
    ("Артём", "Артёмович", "Артёмовна"),
    ("Борис", "Борисович", "Борисовна"),
    ("Вадим", "Вадимович", "Вадимовна"),
    ("Валерий", "Валерьевич", "Валерьевна"),
    ("Василий", "Васильевич", "Васильевна"),
    ("Виктор", "Викторович", "Викторовна"),
    ("Владимир", "Владимирович", "Владимировна"),
    ("Геннадий", "Геннадьевич", "Геннадьевна"),
    ("Григорий", "Григорьевич", "Григорьевна"),
    ("Дмитрий", "Дмитриевич", "Дмитриевна"),
    ("Евгений", "Евгеньевич", "Евгеньевна"),
    ("Иван", "Иванович", "Ивановна"),
    ("Игорь", "Игоревич", "Игоревна"),
    ("Илья", "Ильич", "Ильинична"),
    ("Кирилл", "Кириллович", "Кирилловна"),
    ("Константин", "Константинович", "Константиновна"),
    ("Максим", "Максимович", "Максимовна"),
    ("Михаил", "Михайлович", "Михайловна"),
    ("Никита", "Никитич", "Никитична"),
    ("Николай", "Николаевич", "Николаевна"),
    ("Олег", "Олегович", "Олеговна"),
    ("Павел", "Павлович", "Павловна"),
    ("Пётр", "Петрович", "Петровна"),
    ("Роман", "Романович", "Романовна"),
    ("Руслан", "Русланович", "Руслановна"),
    ("Сергей", "Сергеевич", "Сергеевна"),
    ("Станислав", "Станиславович", "Станиславовна"),
    ("Степан", "Степанович", "Степановна"),
    ("Фёдор", "Фёдорович", "Фёдоровна"),
    ("Юрий", "Юрьевич", "Юрьевна"),
    ("Ярослав", "Ярославович", "Ярославовна"),
)
FEMALE_NAMES: tuple[str, ...] = (
    "Анна", "Мария", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана",
    "Екатерина", "Юлия", "Анастасия", "Марина", "Галина", "Людмила", "Надежда", "Дарья",
    "Ксения", "Полина", "Виктория", "Алина", "Вера", "Валентина", "Евгения", "Софья",
    "Кристина", "Оксана", "Лариса", "Алёна", "Яна", "Маргарита",
)  # fmt: skip
#: Surnames in the masculine form; `surname_for` derives the feminine one.
SURNAMES: tuple[str, ...] = (
    "Иванов", "Петров", "Смирнов", "Кузнецов", "Попов", "Васильев", "Соколов", "Михайлов",
    "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
    "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин",
    "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов",
    "Воробьёв", "Сергеев", "Кузьмин", "Фролов", "Александров", "Дмитриев", "Королёв",
    "Гусев", "Киселёв", "Ильин", "Максимов", "Поляков", "Сорокин", "Виноградов", "Ковалёв",
    "Белов", "Медведев", "Антонов", "Тарасов", "Жуков", "Баранов", "Филиппов", "Комаров",
    "Давыдов", "Беляев", "Герасимов", "Богданов", "Осипов", "Сидоров", "Матвеев", "Титов",
    "Марков", "Миронов", "Крылов", "Куликов", "Карпов", "Власов", "Мельников", "Денисов",
    "Гаврилов", "Тихонов", "Казаков", "Афанасьев", "Данилов", "Савельев", "Тимофеев",
    "Фомин", "Чернов", "Абрамов", "Мартынов", "Ефимов", "Щербаков", "Назаров", "Калинин",
    "Исаев", "Быков", "Маслов", "Родионов", "Коновалов", "Лазарев", "Воронин", "Климов",
    "Филатов", "Пономарёв", "Голубев", "Кудрявцев", "Прохоров", "Наумов", "Потапов",
    "Журавлёв", "Трофимов", "Леонов", "Соболев", "Ермаков", "Колесников", "Гончаров",
    "Никифоров", "Котов", "Гришин", "Архипов", "Громов", "Кириллов", "Малышев", "Панов",
    "Румянцев", "Акимов", "Бирюков", "Горбунов", "Галкин", "Скворцов", "Белоусов",
    "Нестеров", "Цветков", "Логинов", "Краснов", "Демидов", "Рыбаков", "Плотников",
    "Хохлов", "Литвинов", "Ушаков", "Калашников", "Бородин", "Некрасов", "Жданов",
    "Лавров", "Зуев", "Шишкин", "Чистяков", "Воронцов", "Зверев", "Головин", "Суворов",
    "Покровский", "Никольский", "Вишневский", "Островский", "Шевченко", "Коваленко",
    "Бондаренко", "Кравченко", "Ким", "Седых",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class PersonName:
    last_name: str
    first_name: str
    middle_name: str
    female: bool

    @property
    def full(self) -> str:
        return f"{self.last_name} {self.first_name} {self.middle_name}"


def surname_for(masculine: str, female: bool) -> str:
    """The surname in the person's gender: Иванов/Иванова, Покровский/Покровская, Ким/Ким."""
    if not female:
        return masculine
    if masculine.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return masculine + "а"
    if masculine.endswith("ский"):
        return masculine[:-4] + "ская"
    if masculine.endswith("цкий"):
        return masculine[:-4] + "цкая"
    return masculine  # -енко, -ых, Ким: the same for both


def person_name(rng: random.Random, female: bool | None = None) -> PersonName:
    """A full name whose surname and patronymic agree with the first name's gender."""
    if female is None:
        female = rng.random() < 0.5
    father = rng.choice(MALE_NAMES)
    surname = surname_for(rng.choice(SURNAMES), female)
    if female:
        return PersonName(surname, rng.choice(FEMALE_NAMES), father[2], True)
    first = rng.choice([n for n in MALE_NAMES if n is not father])[0]
    return PersonName(surname, first, father[1], False)


def birth_date(rng: random.Random) -> date:
    start = date(1956, 1, 1).toordinal()
    return date.fromordinal(rng.randrange(start, date(2004, 12, 31).toordinal()))


# -- transliteration, web sites and e-mails --------------------------------------------

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
}  # fmt: skip


def transliterate(text: str) -> str:
    """Lower-case Latin letters for a domain or an e-mail: «Зелёный сад» -> "zelenyy-sad"."""
    out: list[str] = []
    for ch in text.lower():
        if ch in _TRANSLIT:
            out.append(_TRANSLIT[ch])
        elif ch.isascii() and ch.isalnum():
            out.append(ch)
        elif ch in " -" and out and out[-1] != "-":
            out.append("-")
    return "".join(out).strip("-")


# -- requisites -------------------------------------------------------------------------

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN11_WEIGHTS = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_ACCOUNT_WEIGHTS = (7, 1, 3)


def _mod11(digits: str, weights: Sequence[int]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10)


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def legal_inn(rng: random.Random, tax_office: str = "7701") -> str:
    """A 10-digit INN of a legal entity registered at `tax_office` (4 digits)."""
    first9 = tax_office + _digits(rng, 5)
    return first9 + _mod11(first9, _INN10_WEIGHTS)


def individual_inn(rng: random.Random, tax_office: str = "7701") -> str:
    """A 12-digit INN of a person (or an individual entrepreneur)."""
    first10 = tax_office + _digits(rng, 6)
    first11 = first10 + _mod11(first10, _INN11_WEIGHTS)
    return first11 + _mod11(first11, _INN12_WEIGHTS)


def kpp_for(inn: str, reason: str = "01") -> str:
    """The KPP of a company at its place of registration: tax office of the INN, reason, 001."""
    return inn[:4] + reason + "001"


def ogrn(rng: random.Random, region: str = "77", tax_office: str = "7701") -> str:
    """A 13-digit OGRN: sign 1, year of registration, region, inspection, record, control."""
    first12 = "1" + f"{rng.randrange(2, 24):02d}" + region + tax_office[2:] + _digits(rng, 5)
    return first12 + str(int(first12) % 11 % 10)


def ogrnip(rng: random.Random, region: str = "77") -> str:
    """A 15-digit OGRNIP of an individual entrepreneur (control digit modulo 13)."""
    first14 = "3" + f"{rng.randrange(4, 24):02d}" + region + _digits(rng, 9)
    return first14 + str(int(first14) % 13 % 10)


def with_account_key(prefix: str, account: str) -> str:
    """`account` with its key digit (the 9th) set so the Bank of Russia key holds for `prefix`."""
    for key in "0123456789":
        candidate = account[:8] + key + account[9:]
        digits = prefix + candidate
        if sum(int(d) * _ACCOUNT_WEIGHTS[i % 3] for i, d in enumerate(digits)) % 10 == 0:
            return candidate
    raise AssertionError("unreachable: one of ten key digits always fits")  # pragma: no cover


def settlement_account(rng: random.Random, bik: str, balance: str = "40702") -> str:
    """A rouble settlement account at the bank with `bik`.

    `balance` is the balance-sheet account: 40702 for a commercial company, 40802 for an
    individual entrepreneur. 810 is the rouble code; the key digit is computed last.
    """
    return with_account_key(bik[-3:], balance + "810" + "0" + _digits(rng, 11))


# -- companies --------------------------------------------------------------------------

_SINGLE_NAMES = (
    "Ромашка", "Вектор", "Гранит", "Меридиан", "Орион", "Атлант", "Радуга", "Кристалл",
    "Прогресс", "Фортуна", "Сфера", "Горизонт", "Магистраль", "Эталон", "Парус", "Берёзка",
    "Антей", "Аврора", "Олимп", "Феникс", "Альянс", "Импульс", "Стимул", "Монолит",
    "Континент", "Маяк", "Лотос", "Спектр", "Пульс", "Созвездие",
)  # fmt: skip
_PHRASE_NAMES = (
    "Зелёный сад", "Белый медведь", "Северный ветер", "Золотой колос", "Добрый хлеб",
    "Чистый дом", "Тёплый дом", "Новый век", "Русский лес", "Сибирская нива",
    "Волжский берег", "Уральские самоцветы", "Честный мастер", "Свежий урожай",
    "Мир упаковки", "Деловой партнёр",
)  # fmt: skip
_PREFIXES = (
    "Техно", "Север", "Юг", "Урал", "Сиб", "Волга", "Агро", "Евро", "Мега", "Спец",
    "Энерго", "Транс", "Нефте", "Гидро", "Авто", "Электро",
)  # fmt: skip
_ROOTS = (
    "Пром", "Строй", "Монтаж", "Сервис", "Торг", "Снаб", "Ресурс", "Комплект", "Маш",
    "Металл", "Трейд", "Логистик",
)  # fmt: skip
_GREEK = (
    "Альфа", "Бета", "Гамма", "Дельта", "Омега", "Вега", "Лидер", "Профи", "Мастер",
    "Статус", "Гарант", "Форвард",
)  # fmt: skip
_TAILS = (
    "Логистик", "Сервис", "Трейд", "Групп", "Строй", "Плюс", "Центр", "Маркет", "Инвест",
    "Техно",
)  # fmt: skip


def company_name_pools() -> tuple[list[str], ...]:
    """Candidate names by style: single word, phrase, compound, triple compound, hyphenated."""
    compound = [p + r for p in _PREFIXES for r in _ROOTS if p.lower() != r.lower()]
    triple = [p + a + b for p in _PREFIXES for a in ("Строй", "Пром") for b in ("Монтаж", "Снаб")]
    hyphen = [f"{g}-{t}" for g in _GREEK for t in _TAILS]
    return list(_SINGLE_NAMES), list(_PHRASE_NAMES), compound, triple, hyphen


_NAME_STYLE_WEIGHTS = (25, 10, 35, 10, 20)

#: Sector paths (under the "Отрасль" dimension) with the industries written in the dossier.
SECTORS: Mapping[NodePath, tuple[str, ...]] = {
    ("Торговля",): (
        "Оптовая торговля продуктами питания",
        "Торговля строительными материалами",
        "Розничная торговля одеждой",
        "Оптовая торговля автозапчастями",
        "Дистрибуция бытовой химии",
        "Торговля офисной техникой",
    ),
    ("Производство",): (
        "Производство мебели",
        "Производство упаковки",
        "Производство изделий из пластмасс",
        "Деревообработка",
    ),
    ("Производство", "Пищевое"): (
        "Хлебопекарное производство",
        "Производство молочной продукции",
        "Мясопереработка",
        "Кондитерское производство",
    ),
    ("Производство", "Металлообработка"): (
        "Металлообработка на станках с ЧПУ",
        "Производство металлоконструкций",
        "Литейное производство",
    ),
    ("Услуги",): (
        "Грузоперевозки",
        "Складская логистика",
        "Бухгалтерские услуги",
        "IT-аутсорсинг",
        "Клининговые услуги",
        "Рекламное агентство",
        "Юридические услуги",
    ),
    ("Строительство",): (
        "Жилищное строительство",
        "Ремонт и отделка помещений",
        "Монтаж инженерных систем",
        "Дорожное строительство",
        "Кровельные работы",
    ),
}
#: Parts of a company name that tell its sector; checked in this order.
_SECTOR_HINTS: tuple[tuple[str, NodePath], ...] = (
    ("Металл", ("Производство", "Металлообработка")),
    ("Маш", ("Производство", "Металлообработка")),
    ("Литье", ("Производство", "Металлообработка")),
    ("Хлеб", ("Производство", "Пищевое")),
    ("Колос", ("Производство", "Пищевое")),
    ("Урожай", ("Производство", "Пищевое")),
    ("Агро", ("Производство", "Пищевое")),
    ("Нива", ("Производство", "Пищевое")),
    ("Сад", ("Производство", "Пищевое")),
    ("Строй", ("Строительство",)),
    ("Монтаж", ("Строительство",)),
    ("Дом", ("Строительство",)),
    ("Мастер", ("Строительство",)),
    ("Пром", ("Производство",)),
    ("Упаковк", ("Производство",)),
    ("Лес", ("Производство",)),
    ("Торг", ("Торговля",)),
    ("Трейд", ("Торговля",)),
    ("Маркет", ("Торговля",)),
    ("Снаб", ("Торговля",)),
    ("Комплект", ("Торговля",)),
    ("Логистик", ("Услуги",)),
    ("Транс", ("Услуги",)),
    ("Сервис", ("Услуги",)),
    ("Инвест", ("Услуги",)),
    ("Профи", ("Услуги",)),
    ("Партн", ("Услуги",)),
)


def sector_for(name: str, rng: random.Random) -> NodePath:
    """The sector a company name suggests («СеверСтройМонтаж» builds), else a random one."""
    folded = name.casefold()
    for hint, sector in _SECTOR_HINTS:
        if hint.casefold() in folded:
            return sector
    return rng.choice(list(SECTORS))


# -- notes ------------------------------------------------------------------------------

#: Notes by the stage of the relationship. Legal entities first, then private persons.
_PROSPECT_NOTES = (
    "Просили перезвонить после {hour}:00",
    "Отправили КП, ждут согласования бюджета",
    "Отправили КП на {count} позиций, ответ обещали до конца недели",
    "Секретарь не соединяет с директором, попробовать через почту",
    "Интересуются оптовыми скидками от {count} шт.",
    "Встреча в офисе клиента в {weekday}, взять образцы",
    "Попросили прислать презентацию на почту",
    "Сравнивают с предложением конкурентов, цена выше на {percent}%",
    "Бюджет на следующий год утверждают в декабре",
    "Не дозвонились, телефон не отвечает",
    "Перезвонить через две недели, сейчас директор в отпуске",
    "Пришли по рекомендации, интересует годовое обслуживание",
    "Оставили заявку на сайте, просили связаться в рабочее время",
    "Готовы к тестовой поставке небольшой партии",
)
_CUSTOMER_NOTES = (
    "Договор на подписании у юристов",
    "Счёт № {number} оплачен, отгрузка в понедельник",
    "Выставили счёт № {number}, ждём оплату",
    "Недовольны сроками последней поставки, обещали компенсацию",
    "Запросили акт сверки за прошлый квартал",
    "Сменился главный бухгалтер, обновить контакты",
    "Клиент доволен, готов дать рекомендацию",
    "Нужна отсрочка платежа на {days} дней",
    "Уточнить реквизиты для нового договора",
    "Планируют увеличить объём закупок на {percent}% в следующем квартале",
)
_REFUSAL_NOTES = (
    "Отказались: работают с другим поставщиком по долгосрочному договору",
    "Отказ: не устроила цена, вернуться к разговору через полгода",
    "Компания сворачивает это направление, предложение неактуально",
)
_PERSON_PROSPECT_NOTES = (
    "Просил перезвонить после {hour}:00",
    "Не дозвонились, телефон не отвечает",
    "Отправили расчёт стоимости на почту",
    "Интересуется рассрочкой на {months} месяцев",
    "Просит писать в мессенджер, на работе звонки не принимает",
    "Хочет консультацию специалиста, удобно в {weekday}",
    "Узнал о нас от знакомых, просил прислать прайс",
)
_PERSON_CUSTOMER_NOTES = (
    "Оформлен заказ № {number}, доставка в {weekday}",
    "Оплата прошла, чек отправлен на почту",
    "Вернулся с повторным заказом",
    "Жалоба на задержку доставки, извинились и дали скидку {percent}%",
    "Попросил копию договора на почту",
)
_PERSON_REFUSAL_NOTES = (
    "Отказался: дорого",
    "Передумал, просил больше не звонить",
)
_WEEKDAYS = ("понедельник", "вторник", "среду", "четверг", "пятницу")
_CUSTOMER_STATUSES = frozenset({"Клиент", "Постоянный клиент", "VIP"})


def note_text(rng: random.Random, template: str) -> str:
    return template.format(
        hour=rng.choice((11, 12, 14, 15, 16, 17)),
        count=rng.choice((5, 10, 12, 20, 50, 100)),
        number=rng.randrange(100, 2000),
        weekday=rng.choice(_WEEKDAYS),
        percent=rng.choice((5, 7, 10, 15)),
        days=rng.choice((14, 30, 45, 60)),
        months=rng.choice((3, 6, 12)),
    )


def note_pools(kind: str, status: str) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
    """The notes for the first contacts and for the later ones (None: same as the first).

    A lead only has prospecting notes; a customer's history moves on to invoices and
    deliveries; a refusal ends with the reason.
    """
    legal = kind == "legal"
    prospect = _PROSPECT_NOTES if legal else _PERSON_PROSPECT_NOTES
    if status in _CUSTOMER_STATUSES:
        return prospect, _CUSTOMER_NOTES if legal else _PERSON_CUSTOMER_NOTES
    if status == "Отказ":
        return prospect, _REFUSAL_NOTES if legal else _PERSON_REFUSAL_NOTES
    return prospect, None


# -- the generated clients -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoPhone:
    number: str  # as an office types it: "+7 (495) 123-45-67"
    kind: str = "work"
    comment: str | None = None

    def payload(self) -> dict[str, Any]:
        return {"number": self.number, "kind": self.kind, "comment": self.comment}


@dataclass(frozen=True, slots=True)
class DemoContactPerson:
    name: str
    position: str
    phones: tuple[DemoPhone, ...]
    emails: tuple[str, ...]

    def payload(self) -> dict[str, Any]:
        """The data of `ContactPersonIn`."""
        return {
            "name": self.name,
            "position": self.position,
            "phones": [p.payload() for p in self.phones],
            "emails": [{"address": e, "kind": "work"} for e in self.emails],
        }


@dataclass(frozen=True, slots=True)
class DemoNote:
    text: str
    age: timedelta  # how long before "now" it was written
    author: str  # a login


@dataclass(frozen=True, slots=True)
class DemoClient:
    """One client of the demo dossier, as plain data for `ClientIn` and friends."""

    fields: Mapping[str, Any]  # the scalar fields of ClientIn, without status and manager
    phones: tuple[DemoPhone, ...]
    emails: tuple[str, ...]
    status: str
    manager: str | None  # a login
    creator: str  # the login of who entered it: an operator took the call, or a manager
    placements: tuple[NodePath, ...]  # paths from a classifier dimension
    contacts: tuple[DemoContactPerson, ...] = ()
    notes: tuple[DemoNote, ...] = ()
    age: timedelta = timedelta(0)  # how long before "now" the client was created

    @property
    def kind(self) -> str:
        return str(self.fields["kind"])

    def payload(
        self, *, status_id: int | None = None, manager_id: int | None = None
    ) -> dict[str, Any]:
        """The data of `ClientIn`, with the database ids of the status and the manager."""
        data = dict(self.fields)
        data["status_id"] = status_id
        data["manager_id"] = manager_id
        data["phones"] = [p.payload() for p in self.phones]
        data["emails"] = [{"address": e, "kind": "work"} for e in self.emails]
        return data


_CONTACT_POSITIONS = (
    "Главный бухгалтер",
    "Менеджер по закупкам",
    "Коммерческий директор",
    "Руководитель отдела снабжения",
    "Офис-менеджер",
    "Заместитель директора",
    "Юрист",
    "Инженер",
)
_SECTOR_POSITIONS: Mapping[str, tuple[str, ...]] = {
    "Производство": ("Начальник производства", "Технолог"),
    "Строительство": ("Прораб", "Инженер-сметчик"),
    "Торговля": ("Товаровед", "Руководитель отдела продаж"),
    "Услуги": ("Руководитель проектов",),
}
_SOURCES = (
    "Входящий звонок",
    "Сайт",
    "Рекомендация",
    "Выставка",
    "Холодный звонок",
    "Тендер",
    "Реклама в Яндексе",
)
_MAIL_DOMAINS = ("mail.ru", "yandex.ru", "gmail.com", "bk.ru", "list.ru", "inbox.ru")


def format_phone_typed(code: str, subscriber: str) -> str:
    """The way an office writes a Russian number: "+7 (495) 123-45-67"."""
    return f"+7 ({code}) {subscriber[:3]}-{subscriber[3:5]}-{subscriber[5:]}"


@dataclass
class DemoGenerator:
    """Draws unique, valid values from one random stream.

    Uniqueness is kept across the whole run (INNs, phones, names, domains, e-mails), so
    every seeded client passes the duplicate check and a phone finds exactly one client.
    """

    seed: int = DEFAULT_SEED
    rng: random.Random = field(init=False)
    _used: set[str] = field(init=False, default_factory=set)
    _name_pools: list[list[str]] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._name_pools = [list(pool) for pool in company_name_pools()]
        for pool in self._name_pools:
            self.rng.shuffle(pool)

    def _unique(self, draw: Callable[[], object], namespace: str) -> str:
        for _ in range(1000):
            value = str(draw())
            if f"{namespace}:{value}" not in self._used:
                self._used.add(f"{namespace}:{value}")
                return value
        raise RuntimeError(f"ran out of unique {namespace} values")  # pragma: no cover

    # -- single values

    def city(self) -> City:
        return self.rng.choices(CITIES, weights=[c.weight for c in CITIES])[0]

    def phone(self, code: str | None = None, kind: str = "work") -> DemoPhone:
        """A unique number valid for `kompas_cc.core.phone`; mobile when `code` is None."""

        def draw() -> str:
            while True:
                prefix = code or self.rng.choice(MOBILE_CODES)
                subscriber = str(self.rng.randrange(2, 10)) + _digits(self.rng, 6)
                typed = format_phone_typed(prefix, subscriber)
                if try_normalize_phone(typed, "RU") is not None:
                    return typed

        return DemoPhone(self._unique(draw, "phone"), kind)

    def company_name(self) -> str:
        styles = [i for i, pool in enumerate(self._name_pools) if pool]
        if not styles:  # more companies than names: number the repeats, as registries do
            base = self.rng.choice(company_name_pools()[self.rng.randrange(5)])
            return self._unique(lambda: f"{base}-{self.rng.randrange(2, 100)}", "company")
        weights = [_NAME_STYLE_WEIGHTS[i] for i in styles]
        pool = self._name_pools[self.rng.choices(styles, weights=weights)[0]]
        name = pool.pop()
        self._used.add(f"company:{name}")
        return name

    def address(self, city: City, *, flat: bool = False) -> str:
        low, high = city.postcodes
        street = self.rng.choice(city.streets)
        house = f"д. {self.rng.randrange(1, 120)}"
        if self.rng.random() < 0.25:
            house += f", корп. {self.rng.randrange(1, 6)}"
        if flat:
            house += f", кв. {self.rng.randrange(1, 300)}"
        elif self.rng.random() < 0.2:
            house += f", стр. {self.rng.randrange(1, 10)}"
        if not flat and self.rng.random() < 0.6:
            house += f", офис {self.rng.randrange(1, 12)}{self.rng.randrange(1, 40):02d}"
        return f"{self.rng.randrange(low, high + 1)}, г. {city.name}, {street}, {house}"

    def inn(self, city: City, *, individual: bool) -> str:
        office = self.rng.choice(city.tax_offices)
        make = individual_inn if individual else legal_inn
        return self._unique(lambda: make(self.rng, office), "inn")

    def bank(self, city: City) -> Bank:
        if city.local_banks and self.rng.random() < 0.4:
            return self.rng.choice(city.local_banks)
        return self.rng.choice(FEDERAL_BANKS)

    def email(self, local: str, domain: str) -> str:
        def draw() -> str:
            if f"email:{local}@{domain}" not in self._used:
                return f"{local}@{domain}"
            return f"{local}{self.rng.randrange(2, 100)}@{domain}"

        return self._unique(draw, "email")

    def domain(self, name: str, city: City) -> str:
        base = transliterate(name)
        tld = self.rng.choices((".ru", ".com", ".net", ".su"), weights=(85, 8, 5, 2))[0]
        candidates = iter((base + tld, f"{base}-{transliterate(city.name)}{tld}"))
        return self._unique(lambda: next(candidates, f"{base}{self.rng.randrange(100)}.ru"), "dom")

    def contact_person(self, domain: str, city: City, position: str) -> DemoContactPerson:
        person = person_name(self.rng)
        phones = [self.phone(kind="mobile")]
        if self.rng.random() < 0.35:
            work = self.phone(self.rng.choice(city.phone_codes))
            phones.append(DemoPhone(work.number, "work", f"доб. {self.rng.randrange(100, 400)}"))
        local = f"{transliterate(person.first_name)[0]}.{transliterate(person.last_name)}"
        return DemoContactPerson(person.full, position, tuple(phones), (self.email(local, domain),))

    def notes(
        self, age: timedelta, manager: str | None, kind: str, status: str
    ) -> tuple[DemoNote, ...]:
        """0-4 notes written since the client appeared, oldest first, telling its story."""
        count = self.rng.choices((0, 1, 2, 3, 4), weights=(20, 30, 25, 15, 10))[0]
        minutes = int(age.total_seconds() // 60)
        ages = sorted((self.rng.randrange(0, minutes + 1) for _ in range(count)), reverse=True)
        authors = ([manager] if manager else []) + list(OPERATOR_LOGINS)
        first, later = note_pools(kind, status)
        notes = []
        for index, written in enumerate(ages):
            if later is None:
                pool = first
            elif status == "Отказ":
                pool = later if index == count - 1 else first
            else:
                pool = later if index > 0 or count == 1 else first
            text = note_text(self.rng, self.rng.choice(pool))
            notes.append(DemoNote(text, timedelta(minutes=written), self.rng.choice(authors)))
        return tuple(notes)

    # -- clients

    def _placements(self, status: str, size: str, sector: NodePath | None) -> tuple[NodePath, ...]:
        """1-4 placements in different dimensions, agreeing with the status and the size."""
        temperature = {
            "Новый лид": ("Холодные", "Тёплые"),
            "Клиент": ("Тёплые", "Горячие"),
            "Постоянный клиент": ("Тёплые", "Горячие"),
            "VIP": ("Горячие",),
            "Отказ": ("Холодные",),
        }[status]
        loyalty = {"Постоянный клиент": ("Лояльные",), "VIP": ("Лояльные",)}.get(
            status, ("Нелояльные",) if status == "Отказ" else ("Лояльные", "Нелояльные")
        )
        options: list[NodePath] = [
            ("Температура", self.rng.choice(temperature)),
            ("Лояльность", self.rng.choice(loyalty)),
            ("Размер", size),
        ]
        if sector is not None:
            options.append(("Отрасль", *sector))
        count = self.rng.randint(1, len(options))
        chosen = sorted(self.rng.sample(range(len(options)), count))
        return tuple(options[i] for i in chosen)

    def _status_and_manager(self) -> tuple[str, str | None]:
        status = self.rng.choices([s for s, _ in STATUSES], weights=_STATUS_WEIGHTS)[0]
        manager = None if self.rng.random() < 0.1 else self.rng.choice(MANAGER_LOGINS)
        return status, manager

    def _creator(self, source: str, manager: str | None) -> str:
        """Operators enter the callers; managers their own finds; the admin imported the rest."""
        if source == "Входящий звонок":
            return self.rng.choice(OPERATOR_LOGINS)
        return manager or ADMIN_LOGIN

    def legal_client(self) -> DemoClient:
        city = self.city()
        name = self.company_name()
        form = self.rng.choices(("ООО", "АО", "ПАО"), weights=(84, 13, 3))[0]
        sector = sector_for(name, self.rng)
        office = self.rng.choice(city.tax_offices)
        inn = self._unique(lambda: legal_inn(self.rng, office), "inn")
        bank = self.bank(city)
        domain = self.domain(name, city)
        legal_address = self.address(city)
        actual = legal_address if self.rng.random() < 0.6 else self.address(city)
        status, manager = self._status_and_manager()
        size = {"ПАО": "Крупные", "АО": self.rng.choice(("Крупные", "Средние"))}.get(
            form, self.rng.choices(("Крупные", "Средние", "Мелкие"), weights=(10, 40, 50))[0]
        )
        source = self.rng.choice(_SOURCES)
        fields = {
            "kind": "legal",
            "name": name,
            "legal_form": form,
            "inn": inn,
            "kpp": kpp_for(inn),
            "ogrn": self._unique(lambda: ogrn(self.rng, city.region, office), "ogrn"),
            "legal_address": legal_address,
            "actual_address": actual,
            "bank_name": bank.name,
            "bik": bank.bik,
            "bank_account": settlement_account(self.rng, bank.bik),
            "corr_account": bank.corr_account,
            "website": f"https://{domain}" if self.rng.random() < 0.8 else None,
            "industry": self.rng.choice(SECTORS[sector]),
            "source": source,
        }
        code = self.rng.choice(city.phone_codes)
        phones = [self.phone(code)]
        if self.rng.random() < 0.4:
            phones.append(self.phone(code))
        if self.rng.random() < 0.1:
            phones.append(DemoPhone(self.phone(code).number, "fax"))
        emails = [self.email("info", domain)]
        if self.rng.random() < 0.3:
            emails.append(self.email(self.rng.choice(("sales", "zakaz", "buh", "office")), domain))
        positions = [
            "Генеральный директор" if self.rng.random() < 0.7 else "Директор",
            *self.rng.sample(
                _CONTACT_POSITIONS + _SECTOR_POSITIONS.get(sector[0], ()),
                self.rng.choices((0, 1, 2), weights=(45, 35, 20))[0],
            ),
        ]
        age = self._age()
        return DemoClient(
            fields=fields,
            phones=tuple(phones),
            emails=tuple(emails),
            status=status,
            manager=manager,
            creator=self._creator(source, manager),
            placements=self._placements(status, size, sector),
            contacts=tuple(self.contact_person(domain, city, p) for p in positions),
            notes=self.notes(age, manager, "legal", status),
            age=age,
        )

    def individual_client(self) -> DemoClient:
        """A private person, or (one in three) an individual entrepreneur with an OGRNIP."""
        city = self.city()
        person = person_name(self.rng)
        entrepreneur = self.rng.random() < 0.35
        source = self.rng.choice(_SOURCES)
        fields: dict[str, Any] = {
            "kind": "individual",
            "last_name": person.last_name,
            "first_name": person.first_name,
            "middle_name": person.middle_name,
            "birth_date": birth_date(self.rng) if self.rng.random() < 0.7 else None,
            "actual_address": self.address(city, flat=True) if self.rng.random() < 0.7 else None,
            "source": source,
        }
        sector: NodePath | None = None
        if entrepreneur or self.rng.random() < 0.4:
            fields["inn"] = self.inn(city, individual=True)
        if entrepreneur:
            sector = self.rng.choice([("Торговля",), ("Услуги",), ("Строительство",)])
            fields["legal_form"] = "ИП"
            fields["ogrn"] = self._unique(lambda: ogrnip(self.rng, city.region), "ogrn")
            fields["industry"] = self.rng.choice(SECTORS[sector])
            fields["legal_address"] = self.address(city, flat=True)
        phones = [self.phone(kind="mobile")]
        if self.rng.random() < 0.2:
            phones.append(self.phone(self.rng.choice(city.phone_codes), kind="home"))
        emails: list[str] = []
        if self.rng.random() < 0.6:
            local = f"{transliterate(person.first_name)}.{transliterate(person.last_name)}"
            if self.rng.random() < 0.5:
                local += str(self.rng.randrange(60, 100))
            emails.append(self.email(local, self.rng.choice(_MAIL_DOMAINS)))
        status, manager = self._status_and_manager()
        age = self._age()
        return DemoClient(
            fields=fields,
            phones=tuple(phones),
            emails=tuple(emails),
            status=status,
            manager=manager,
            creator=self._creator(source, manager),
            placements=self._placements(status, "Мелкие", sector),
            notes=self.notes(age, manager, "individual", status),
            age=age,
        )

    def _age(self) -> timedelta:
        return timedelta(days=self.rng.randrange(0, 540), minutes=self.rng.randrange(0, 1440))

    def clients(self, count: int) -> list[DemoClient]:
        """`count` clients, two thirds legal entities, in a shuffled order."""
        legal = round(count * 2 / 3)
        kinds = [True] * legal + [False] * (count - legal)
        self.rng.shuffle(kinds)
        return [self.legal_client() if k else self.individual_client() for k in kinds]


def generate_clients(count: int, seed: int = DEFAULT_SEED) -> list[DemoClient]:
    """The demo dossier: the same `count` clients for the same seed."""
    return DemoGenerator(seed).clients(count)
