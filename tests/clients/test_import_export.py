"""Export of filtered client lists and import of client tables (CSV, XLSX) with a report.

The files are built here the way offices produce them: Russian Excel's "CSV" is
windows-1251 with ';', "CSV UTF-8" has a BOM, and XLSX cells hold numbers and dates.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from conftest import csrf_of, login
from openpyxl import Workbook, load_workbook

from kompas_cc.clients import import_service, importing, service
from kompas_cc.clients.import_handlers import EXPORT_COLUMNS
from kompas_cc.core.i18n import translations

ROMASHKA = {
    "kind": "legal",
    "name": "ООО «Ромашка»",
    "inn": "7707083893",
    "kpp": "773601001",
    "ogrn": "1027700132195",
    "legal_address": "Москва, ул. Вавилова, 19",
    "phones": [{"number": "8 (495) 123-45-67"}],
    "emails": [{"address": "info@romashka.ru"}],
}
VECTOR = {"kind": "legal", "name": "АО «Вектор»", "phones": [{"number": "+7 916 555-12-34"}]}
IVANOV = {
    "kind": "individual",
    "last_name": "Иванов",
    "first_name": "Пётр",
    "inn": "500100732259",
    "phones": [{"number": "89161112233"}],
}
TOKEN_PATH = re.compile(r"^/clients/import/([0-9a-f]{32})$")


# -- helpers ------------------------------------------------------------------------------


async def _create(client: TestClient[Any, Any], headers: dict[str, str], body: Any) -> Any:
    response = await client.post("/api/v1/clients", json=body, headers=headers)
    assert response.status == 201, await response.text()
    return await response.json()


async def _all_clients(client: TestClient[Any, Any], headers: dict[str, str]) -> list[Any]:
    response = await client.get("/api/v1/clients", params={"per_page": "500"}, headers=headers)
    assert response.status == 200, await response.text()
    return list((await response.json())["items"])


def _parse_csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def _ru(message: str) -> str:
    """What maria (locale ru) sees for an English source message."""
    return translations("ru").gettext(message)


async def _upload(
    client: TestClient[Any, Any],
    content: bytes,
    filename: str,
    *,
    kind: str = "legal",
    duplicates: str = "skip",
) -> aiohttp.ClientResponse:
    form = aiohttp.FormData()
    form.add_field("file", content, filename=filename, content_type="application/octet-stream")
    form.add_field("kind", kind)
    form.add_field("duplicates", duplicates)
    form.add_field("_csrf", csrf_of(client))
    return await client.post("/clients/import", data=form, allow_redirects=False)


async def _import_file(
    client: TestClient[Any, Any],
    content: bytes,
    filename: str,
    mapping: list[str],
    *,
    kind: str = "legal",
    duplicates: str = "skip",
) -> str:
    """Upload, look at the preview, run with `mapping`; the token of the import."""
    uploaded = await _upload(client, content, filename, kind=kind, duplicates=duplicates)
    assert uploaded.status == 302, await uploaded.text()
    match = TOKEN_PATH.match(uploaded.headers["Location"])
    assert match, uploaded.headers["Location"]
    token = match.group(1)
    preview = await client.get(f"/clients/import/{token}")
    assert preview.status == 200
    fields = [(f"map_{i}", target) for i, target in enumerate(mapping)]
    fields += [("kind", kind), ("duplicates", duplicates), ("_csrf", csrf_of(client))]
    ran = await client.post(f"/clients/import/{token}", data=fields, allow_redirects=False)
    assert ran.status == 302, await ran.text()
    assert ran.headers["Location"] == f"/clients/import/{token}/report"
    return token


async def _counts(client: TestClient[Any, Any], token: str) -> dict[str, int]:
    response = await client.get(f"/clients/import/{token}/report")
    assert response.status == 200
    page = await response.text()
    found = re.findall(r'data-count="(\w+)">(\d+)<', page)
    return {name: int(value) for name, value in found}


async def _rejected(client: TestClient[Any, Any], token: str) -> list[list[str]]:
    response = await client.get(f"/clients/import/{token}/rejected.csv")
    assert response.status == 200
    return _parse_csv(await response.read())


# -- export -------------------------------------------------------------------------------


async def test_export_csv_of_filtered_list_holds_exactly_the_filtered_clients(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    headers = await api_token("maria")
    romashka = await _create(client, headers, ROMASHKA)
    vector = await _create(client, headers, VECTOR)
    await _create(client, headers, IVANOV)
    await login(client, "maria")

    response = await client.get("/clients/export.csv", params={"kind": "legal", "page": "2"})

    assert response.status == 200
    assert response.content_type == "text/csv"
    rows = _parse_csv(await response.read())
    assert rows[0] == [_ru(c) for c in EXPORT_COLUMNS]
    by_id = {int(r[0]): r for r in rows[1:]}
    assert set(by_id) == {romashka["id"], vector["id"]}, "page= must not cut the export"
    row = by_id[romashka["id"]]
    assert row[2] == "ООО «Ромашка»"
    assert row[3:6] == ["7707083893", "773601001", "1027700132195"]
    assert row[6] == "+74951234567"
    assert row[7] == "info@romashka.ru"
    assert row[9] == "Мария Петрова"
    assert row[10] == "Москва, ул. Вавилова, 19"


async def test_export_xlsx_of_classifier_filter_keeps_cyrillic_and_labels(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    headers = await api_token("maria")
    romashka = await _create(client, headers, ROMASHKA)
    await _create(client, headers, VECTOR)
    region = await client.post("/api/v1/classifier/nodes", json={"name": "Регион"}, headers=headers)
    region_id = (await region.json())["id"]
    moscow = await client.post(
        "/api/v1/classifier/nodes",
        json={"name": "Москва", "parent_ids": [region_id]},
        headers=headers,
    )
    moscow_id = (await moscow.json())["id"]
    placed = await client.put(
        f"/api/v1/clients/{romashka['id']}/categories",
        json={"node_ids": [moscow_id]},
        headers=headers,
    )
    assert placed.status == 200
    await login(client, "maria")

    response = await client.get("/clients/export.xlsx", params={"node": str(region_id)})

    assert response.status == 200
    book = load_workbook(io.BytesIO(await response.read()), read_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    assert len(rows) == 2
    assert rows[1][0] == romashka["id"]
    assert rows[1][2] == "ООО «Ромашка»"
    assert rows[1][11] == "Регион / Москва"
    assert isinstance(rows[1][12], datetime)


async def test_export_api_gives_csv_or_xlsx_for_a_token(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    headers = await api_token("maria")
    await _create(client, headers, ROMASHKA)
    await _create(client, headers, VECTOR)

    as_csv = await client.get(
        "/api/v1/clients/export", params={"q": "Ромашка", "format": "csv"}, headers=headers
    )
    as_xlsx = await client.get("/api/v1/clients/export?format=xlsx", headers=headers)
    wrong = await client.get("/api/v1/clients/export?format=pdf", headers=headers)

    assert as_csv.status == 200
    rows = _parse_csv(await as_csv.read())
    assert [r[2] for r in rows[1:]] == ["ООО «Ромашка»"]
    assert as_xlsx.status == 200
    assert (await as_xlsx.read()).startswith(b"PK")
    assert wrong.status == 422


async def test_operator_exports_but_cannot_import(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    headers = await api_token("anna")
    await login(client, "anna")

    exported = await client.get("/clients/export.csv")
    form = await client.get("/clients/import")
    uploaded = await _upload(client, "Наименование\nООО Тест\n".encode(), "a.csv")
    api = await client.post(
        "/api/v1/clients/import",
        json={"columns": ["name"], "rows": [["ООО Тест"]]},
        headers=headers,
    )

    assert exported.status == 200
    assert form.status == 403
    assert uploaded.status == 403
    assert api.status == 403
    assert await _all_clients(client, headers) == []


# -- import through the pages ----------------------------------------------------------


async def test_import_cp1251_semicolon_csv_imports_good_rows_and_rejects_bad_ones(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    text = (
        "Наименование;ИНН;Телефон;E-mail;Примечание\r\n"
        "ООО «Ромашка»;7707083893;8 (495) 123-45-67;info@romashka.ru;первый\r\n"
        "АО «Вектор»;7707083890;+7 916 555-12-34;;плохой ИНН\r\n"
        "ООО «Берёзка»;7736207543;123;;плохой телефон\r\n"
        ";7728168971;+7 812 555-44-33;;нет названия\r\n"
        ";;;;\r\n"
        "ООО «Ромашка-2»;7707083893;8 926 765-43-21;;тот же ИНН\r\n"
        "ПАО «Сокол»;7702070139;8 903 111-22-33, 79261234567;;два телефона\r\n"
    )
    headers = await api_token("maria")
    await login(client, "maria")

    token = await _import_file(
        client, text.encode("cp1251"), "clients.csv", ["name", "inn", "phone", "email", "notes"]
    )

    clients = {c["name"]: c for c in await _all_clients(client, headers)}
    assert set(clients) == {"ООО «Ромашка»", "ПАО «Сокол»"}
    sokol = await (await client.get(f"/api/v1/clients/{clients['ПАО «Сокол»']['id']}")).json()
    assert [p["number"] for p in sokol["phones"]] == ["+79031112233", "+79261234567"]
    assert sokol["notes"] == "два телефона"
    counts = await _counts(client, token)
    assert counts == {"total": 7, "imported": 2, "rejected": 4, "empty": 1}
    assert counts["imported"] + counts["rejected"] + counts["empty"] == counts["total"]
    rejected = await _rejected(client, token)
    assert rejected[0] == ["Наименование", "ИНН", "Телефон", "E-mail", "Примечание", _ru("Error")]
    reasons = {r[4]: r[5] for r in rejected[1:]}
    assert set(reasons) == {"плохой ИНН", "плохой телефон", "нет названия", "тот же ИНН"}
    assert _ru("INN control digit does not match") in reasons["плохой ИНН"]
    assert _ru("Phone number is too short") in reasons["плохой телефон"]
    assert _ru("The name is required") in reasons["нет названия"]
    assert f"#{clients['ООО «Ромашка»']['id']}" in reasons["тот же ИНН"]
    assert rejected[1][:4] == ["АО «Вектор»", "7707083890", "+7 916 555-12-34", ""]


async def test_import_utf8_bom_comma_csv_of_individuals_reads_both_date_forms(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    text = (
        "Фамилия,Имя,Отчество,Дата рождения,Телефон,Почта\n"
        "Иванов,Пётр,Сергеевич,17.05.1980,89161112233,petr@example.ru\n"
        'Смирнова,Анна,,1991-02-03,"+7 926 765-43-21",\n'
        "Козлов,Олег,,31.02.1990,+7 903 111-22-33,\n"
    )
    headers = await api_token("maria")
    await login(client, "maria")

    token = await _import_file(
        client,
        "\ufeff".encode() + text.encode(),
        "people.csv",
        importing.guess_mapping(text.splitlines()[0].split(",")),
        kind="individual",
    )

    people = {c["name"]: c["id"] for c in await _all_clients(client, headers)}
    assert set(people) == {"Иванов Пётр Сергеевич", "Смирнова Анна"}
    ivanov = await (await client.get(f"/api/v1/clients/{people['Иванов Пётр Сергеевич']}")).json()
    assert ivanov["kind"] == "individual"
    assert ivanov["birth_date"] == "1980-05-17"
    assert ivanov["emails"][0]["address"] == "petr@example.ru"
    smirnova = await (await client.get(f"/api/v1/clients/{people['Смирнова Анна']}")).json()
    assert smirnova["birth_date"] == "1991-02-03"
    rejected = await _rejected(client, token)
    assert [r[0] for r in rejected[1:]] == ["Козлов"]
    assert _ru("Dates are DD.MM.YYYY or YYYY-MM-DD") in rejected[1][-1]


async def test_import_xlsx_built_with_openpyxl_reads_numbers_and_dates(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Тип", "Название", "ИНН", "Телефон", "Фамилия", "Имя", "Дата рождения"])
    sheet.append(["Юрлицо", "ООО «Ромашка»", 7707083893, 74951234567, None, None, None])
    sheet.append([None, None, None, None, None, None, None])
    sheet.append(["Физлицо", None, 500100730004, "8 926 765-43-21", "Кузнецова", "Мария",
                  date(1985, 7, 1)])  # fmt: skip
    sheet.append(["Физлицо", None, None, 79031112233, "Безымянный", None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    headers = await api_token("maria")
    await login(client, "maria")

    token = await _import_file(
        client,
        buffer.getvalue(),
        "clients.xlsx",
        ["kind", "name", "inn", "phone", "last_name", "first_name", "birth_date"],
    )

    found = {c["name"]: c for c in await _all_clients(client, headers)}
    assert set(found) == {"ООО «Ромашка»", "Кузнецова Мария"}
    assert found["ООО «Ромашка»"]["inn"] == "7707083893"
    assert found["ООО «Ромашка»"]["phone"] == "+74951234567"
    person = await (await client.get(f"/api/v1/clients/{found['Кузнецова Мария']['id']}")).json()
    assert person["birth_date"] == "1985-07-01"
    assert person["inn"] == "500100730004"
    assert await _counts(client, token) == {"total": 4, "imported": 2, "rejected": 1, "empty": 1}
    rejected = await _rejected(client, token)
    assert rejected[1][4] == "Безымянный"
    assert _ru("The first name is required") in rejected[1][-1]


async def test_import_duplicates_anyway_imports_an_existing_inn(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    headers = await api_token("maria")
    await _create(client, headers, ROMASHKA)
    await login(client, "maria")
    text = "Наименование;ИНН\nООО «Ромашка» (филиал);7707083893\n"

    await _import_file(
        client, text.encode("cp1251"), "dup.csv", ["name", "inn"], duplicates="import"
    )

    names = sorted(c["name"] for c in await _all_clients(client, headers))
    assert names == ["ООО «Ромашка»", "ООО «Ромашка» (филиал)"]


async def test_import_resolves_status_manager_and_category_by_name(
    client: TestClient[Any, Any], api_token: Any, users: Any
) -> None:
    headers = await api_token("maria")
    admin = await api_token("admin")
    region = await client.post("/api/v1/classifier/nodes", json={"name": "Регион"}, headers=headers)
    moscow = await client.post(
        "/api/v1/classifier/nodes",
        json={"name": "Москва", "parent_ids": [(await region.json())["id"]]},
        headers=headers,
    )
    statuses = await (await client.get("/api/v1/client-statuses", headers=admin)).json()
    await login(client, "maria")
    text = (
        "Name;Manager;Category;Status\n"
        f"ООО «Ромашка»;boris;регион / москва;{statuses[0]['name'] if statuses else ''}\n"
        "АО «Вектор»;Анна Смирнова;Москва;\n"
        "ЗАО «Ошибка»;nobody;Нигде;Нет такого\n"
    )

    token = await _import_file(
        client, text.encode(), "refs.csv", ["name", "manager", "node", "status"]
    )

    found = {c["name"]: c for c in await _all_clients(client, headers)}
    assert found["ООО «Ромашка»"]["manager"] == "Борис Иванов"
    assert found["АО «Вектор»"]["manager"] == "Анна Смирнова"
    vector = await (await client.get(f"/api/v1/clients/{found['АО «Вектор»']['id']}")).json()
    assert vector["category_ids"] == [(await moscow.json())["id"]]
    rejected = await _rejected(client, token)
    assert [r[0] for r in rejected[1:]] == ["ЗАО «Ошибка»"]
    reason = rejected[1][-1]
    for message in ("No such user", "No such classifier category", "No such status"):
        assert _ru(message) in reason


async def test_import_run_twice_imports_once(client: TestClient[Any, Any], api_token: Any) -> None:
    await login(client, "maria")
    text = "Наименование;ИНН\nООО «Ромашка»;7707083893\n"
    token = await _import_file(
        client, text.encode(), "once.csv", ["name", "inn"], duplicates="import"
    )

    again = await client.post(
        f"/clients/import/{token}",
        data=[("map_0", "name"), ("map_1", "inn"), ("duplicates", "import"),
              ("_csrf", csrf_of(client))],
        allow_redirects=False,
    )  # fmt: skip
    preview = await client.get(f"/clients/import/{token}", allow_redirects=False)

    assert again.status == 302
    assert preview.status == 302
    assert preview.headers["Location"] == f"/clients/import/{token}/report"
    assert len(await _all_clients(client, {})) == 1


async def test_import_that_died_mid_chunk_resumes_without_losing_or_doubling_rows(
    client: TestClient[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chunk is one transaction: a crash inside it undoes its rows (on SQLite too, where a
    SAVEPOINT opened before any write would otherwise commit on RELEASE), and the next run
    starts after the last committed chunk."""
    monkeypatch.setattr(import_service, "IMPORT_CHUNK_ROWS", 2)
    real_create = service.create_client

    async def create_or_crash(*args: Any, **kwargs: Any) -> Any:
        if args[3].name == "ООО «Четвёртое»":
            raise RuntimeError("the process died")
        return await real_create(*args, **kwargs)

    await login(client, "maria")
    names = ["Первое", "Второе", "Третье", "Четвёртое", "Пятое"]
    text = "Наименование\n" + "".join(f"ООО «{n}»\n" for n in names)
    uploaded = await _upload(client, text.encode(), "crash.csv")
    token = uploaded.headers["Location"].rsplit("/", 1)[1]
    run = [("map_0", "name"), ("duplicates", "import")]

    monkeypatch.setattr(service, "create_client", create_or_crash)
    crashed = await client.post(
        f"/clients/import/{token}", data=[*run, ("_csrf", csrf_of(client))], allow_redirects=False
    )
    assert crashed.status == 500
    after_crash = sorted(c["name"] for c in await _all_clients(client, {}))
    assert after_crash == ["ООО «Второе»", "ООО «Первое»"], "chunk 2 was rolled back whole"

    monkeypatch.setattr(service, "create_client", real_create)
    resumed = await client.post(
        f"/clients/import/{token}", data=[*run, ("_csrf", csrf_of(client))], allow_redirects=False
    )
    assert resumed.status == 302
    assert sorted(c["name"] for c in await _all_clients(client, {})) == sorted(
        f"ООО «{n}»" for n in names
    )
    assert await _counts(client, token) == {"total": 5, "imported": 5, "rejected": 0, "empty": 0}


async def test_import_longer_than_a_step_continues_from_the_progress_page(
    client: TestClient[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each request imports one step, so no request outlives a proxy timeout; later steps
    keep the mapping of the first even when the form sends another."""
    monkeypatch.setattr(import_service, "IMPORT_CHUNK_ROWS", 2)
    monkeypatch.setattr(import_service, "IMPORT_STEP_ROWS", 3)
    await login(client, "maria")
    text = "Наименование;ИНН\n" + "".join(f"ООО «Номер {i}»;\n" for i in range(1, 8))
    uploaded = await _upload(client, text.encode(), "steps.csv")
    token = uploaded.headers["Location"].rsplit("/", 1)[1]
    steps = [
        [("map_0", "name"), ("map_1", "inn")],
        [("map_0", "inn"), ("map_1", "name")],  # ignored: the import has started
        [],
    ]
    seen = []
    for fields in steps:
        response = await client.post(
            f"/clients/import/{token}",
            data=[*fields, ("_csrf", csrf_of(client))],
            allow_redirects=False,
        )
        assert response.status == 302
        seen.append(response.headers["Location"])
        if len(seen) < len(steps):
            page = await (await client.get(f"/clients/import/{token}")).text()
            assert 'id="import-continue"' in page
            assert f'value="{3 * len(seen)}"' in page

    assert seen == [f"/clients/import/{token}"] * 2 + [f"/clients/import/{token}/report"]
    assert len(await _all_clients(client, {})) == 7
    assert await _counts(client, token) == {"total": 7, "imported": 7, "rejected": 0, "empty": 0}


async def test_import_mapping_without_a_name_column_is_refused(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    await login(client, "maria")
    uploaded = await _upload(client, "ИНН;ИНН2\n7707083893;7736207543\n".encode(), "x.csv")
    token = TOKEN_PATH.match(uploaded.headers["Location"]).group(1)  # type: ignore[union-attr]

    response = await client.post(
        f"/clients/import/{token}",
        data=[("map_0", "inn"), ("map_1", "inn"), ("_csrf", csrf_of(client))],
        allow_redirects=False,
    )

    assert response.status == 422
    page = await response.text()
    assert 'id="f-map_1-error"' in page
    assert await _all_clients(client, {}) == []


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (bytes(range(256)) * 8, "clients.csv", importing.MSG_NOT_A_TABLE),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64, "a.csv", importing.MSG_NOT_A_TABLE),
        (b"PK\x03\x04" + b"broken zip" * 20, "clients.xlsx", importing.MSG_BROKEN_XLSX),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "clients.xls", importing.MSG_OLD_XLS),
        (b"   \r\n", "clients.csv", importing.MSG_EMPTY_FILE),
    ],
    ids=["binary", "png", "broken-xlsx", "old-xls", "empty"],
)  # fmt: skip
async def test_import_unreadable_file_gets_a_clear_message(
    client: TestClient[Any, Any], content: bytes, filename: str, message: str
) -> None:
    await login(client, "maria")

    response = await _upload(client, content, filename)

    assert response.status == 422
    page = await response.text()
    assert 'id="f-file-error"' in page
    assert _ru(message) in page


# -- import through the API ------------------------------------------------------------


async def test_api_import_reports_rejected_rows_by_field(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    headers = await api_token("maria")
    existing = await _create(client, headers, VECTOR)
    body = {
        "columns": ["Наименование", "ИНН", "Телефон", "Комментарий"],
        "rows": [
            ["ООО «Ромашка»", 7707083893, "8 (495) 123-45-67", "ok"],
            ["ООО «Плохой ИНН»", "1234567890", None, ""],
            ["", None, None, None],
            ["ООО «Копия Вектора»", None, "+7 916 555-12-34", None],
            [None, "7736207543", "abc", None],
        ],
    }

    response = await client.post("/api/v1/clients/import", json=body, headers=headers)

    assert response.status == 200, await response.text()
    result = await response.json()
    assert result["imported"] == 1
    assert result["empty"] == 1
    assert result["total"] == 5
    rejected = {r["row"]: r["errors"] for r in result["rejected"]}
    assert set(rejected) == {2, 4, 5}
    assert rejected[2] == {"inn": "INN control digit does not match"}
    assert rejected[4] == {"phone": f"Duplicate of client #{existing['id']} АО «Вектор»"}
    assert set(rejected[5]) == {"name", "phone"}
    assert result["imported"] + len(result["rejected"]) + result["empty"] == len(body["rows"])
    names = sorted(c["name"] for c in await _all_clients(client, headers))
    assert names == ["АО «Вектор»", "ООО «Ромашка»"]


async def test_api_import_with_explicit_mapping_and_bad_target_is_refused(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    headers = await api_token("maria")
    body = {"columns": ["A", "B"], "rows": [["x", "y"]], "mapping": {"A": "name", "B": "salary"}}

    response = await client.post("/api/v1/clients/import", json=body, headers=headers)

    assert response.status == 422
    assert "mapping.B" in (await response.json())["fields"]


async def test_api_import_is_described_in_openapi(client: TestClient[Any, Any]) -> None:
    document = await (await client.get("/api/v1/openapi.json")).json()

    operation = document["paths"]["/api/v1/clients/import"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ImportRequest"
    )
    assert "/api/v1/clients/export" in document["paths"]


# -- pure parsing, no database ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("Наименование;ИНН\nООО «А, Б»;7707083893\n", ";"),
        ('Name,INN\n"ООО ""А; Б""",7707083893\n', ","),
        ("Name\tINN\nООО А\t7707083893\n", "\t"),
        ("Name\nООО А\n", ";"),
        ("Наименование;ИНН\nООО А;\nООО Б;\n", ";"),
    ],
)
def test_sniff_delimiter_picks_the_steady_column_count(text: str, delimiter: str) -> None:
    assert importing.sniff_delimiter(text) == delimiter


def test_read_table_keeps_row_numbers_and_skips_leading_and_trailing_blanks() -> None:
    content = "\n;;\nИмя;Телефон\nА;1\n\nБ;2;лишнее\n\n\n".encode("cp1251")

    table = importing.read_table("x.csv", content)

    assert table.encoding == "windows-1251"
    assert table.headers == ["Имя", "Телефон", "#3"]
    assert table.first_row == 4
    assert table.rows == [["А", "1"], [], ["Б", "2", "лишнее"]]


def test_read_table_refuses_more_rows_than_the_limit() -> None:
    content = ("Name\n" + "x\n" * (importing.MAX_ROWS + 1)).encode()

    with pytest.raises(importing.UnreadableFile) as caught:
        importing.read_table("big.csv", content)

    assert caught.value.message == importing.MSG_TOO_MANY_ROWS


def test_read_table_decodes_utf16_unicode_text_from_excel() -> None:
    content = "Наименование\tИНН\r\nООО А\t7707083893\r\n".encode("utf-16")

    table = importing.read_table("unicode.txt", content)

    assert table.delimiter == "\t"
    assert table.rows == [["ООО А", "7707083893"]]


def test_guess_mapping_reads_russian_and_english_headers() -> None:
    headers = [
        "№", "Наименование", "ИНН", "КПП", "ОГРН", "Юр. адрес", "Телефон", "Моб. телефон",
        "E-mail", "Почта", "Фамилия", "Имя", "Отчество", "Дата рождения", "Статус",
        "Ответственный", "Категория", "Сайт", "Name", "Комментарий",
    ]  # fmt: skip

    mapping = importing.guess_mapping(headers)

    assert mapping == [
        "ignore", "name", "inn", "kpp", "ogrn", "legal_address", "phone", "phone", "email",
        "email", "last_name", "first_name", "middle_name", "birth_date", "status", "manager",
        "node", "website", "ignore", "notes",
    ]  # fmt: skip


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_guess_mapping_reads_the_export_headers_back(locale: str) -> None:
    headers = [translations(locale).gettext(c) for c in EXPORT_COLUMNS]

    mapping = importing.guess_mapping(headers)

    assert mapping == [
        "ignore", "kind", "name", "inn", "kpp", "ogrn", "phone", "email", "status", "manager",
        "legal_address", "node", "ignore",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("17.05.1980", "1980-05-17"),
        ("7.5.1980", "1980-05-07"),
        ("1980-05-17", "1980-05-17"),
        ("1980-05-17 00:00:00", "1980-05-17"),
        ("31.02.1990", None),
        ("05/17/1980", None),
        ("вчера", None),
    ],
)
def test_parse_date_accepts_russian_and_iso_forms(value: str, expected: str | None) -> None:
    parsed = importing.parse_date(value)

    assert (parsed.isoformat() if parsed else None) == expected


def test_parse_row_reports_every_bad_field_at_once() -> None:
    lookups = importing.Lookups.build([(1, "Новый")], [(7, "maria", "Мария Петрова")], [])
    mapping = ["name", "inn", "phone", "email", "status", "manager", "birth_date"]
    cells = ["ООО «А»", "7707083890", "8 (495) 12", "not-an-email", "Старый", "кто-то", "x"]

    parsed = importing.parse_row(cells, mapping, mapping, "legal", lookups)

    assert parsed.client is None
    assert set(parsed.errors) == {"inn", "phone", "email", "status", "manager", "birth_date"}
    assert parsed.errors["inn"].message == "INN control digit does not match"


def test_parse_row_splits_the_full_name_of_an_individual() -> None:
    parsed = importing.parse_row(
        ["Иванов Пётр Сергеевич", "физлицо"], ["name", "kind"], ["ФИО", "Тип"], "legal",
        importing.Lookups(),
    )  # fmt: skip

    assert parsed.errors == {}
    assert parsed.client is not None
    assert (parsed.client.last_name, parsed.client.first_name, parsed.client.middle_name) == (
        "Иванов",
        "Пётр",
        "Сергеевич",
    )


def test_lookups_refuse_a_name_two_users_share_but_take_the_login() -> None:
    lookups = importing.Lookups.build(
        [], [(1, "ivanov1", "Иван Иванов"), (2, "ivanov2", "Иван Иванов")], []
    )
    mapping = ["name", "manager"]

    shared = importing.parse_row(["ООО А", "Иван Иванов"], mapping, mapping, "legal", lookups)
    by_login = importing.parse_row(["ООО А", "IVANOV2"], mapping, mapping, "legal", lookups)

    assert shared.errors["manager"].message == importing.MSG_SEVERAL_USERS
    assert by_login.client is not None
    assert by_login.client.manager_id == 2


def test_check_mapping_refuses_a_single_field_twice_and_a_missing_name() -> None:
    assert importing.check_mapping(["inn", "inn"], 2) == {
        "map_1": importing.MSG_MAPPING_TWICE,
        "mapping": importing.MSG_MAPPING_NO_NAME,
    }
    assert importing.check_mapping(["name", "phone", "phone"], 3) == {}
    assert importing.check_mapping(["name"], 2) == {"mapping": importing.MSG_MAPPING_WIDTH}
