"""Use cases of the classifier: the tree of categories and clients' placements in it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from kompas_cc.clients import repo
from kompas_cc.clients.access import ClientsPolicy, require_client
from kompas_cc.clients.audit import record_change
from kompas_cc.clients.classifier import Tree
from kompas_cc.clients.events import ClassifierChanged, ClientUpdated
from kompas_cc.clients.models import ClassifierNode, ClientCategory
from kompas_cc.clients.schemas import NodeIn, NodeOut
from kompas_cc.core.actor import Actor, Role
from kompas_cc.core.errors import Forbidden, NotFound, ValidationFailed
from kompas_cc.core.ttlcache import TtlCache
from kompas_cc.db.uow import UnitOfWork


class NoSuchNode(NotFound):
    error_id = "no-such-node"


async def load_tree(uow: UnitOfWork) -> Tree:
    nodes = await repo.list_nodes(uow.session)
    edges = await repo.list_edges(uow.session)
    return Tree.build(((n.id, n.name, n.position) for n in nodes), edges)


#: How long a process trusts its copy of the tree; this process's own edits drop it at once.
TREE_TTL_S = 10.0


class TreeCache:
    """The classifier tree as lists need it on every request: read once, reused.

    When it has to be read again, one request reads it and the others wait for that read,
    rather than each opening a unit of work of its own at the same moment."""

    def __init__(self, ttl_s: float = TREE_TTL_S) -> None:
        self._trees: TtlCache[str, Tree] = TtlCache(ttl_s, max_size=1)
        self._loading: asyncio.Future[Tree] | None = None

    async def get(self, uows: Callable[[], AbstractAsyncContextManager[UnitOfWork]]) -> Tree:
        tree = self._trees.get("tree")
        if tree is not None:
            return tree
        if self._loading is None:
            self._loading = asyncio.ensure_future(self._load(uows))
        loading = self._loading
        try:
            return await asyncio.shield(loading)
        finally:
            if loading.done() and self._loading is loading:
                self._loading = None

    async def _load(self, uows: Callable[[], AbstractAsyncContextManager[UnitOfWork]]) -> Tree:
        async with uows() as uow:
            tree = await load_tree(uow)
        self._trees.put("tree", tree)
        return tree

    def forget(self) -> None:
        self._trees.clear()


async def check_nodes(uow: UnitOfWork, node_ids: Sequence[int]) -> None:
    unknown = sorted(set(node_ids) - await repo.existing_node_ids(uow.session, node_ids))
    if unknown:
        raise ValidationFailed(
            "No such classifier node", fields={"node_ids": f"unknown: {unknown}"}
        )


async def list_nodes(uow: UnitOfWork, counts: Mapping[int, int]) -> list[NodeOut]:
    """Every node with its parents and `counts` (clients under it, descendants included)."""
    tree = await load_tree(uow)
    return [
        NodeOut(
            id=n,
            name=tree.names[n],
            parent_ids=sorted(tree.parents.get(n, [])),
            position=tree.positions.get(n, 0),
            client_count=counts.get(n, 0),
        )
        for n in sorted(tree.names)
    ]


async def _check_parents(
    uow: UnitOfWork, tree: Tree, node_id: int | None, parent_ids: Sequence[int]
) -> None:
    for parent_id in parent_ids:
        if parent_id not in tree.names:
            raise ValidationFailed(
                "No such parent node", fields={"parent_ids": f"no node {parent_id}"}
            )
    if node_id is not None and tree.would_cycle(node_id, parent_ids):
        raise ValidationFailed(
            "A node cannot be placed under itself or its descendants",
            fields={"parent_ids": "would make a cycle"},
        )


def _require_editor(actor: Actor) -> None:
    if actor.role not in (Role.ADMIN, Role.MANAGER):
        raise Forbidden("Only managers and admins edit the classifier")


async def create_node(uow: UnitOfWork, actor: Actor, data: NodeIn) -> int:
    _require_editor(actor)
    tree = await load_tree(uow)
    await _check_parents(uow, tree, None, data.parent_ids)
    node = ClassifierNode(name=data.name, position=data.position)
    uow.session.add(node)
    await uow.session.flush()
    await repo.set_edges(uow.session, node.id, sorted(set(data.parent_ids)))
    uow.emit(ClassifierChanged())
    return node.id


async def update_node(uow: UnitOfWork, actor: Actor, node_id: int, data: NodeIn) -> None:
    """Rename or move a node (its parents are replaced by `data.parent_ids`)."""
    _require_editor(actor)
    node = await uow.session.get(ClassifierNode, node_id)
    if node is None:
        raise NoSuchNode(f"No classifier node with id {node_id}")
    tree = await load_tree(uow)
    await _check_parents(uow, tree, node_id, data.parent_ids)
    node.name = data.name
    node.position = data.position
    await repo.set_edges(uow.session, node_id, sorted(set(data.parent_ids)))
    uow.emit(ClassifierChanged())


async def delete_node(uow: UnitOfWork, actor: Actor, node_id: int) -> None:
    """Delete a node and the nodes that hang only from it.

    The rule for clients: clients placed in a deleted node lose that placement and stay in
    the dossier; a child that has another parent survives under it.
    """
    _require_editor(actor)
    tree = await load_tree(uow)
    if node_id not in tree.names:
        raise NoSuchNode(f"No classifier node with id {node_id}")
    doomed = {node_id}
    changed = True
    while changed:
        changed = False
        for candidate in tree.names:
            if candidate in doomed:
                continue
            parents = set(tree.parents.get(candidate, []))
            if parents and parents <= doomed:
                doomed.add(candidate)
                changed = True
    for doomed_id in doomed:
        node = await uow.session.get(ClassifierNode, doomed_id)
        if node is not None:
            await uow.session.delete(node)
    uow.emit(ClassifierChanged(deleted_ids=tuple(sorted(doomed))))


async def place_client(
    uow: UnitOfWork,
    actor: Actor,
    policy: ClientsPolicy,
    client_id: int,
    node_ids: Sequence[int],
    now: datetime,
) -> None:
    client = await require_client(uow, actor, policy, client_id)
    if actor.role is Role.DEALER:
        raise Forbidden("Dealers cannot classify clients")
    await check_nodes(uow, node_ids)
    before = await repo.list_category_ids(uow.session, client_id)
    after = sorted(set(node_ids))
    if before == after:
        return
    await repo.set_placements(uow.session, client_id, after)
    client.updated_at = now
    uow.emit(ClientUpdated(client_id, ("categories",), actor.id))
    tree = await load_tree(uow)
    record_change(
        uow,
        client_id,
        actor,
        now,
        "classifier",
        ", ".join(tree.label(n) for n in before if n in tree.names),
        ", ".join(tree.label(n) for n in after),
    )


def placement_rows(client_id: int, node_ids: Sequence[int]) -> list[ClientCategory]:
    return [ClientCategory(client_id=client_id, node_id=n) for n in node_ids]
