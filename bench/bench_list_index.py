"""The client list index on its own: build time, memory, answer times, and the cost of a change.

    .venv/bin/python bench/bench_list_index.py --url sqlite+aiosqlite:///bench/results/kompas-sqlite-1000000.db

Needs a database seeded by bench/seed_big.py (bench_lookup.py --keep leaves one). Prints
one table: how long the index takes to build from the database, how much memory its arrays
take, how long a list query takes inside the process (no HTTP) for each sort and for two
sort keys, and how long the first list after one client changed takes (its order patched).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kompas_cc.clients.facet_store import FacetStore
from kompas_cc.clients.facets import FacetIndex, FacetQuery, FacetRow
from kompas_cc.db.fastread import open_reader

SORTS = ("name", "-created_at", "updated_at", "-name", "inn", "-updated_at")
PAIRS = ("status,name", "kind,-created_at")
PAGES = (1, 1, 1, 2, 3, 5, 10)


def _sort(text: str) -> tuple[tuple[str, bool], ...]:
    return tuple((part.lstrip("-"), part.startswith("-")) for part in text.split(","))


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def array_megabytes(index: FacetIndex) -> float:
    """Bytes held by the index's arrays (columns, name keys, orders, node members)."""
    total = sum(a.nbytes for a in index.arrays())
    return total / 2**20


async def _dimensions(reader: Any) -> list[list[int]]:
    rows = await reader.fetch("SELECT parent_id, child_id FROM classifier_edges", {})
    children: dict[int, list[int]] = {}
    for parent, child in rows:
        children.setdefault(int(parent), []).append(int(child))
    return [sorted(c) for c in children.values() if len(c) > 1]


def _timed(index: FacetIndex, queries: list[tuple[FacetQuery, int]]) -> tuple[float, float]:
    samples = []
    for query, page in queries:
        started = time.perf_counter()
        index.select(query, (page - 1) * 50, 50)
        samples.append((time.perf_counter() - started) * 1000)
    return _percentiles(samples)


async def run(url: str, queries_per_sort: int, seed: int) -> None:
    reader = await open_reader(url)
    store = FacetStore(reader)
    started = time.perf_counter()
    index = await store.current()
    build_s = time.perf_counter() - started
    dims = await _dimensions(reader)
    rng = random.Random(seed)

    def queries(sort: str) -> list[tuple[FacetQuery, int]]:
        out = []
        for _ in range(queries_per_sort):
            first, second = rng.sample(dims, 2)
            groups = (frozenset([rng.choice(first)]), frozenset([rng.choice(second)]))
            out.append((FacetQuery(groups=groups, sort=_sort(sort)), rng.choice(PAGES)))
        return out

    print(f"{index.size:,} clients; build {build_s:.1f} s; arrays {array_megabytes(index):.0f} MB")
    print(f"{'sort':<20} {'p50 ms':>8} {'p99 ms':>8}")
    for sort in SORTS + PAIRS:
        p50, p99 = _timed(index, queries(sort))
        print(f"{sort:<20} {p50:>8.2f} {p99:>8.2f}")
    patch = []
    ids = rng.sample(range(1, index.size + 1), 50)
    for cid in ids:
        row = FacetRow(cid, "legal", f"Переименован {cid}", None, None, None, False, 0.0, 1e12)
        index.upsert([row])
        started = time.perf_counter()
        index.select(FacetQuery(sort=_sort("name")), 0, 50)
        index.select(FacetQuery(sort=_sort("-updated_at")), 0, 50)
        patch.append((time.perf_counter() - started) * 1000)
        index.upsert([replace(row, name=f"Снова {cid}")])
    p50, p99 = _percentiles(patch)
    print(f"first two lists after one change (two orders patched): p50 {p50:.1f} ms, p99 {p99:.1f}")
    await store.stop()
    await reader.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="database seeded by bench/seed_big.py")
    parser.add_argument("--queries", type=int, default=300, help="queries per sort")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(run(args.url, args.queries, args.seed))


if __name__ == "__main__":
    main()
