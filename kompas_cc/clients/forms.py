"""Turning HTML form posts into the dicts the clients schemas validate (repeated rows)."""

from __future__ import annotations

from typing import Any

from multidict import MultiMapping

from kompas_cc.clients.schemas import CLIENT_FIELDS

FormData = MultiMapping[Any]


def _strings(form: FormData, key: str) -> list[str]:
    return [str(v) for v in form.getall(key, [])]


def rows(form: FormData, prefix: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """Zip repeated inputs `prefix_col` into dicts, skipping rows whose first column is blank."""
    lists = [_strings(form, f"{prefix}_{col}") for col in columns]
    out = []
    for values in zip(*lists, strict=False):
        if values and values[0].strip():
            out.append(dict(zip(columns, (v.strip() for v in values), strict=True)))
    return out


def client_data(form: FormData) -> dict[str, Any]:
    data: dict[str, Any] = {name: str(form.get(name, "")) for name in CLIENT_FIELDS}
    data["phones"] = rows(form, "phone", ("number", "kind", "comment"))
    data["emails"] = rows(form, "email", ("address", "kind"))
    return data


def person_data(form: FormData) -> dict[str, Any]:
    return {
        "name": str(form.get("name", "")),
        "position": str(form.get("position", "")) or None,
        "notes": str(form.get("notes", "")) or None,
        "phones": rows(form, "phone", ("number", "kind", "comment")),
        "emails": rows(form, "email", ("address", "kind")),
    }


def node_ids(form: FormData, key: str = "node") -> list[int]:
    return [int(v) for v in _strings(form, key) if v.isdigit()]


def grouped_errors(fields: dict[str, str]) -> dict[str, str]:
    """Errors of repeated rows ("phones.1.number") also under the row group ("phones")."""
    out = dict(fields)
    for key, message in fields.items():
        head = key.split(".", 1)[0]
        out.setdefault(head, message)
    return out
