"""The cache of list rows: least recently used go first; a row read before a change is not kept."""

from __future__ import annotations

from datetime import UTC, datetime

from kompas_cc.clients.brief_cache import BriefCache
from kompas_cc.clients.schemas import ClientBrief


def brief(cid: int, name: str = "Альфа") -> ClientBrief:
    return ClientBrief(
        id=cid,
        kind="legal",
        name=name,
        inn=None,
        status=None,
        manager=None,
        phone=None,
        archived=False,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_found_rows_are_the_kept_ones() -> None:
    cache = BriefCache()
    cache.keep([brief(1), brief(2)], cache.generation)
    assert set(cache.found([1, 2, 3])) == {1, 2}


def test_a_row_read_before_a_change_is_not_kept() -> None:
    cache = BriefCache()
    generation = cache.generation  # a list starts reading client 1...
    cache.forget([1])  # ...client 1 changes meanwhile...
    cache.keep([brief(1, "old name")], generation)  # ...and the old row arrives
    assert cache.found([1]) == {}
    cache.keep([brief(1, "new name")], cache.generation)
    assert cache.found([1])[1].name == "new name"


def test_forgetting_nothing_spoils_no_read_in_flight() -> None:
    cache = BriefCache()
    generation = cache.generation
    cache.forget([])
    cache.keep([brief(1)], generation)
    assert set(cache.found([1])) == {1}


def test_clear_drops_everything_and_every_read_in_flight() -> None:
    cache = BriefCache()
    cache.keep([brief(1)], cache.generation)
    generation = cache.generation
    cache.clear()
    cache.keep([brief(2)], generation)
    assert len(cache) == 0


def test_the_least_recently_used_rows_go_first() -> None:
    cache = BriefCache(capacity=3)
    cache.keep([brief(1), brief(2), brief(3)], cache.generation)
    cache.found([1])  # 1 was just shown: 2 is now the oldest
    cache.keep([brief(4)], cache.generation)
    assert set(cache.found([1, 2, 3, 4])) == {1, 3, 4}
