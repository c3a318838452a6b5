"""Panels: blocks one domain adds to another domain's page, neither importing the other.

A page names a slot ("client_card", "profile") and lists the panels of that slot in its
context; a domain registers a panel for a slot once, in app.py: an async function of the
request and the page's parameters (the client's id ...) giving the template to include and
its data, or None to show nothing. The page's template includes each panel's template,
which reads its data as `panel.context` and has the page's helpers (`_`, `fmt`,
`csrf_field`) at hand:

    {% for panel in panels %}{% include panel.template %}{% endfor %}
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True, slots=True)
class Panel:
    template: str
    context: dict[str, Any]


PanelSource = Callable[[web.Request, dict[str, Any]], Awaitable[Panel | None]]


@dataclass
class PanelRegistry:
    _sources: dict[str, list[PanelSource]] = field(default_factory=dict)

    def register(self, slot: str, source: PanelSource) -> None:
        self._sources.setdefault(slot, []).append(source)

    async def collect(self, slot: str, request: web.Request, **params: Any) -> list[Panel]:
        panels = []
        for source in self._sources.get(slot, ()):
            panel = await source(request, params)
            if panel is not None:
                panels.append(panel)
        return panels
