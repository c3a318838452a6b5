"""Client lists: filtered, sorted and paged by the in-memory index, shown from the database.

The index (clients.facets) picks the ids of a page and counts all matches exactly; one
query by id reads what the page shows. A text or phone search is the one filter the index
cannot answer: the database finds the matching ids, and the index filters and orders them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import ColumnElement, select

from kompas_cc.clients import repo
from kompas_cc.clients.access import ClientsPolicy, visibility_scope
from kompas_cc.clients.classifier_service import TreeCache
from kompas_cc.clients.facet_store import FacetStore
from kompas_cc.clients.facets import FacetQuery
from kompas_cc.clients.models import Client
from kompas_cc.clients.schemas import ClientBrief, ClientCount, ClientListQuery, ClientPage
from kompas_cc.core.actor import Actor
from kompas_cc.core.phone import phone_search_key, try_normalize_phone
from kompas_cc.db.fastread import FastReader
from kompas_cc.db.uow import UnitOfWork

#: Opens a unit of work: lists need one only for a search or a tree not yet cached.
UowOpener = Callable[[], AbstractAsyncContextManager[UnitOfWork]]


def reusing(uow: UnitOfWork) -> UowOpener:
    """An opener that hands out a unit of work already open (and leaves it open)."""

    @asynccontextmanager
    async def same() -> AsyncIterator[UnitOfWork]:
        yield uow

    return same


@dataclass(frozen=True, slots=True)
class ListSources:
    """What answering a list needs besides the unit of work."""

    facets: FacetStore
    reader: FastReader
    trees: TreeCache


async def list_clients(
    uows: UowOpener,
    sources: ListSources,
    actor: Actor,
    policy: ClientsPolicy,
    query: ClientListQuery,
) -> ClientPage:
    wanted = await _facet_query(uows, sources, actor, policy, query)
    index = await sources.facets.current()
    offset = (query.page - 1) * query.per_page
    found = index.select(wanted, offset, query.per_page)
    items = await _briefs(sources, found.ids)
    return ClientPage(
        items=items,
        page=query.page,
        per_page=query.per_page,
        total=found.total,
        total_exact=True,
        has_more=offset + len(found.ids) < found.total,
    )


async def all_ids(
    uows: UowOpener,
    sources: ListSources,
    actor: Actor,
    policy: ClientsPolicy,
    query: ClientListQuery,
) -> list[int]:
    """Every id the list shows for `query`, all pages, in its order (an export's rows)."""
    wanted = await _facet_query(uows, sources, actor, policy, query)
    index = await sources.facets.current()
    return index.select(wanted, 0, index.count(wanted)).ids


async def count_clients(
    uows: UowOpener,
    sources: ListSources,
    actor: Actor,
    policy: ClientsPolicy,
    query: ClientListQuery,
) -> ClientCount:
    wanted = await _facet_query(uows, sources, actor, policy, query)
    index = await sources.facets.current()
    return ClientCount(count=index.count(wanted), exact=True)


async def node_counts(
    uows: UowOpener, sources: ListSources, actor: Actor, policy: ClientsPolicy
) -> dict[int, int]:
    """Clients each classifier node holds (its descendants' too) that this user may see."""
    tree = await sources.trees.get(uows)
    scope = visibility_scope(actor, policy)
    visible = FacetQuery(
        owner_id=scope.user_id if scope.kind == "own" else None, nobody=scope.kind == "none"
    )
    index = await sources.facets.current()
    return {node: index.node_count(tree.descendants(node), visible) for node in tree.names}


async def _facet_query(
    uows: UowOpener,
    sources: ListSources,
    actor: Actor,
    policy: ClientsPolicy,
    query: ClientListQuery,
) -> FacetQuery:
    scope = visibility_scope(actor, policy)
    groups: tuple[frozenset[int], ...] = ()
    if query.node:
        tree = await sources.trees.get(uows)
        groups = tuple(frozenset(g) for g in tree.filter_groups(query.node))
    only: set[int] | None = None
    if query.q or query.phone:
        async with uows() as uow:
            only = await _search_ids(uow, policy, query)
    return FacetQuery(
        archived=query.archived,
        kind=query.kind,
        status_id=query.status_id,
        manager_id=query.manager_id,
        owner_id=scope.user_id if scope.kind == "own" else None,
        nobody=scope.kind == "none",
        groups=groups,
        only=only,
        sort=tuple(query.sort_keys()),
    )


async def _search_ids(uow: UnitOfWork, policy: ClientsPolicy, query: ClientListQuery) -> set[int]:
    filters: list[ColumnElement[bool]] = []
    if query.phone:
        filters.append(_phone_filter(query.phone, policy.region))
    if query.q:
        filters.append(_search_filter(query.q, policy.region))
    result = await uow.session.execute(select(Client.id).where(*filters))
    return set(result.scalars())


def _phone_filter(raw: str, region: str) -> ColumnElement[bool]:
    number = try_normalize_phone(raw, region)
    if number:
        return repo.has_phone(number)
    digits = phone_search_key(raw)
    return repo.has_phone_like(digits) if digits else repo.nobody()


def _search_filter(text: str, region: str) -> ColumnElement[bool]:
    number = try_normalize_phone(text, region)
    if number:
        return repo.has_phone(number)
    stripped = text.replace(" ", "").replace("-", "")
    if stripped.isdigit() and len(stripped) >= 5:
        return repo.text_matches(stripped) | repo.has_phone_like(stripped)
    return repo.text_matches(text)


_BRIEFS = TypeAdapter(list[ClientBrief])


async def _briefs(sources: ListSources, ids: Sequence[int]) -> list[ClientBrief]:
    """The page's clients in the order of `ids`: remembered ones from the cache, the others
    read by id and validated in one pass."""
    cache, reader = sources.facets.briefs, sources.reader
    found = cache.found(ids)
    missing = [cid for cid in ids if cid not in found]
    if missing:
        generation = cache.generation
        param = {"ids": reader.id_list(missing)}
        rows = await reader.fetch(repo.page_rows_sql(reader.dialect), param)
        fresh = _BRIEFS.validate_python([_brief(row) for row in rows])
        cache.keep(fresh, generation)
        found.update((brief.id, brief) for brief in fresh)
    return [found[cid] for cid in ids if cid in found]


def _brief(row: Sequence[Any]) -> dict[str, Any]:
    cid, kind, name, inn, status, manager, archived, created_at, phone = row
    return {
        "id": cid,
        "kind": kind,
        "name": name,
        "inn": inn,
        "status": status,
        "manager": manager,
        "phone": phone,
        "archived": bool(archived),
        # SQLite hands back the stored text (UTC without a zone); PostgreSQL a datetime.
        "created_at": f"{created_at}Z" if isinstance(created_at, str) else created_at,
    }
