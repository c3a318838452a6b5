"""The classifier tree as a plain graph: descendants, dimensions, filter groups. Pure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class Tree:
    """Nodes and parent -> child edges; a node may have several parents, never a cycle."""

    names: dict[int, str]
    positions: dict[int, int] = field(default_factory=dict)
    children: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    parents: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def build(
        cls,
        nodes: Iterable[tuple[int, str, int]],
        edges: Iterable[tuple[int, int]],
    ) -> Tree:
        tree = cls(names={})
        for node_id, name, position in nodes:
            tree.names[node_id] = name
            tree.positions[node_id] = position
        for parent_id, child_id in edges:
            tree.children[parent_id].append(child_id)
            tree.parents[child_id].append(parent_id)
        order = tree._order_key
        for kids in tree.children.values():
            kids.sort(key=order)
        return tree

    def _order_key(self, node_id: int) -> tuple[int, str]:
        return (self.positions.get(node_id, 0), self.names.get(node_id, ""))

    @property
    def roots(self) -> list[int]:
        return sorted((n for n in self.names if not self.parents.get(n)), key=self._order_key)

    def descendants(self, node_id: int) -> set[int]:
        """The node and everything below it."""
        seen = {node_id}
        stack = [node_id]
        while stack:
            for child in self.children.get(stack.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        return seen

    def ancestors(self, node_id: int) -> set[int]:
        seen: set[int] = set()
        stack = [node_id]
        while stack:
            for parent in self.parents.get(stack.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return seen

    def dimension(self, node_id: int) -> int:
        """The top-level node a node belongs to (the first by order when it has several)."""
        roots = [n for n in self.ancestors(node_id) | {node_id} if not self.parents.get(n)]
        return min(roots, key=self._order_key) if roots else node_id

    def would_cycle(self, child_id: int, parent_ids: Iterable[int]) -> bool:
        below = self.descendants(child_id)
        return any(parent in below for parent in parent_ids)

    def filter_groups(self, node_ids: Iterable[int]) -> list[set[int]]:
        """AND across dimensions, OR within one: one set of acceptable nodes per dimension."""
        groups: dict[int, set[int]] = defaultdict(set)
        for node_id in node_ids:
            if node_id in self.names:
                groups[self.dimension(node_id)] |= self.descendants(node_id)
        return [groups[key] for key in sorted(groups)]

    def path(self, node_id: int) -> list[int]:
        """One path from a root to the node (through first parents), for labels."""
        path = [node_id]
        seen = {node_id}
        while self.parents.get(path[0]):
            parent = min(self.parents[path[0]], key=self._order_key)
            if parent in seen:
                break
            seen.add(parent)
            path.insert(0, parent)
        return path

    def label(self, node_id: int) -> str:
        return " / ".join(self.names[n] for n in self.path(node_id))

    def walk(self) -> list[tuple[int, int]]:
        """(node id, depth) in display order; a node under two parents appears under each."""
        out: list[tuple[int, int]] = []

        def visit(node_id: int, depth: int, trail: frozenset[int]) -> None:
            out.append((node_id, depth))
            for child in self.children.get(node_id, ()):
                if child not in trail:
                    visit(child, depth + 1, trail | {child})

        for root in self.roots:
            visit(root, 0, frozenset({root}))
        return out
