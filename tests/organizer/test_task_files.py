"""Files on tasks: attached from the card or the API by the task's participants and their
managers, read by whoever sees the task, deleted by the uploader, the author or an admin;
their contents leave the disk with their rows and with their task."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from conftest import csrf_of, login, post_form

from kompas_cc.settings import Settings

LIMIT = 64 * 1024
DUE = "2026-01-16T10:00:00+03:00"
CONTRACT = "Договор №7.pdf"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, upload_max_bytes=LIMIT)


def stored(settings: Settings) -> list[Path]:
    folder = settings.uploads_dir
    return sorted(folder.iterdir()) if folder.exists() else []


async def new_task(client: TestClient[Any, Any], headers: dict[str, str], **fields: Any) -> int:
    body = {"title": "Подписать договор", "due_at": DUE, "reminders": [], **fields}
    response = await client.post("/api/v1/tasks", json=body, headers=headers)
    assert response.status == 201, await response.text()
    return int((await response.json())["id"])


async def user_ids(client: TestClient[Any, Any], headers: dict[str, str]) -> dict[str, int]:
    users = await (await client.get("/api/v1/users", headers=headers)).json()
    return {u["login"]: u["id"] for u in users}


def multipart(name: str, body: bytes, csrf: str | None = None) -> FormData:
    data = FormData()
    if csrf is not None:
        data.add_field("_csrf", csrf)
    data.add_field("file", io.BytesIO(body), filename=name, content_type="application/octet-stream")
    return data


async def upload_on_card(client: TestClient[Any, Any], tid: int, name: str, body: bytes) -> Any:
    data = multipart(name, body, csrf_of(client))
    return await client.post(f"/organizer/tasks/{tid}/files", data=data, allow_redirects=False)


async def api_upload(
    client: TestClient[Any, Any], headers: dict[str, str], tid: int, name: str, body: bytes
) -> Any:
    return await client.post(
        f"/api/v1/tasks/{tid}/files", data=multipart(name, body), headers=headers
    )


@pytest.fixture
async def task_of_anna(client: TestClient[Any, Any], api_token: Any) -> int:
    """Maria's task for Anna, with Boris watching."""
    maria = await api_token("maria")
    ids = await user_ids(client, maria)
    return await new_task(client, maria, executor_ids=[ids["anna"]], watcher_ids=[ids["boris"]])


async def test_executor_attaches_on_the_card_and_downloads_the_same_bytes(
    client: TestClient[Any, Any], task_of_anna: int, settings: Settings
) -> None:
    content = b"%PDF" + bytes(range(256)) * 42  # 10 756 bytes, 10,5 KB
    await login(client, "anna")
    sent = await upload_on_card(client, task_of_anna, CONTRACT, content)
    assert sent.status == 302
    assert sent.headers["Location"] == f"/organizer/tasks/{task_of_anna}#files"
    card = await (await client.get(f"/organizer/tasks/{task_of_anna}")).text()
    files = card.split('id="files"')[1]
    assert "Договор №7.pdf" in files
    assert "10,5 КБ" in files
    assert "Анна Смирнова" in files
    file_id = int(files.split(f"/organizer/tasks/{task_of_anna}/files/")[1].split('"')[0])
    got = await client.get(f"/organizer/tasks/{task_of_anna}/files/{file_id}")
    assert got.status == 200
    assert await got.read() == content
    assert got.headers["Content-Type"] == "application/pdf"
    disposition = got.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%D0%94%D0%BE%D0%B3" in disposition
    assert len(stored(settings)) == 1


async def test_too_large_and_refused_types_are_told_and_not_kept(
    client: TestClient[Any, Any], task_of_anna: int, settings: Settings
) -> None:
    await login(client, "anna")
    big = await upload_on_card(client, task_of_anna, "scan.pdf", b"0" * (LIMIT + 1))
    assert big.status == 302
    card = await (await client.get(f"/organizer/tasks/{task_of_anna}")).text()
    assert "Файл превышает допустимый размер" in card
    assert "scan.pdf" not in card
    exe = await upload_on_card(client, task_of_anna, "setup.exe", b"MZ\x90\x00")
    assert exe.status == 302
    card = await (await client.get(f"/organizer/tasks/{task_of_anna}")).text()
    assert "setup.exe" not in card
    assert "Файлы такого типа не принимаются" in card
    assert stored(settings) == []


async def test_strangers_do_not_see_files_and_watchers_only_read_them(
    client: TestClient[Any, Any], api_token: Any, task_of_anna: int
) -> None:
    anna, boris = await api_token("anna"), await api_token("boris")
    added = await api_upload(client, anna, task_of_anna, "notes.txt", b"hello")
    assert added.status == 201, await added.text()
    fid = (await added.json())["id"]
    own = await new_task(client, anna, title="Личное")
    assert (await api_upload(client, boris, own, "x.txt", b"x")).status == 404
    assert (await client.get(f"/api/v1/tasks/{own}/files", headers=boris)).status == 404
    # Boris watches Anna's task: he reads its files but neither adds nor deletes any.
    listed = await (await client.get(f"/api/v1/tasks/{task_of_anna}/files", headers=boris)).json()
    assert [f["name"] for f in listed] == ["notes.txt"]
    assert listed[0]["may_delete"] is False
    got = await client.get(f"/api/v1/tasks/{task_of_anna}/files/{fid}", headers=boris)
    assert await got.read() == b"hello"
    refused = await api_upload(client, boris, task_of_anna, "mine.txt", b"x")
    assert refused.status == 403
    assert (await refused.json())["error_id"] == "may-not-attach"
    gone = await client.delete(f"/api/v1/tasks/{task_of_anna}/files/{fid}", headers=boris)
    assert gone.status == 403
    await login(client, "boris")
    card = await (await client.get(f"/organizer/tasks/{task_of_anna}")).text()
    files = card.split('id="files"')[1].split("</section>")[0]
    assert "notes.txt" in files
    assert 'enctype="multipart/form-data"' not in files
    assert "/delete" not in files


async def test_the_api_lists_serves_and_deletes_files(
    client: TestClient[Any, Any], api_token: Any, task_of_anna: int, settings: Settings
) -> None:
    anna, maria = await api_token("anna"), await api_token("maria")
    added = await api_upload(client, anna, task_of_anna, "смета.csv", b"a;b\n1;2\n")
    assert added.status == 201
    body = await added.json()
    assert (body["name"], body["content_type"], body["size"]) == ("смета.csv", "text/csv", 8)
    assert body["uploader"] == "Анна Смирнова"
    by_manager = await api_upload(client, maria, task_of_anna, "plan.txt", b"plan")
    assert by_manager.status == 201
    bad = await api_upload(client, anna, task_of_anna, "empty.txt", b"")
    assert bad.status == 422
    assert (await bad.json())["error_id"] == "bad-upload"
    no_file = await client.post(f"/api/v1/tasks/{task_of_anna}/files", json={}, headers=anna)
    assert no_file.status == 422
    listed = await (await client.get(f"/api/v1/tasks/{task_of_anna}/files", headers=anna)).json()
    assert [f["name"] for f in listed] == ["смета.csv", "plan.txt"]
    page = await (await client.get("/api/v1/tasks", headers=anna)).json()
    assert [t["files"] for t in page["items"] if t["id"] == task_of_anna] == [2]
    assert len(stored(settings)) == 2
    # Maria is the task's author: she may delete Anna's file.
    deleted = await client.delete(f"/api/v1/tasks/{task_of_anna}/files/{body['id']}", headers=maria)
    assert deleted.status == 200
    missing = await client.get(f"/api/v1/tasks/{task_of_anna}/files/{body['id']}", headers=anna)
    assert missing.status == 404
    assert len(stored(settings)) == 1


async def test_deleting_on_the_card_and_deleting_the_task_remove_the_contents(
    client: TestClient[Any, Any], api_token: Any, task_of_anna: int, settings: Settings
) -> None:
    anna = await api_token("anna")
    first = await (await api_upload(client, anna, task_of_anna, "a.txt", b"a")).json()
    await api_upload(client, anna, task_of_anna, "b.txt", b"b")
    await login(client, "anna")
    deleted = await post_form(
        client, f"/organizer/tasks/{task_of_anna}/files/{first['id']}/delete", {}
    )
    assert deleted.status == 302
    assert len(stored(settings)) == 1
    await login(client, "maria")
    assert (await post_form(client, f"/organizer/tasks/{task_of_anna}/delete", {})).status == 302
    assert stored(settings) == []


async def test_the_files_block_reads_in_russian_and_english(
    client: TestClient[Any, Any], api_token: Any, task_of_anna: int
) -> None:
    await api_upload(client, await api_token("anna"), task_of_anna, "a.txt", b"a" * 3000)
    await login(client, "anna")
    russian = await (await client.get(f"/organizer/tasks/{task_of_anna}")).text()
    assert "Прикрепить файл" in russian
    assert "2,9 КБ" in russian
    tasks = await (await client.get("/organizer/tasks")).text()
    assert "1 файл" in tasks
    await post_form(client, "/locale", {"locale": "en"})
    english = await (await client.get(f"/organizer/tasks/{task_of_anna}")).text()
    assert "Attach a file" in english
    assert "2.9 KB" in english
    assert "Up to 0.1 MB." in english
