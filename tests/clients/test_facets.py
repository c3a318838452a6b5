"""The in-memory list index answers exactly as a plain Python filter and sort would."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from kompas_cc.clients import facet_orders, facets
from kompas_cc.clients.facet_orders import name_sort_key
from kompas_cc.clients.facets import FacetIndex, FacetQuery, FacetRow, FacetTable, encode_inn
from kompas_cc.clients.name_keys import NameKeys

NAMES = ["Альфа", "альфа", "Ёлка", "Елена", "Бета", "Zeta", "ООО Ромашка", "ооо ромашка", "Яхонт"]
STATUSES = {1: "Новый", 2: "Активный", 3: "архив"}
MANAGERS = {1: "Петров", 2: "Иванова", 3: "Сидоров"}
NODES = list(range(1, 9))


def random_row(rng: random.Random, cid: int) -> FacetRow:
    return FacetRow(
        id=cid,
        kind=rng.choice(["legal", "individual"]),
        name=rng.choice(NAMES) + rng.choice(["", " 1", " 2"]),
        inn=rng.choice([None, "7707083893", "500100732259", "7707083894", "0101010101"]),
        status_id=rng.choice([None, 1, 2, 3]),
        manager_id=rng.choice([None, 1, 2, 3]),
        archived=rng.random() < 0.15,
        created=float(rng.randrange(50)),
        updated=float(rng.randrange(50)),
        nodes=tuple(rng.sample(NODES, rng.randrange(4))),
    )


def reference(rows: dict[int, FacetRow], query: FacetQuery) -> list[int]:
    def admitted(row: FacetRow) -> bool:
        checks = [
            row.archived == query.archived,
            query.kind is None or row.kind == query.kind,
            query.status_id is None or row.status_id == query.status_id,
            query.manager_id is None or row.manager_id == query.manager_id,
            query.owner_id is None or row.manager_id == query.owner_id,
            all(set(row.nodes) & group for group in query.groups),
            query.only is None or row.id in query.only,
            not query.nobody,
        ]
        return all(checks)

    def rank_of(names: dict[int, str]) -> Callable[[int | None], int]:
        ordered = sorted(names, key=lambda i: (name_sort_key(names[i]), i))
        return lambda i: ordered.index(i) if i in names else 10**9

    status_rank, manager_rank = rank_of(STATUSES), rank_of(MANAGERS)
    keys: dict[str, Callable[[FacetRow], Any]] = {
        "name": lambda r: name_sort_key(r.name),
        "created_at": lambda r: r.created,
        "updated_at": lambda r: r.updated,
        "inn": lambda r: encode_inn(r.inn),
        "kind": lambda r: r.kind,
        "status": lambda r: status_rank(r.status_id),
        "manager": lambda r: manager_rank(r.manager_id),
    }
    matched = [r for r in rows.values() if admitted(r)]
    matched.sort(key=lambda r: r.id, reverse=query.sort[-1][1])
    for column, desc in reversed(query.sort):
        matched.sort(key=keys[column], reverse=desc)
    return [r.id for r in matched]


def random_query(rng: random.Random) -> FacetQuery:
    columns = rng.sample(facets.SORT_KEYS, rng.choice([1, 1, 2, 3]))
    return FacetQuery(
        archived=rng.random() < 0.2,
        kind=rng.choice([None, None, "legal", "individual"]),
        status_id=rng.choice([None, None, None, 2]),
        owner_id=rng.choice([None, None, None, 1]),
        groups=tuple(
            frozenset(rng.sample(NODES, rng.randrange(1, 4))) for _ in range(rng.randrange(3))
        ),
        only=rng.choice([None, None, set(range(0, 400, 3))]),
        sort=tuple((c, rng.random() < 0.5) for c in columns),
    )


@pytest.mark.parametrize("seed", range(10))
def test_pages_match_a_plain_sort_through_changes(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    # Small limits make every path run on small data: walks, gathering, patching, rebuilds.
    monkeypatch.setattr(facets, "WALK_LIMIT", rng.choice([5, 50, 10_000]))
    monkeypatch.setattr(facet_orders, "PATCH_LIMIT", rng.choice([3, 10_000]))
    monkeypatch.setattr(facet_orders, "FIRST_CHUNK", 4)
    monkeypatch.setattr(facet_orders, "MAX_CHUNK", 16)
    rows = {cid: random_row(rng, cid) for cid in range(1, 300)}
    index = FacetIndex(capacity=8)
    index.set_names(STATUSES, MANAGERS)
    placements: dict[int, list[int]] = {}
    for row in rows.values():
        for node in row.nodes:
            placements.setdefault(node, []).append(row.id)
    index.load(FacetTable.of(rows.values()), {n: np.array(ids) for n, ids in placements.items()})
    for _round in range(25):
        for _ in range(rng.randrange(4)):
            query = random_query(rng)
            expected = reference(rows, query)
            per_page = rng.choice([1, 7, 50])
            page = rng.randrange(1, 4)
            got = index.select(query, (page - 1) * per_page, per_page)
            assert got.total == len(expected)
            assert got.ids == expected[(page - 1) * per_page : page * per_page], query
        changed = [random_row(rng, rng.randrange(1, 420)) for _ in range(rng.randrange(1, 6))]
        changed = list({row.id: row for row in changed}.values())
        changed_ids = {row.id for row in changed}
        gone = [g for g in rng.sample(sorted(rows), rng.randrange(2)) if g not in changed_ids]
        for row in changed:
            rows[row.id] = row
        for cid in gone:
            rows.pop(cid, None)
        index.upsert(changed, gone)
        index.upsert(rng.sample(list(rows.values()), min(3, len(rows))))  # re-read: no change


def test_names_sort_as_a_russian_reader_expects() -> None:
    names = ["яблоко", "Ёж", "ель", "Абрикос", "ёлка", "Дыня"]
    assert sorted(names, key=name_sort_key) == ["Абрикос", "Дыня", "Ёж", "ёлка", "ель", "яблоко"]


def test_inn_encoding_keeps_text_order() -> None:
    inns = ["7707083893", "500100732259", "0101010101", "770708389300", "77070838"]
    assert sorted(inns, key=encode_inn) == sorted(inns)
    assert encode_inn(None) > encode_inn("999999999999")


def test_nobody_sees_nothing() -> None:
    index = FacetIndex()
    index.upsert([random_row(random.Random(1), 5)])
    assert index.select(FacetQuery(nobody=True), 0, 10).total == 0


def test_name_keys_survive_rewrites_and_compaction() -> None:
    keys = NameKeys(4)
    keys.load([1, 3], [b"alpha", b"gamma"])
    for round_ in range(300):
        keys.set(1, b"x" * 5000 + str(round_).encode())
    keys.grow(10)
    keys.set(9, b"omega")
    assert keys[1] == b"x" * 5000 + b"299"
    assert (keys[3], keys[9], keys[2]) == (b"gamma", b"omega", b"")
