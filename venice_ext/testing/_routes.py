"""The fake server's answers per route: a queue of scripted actions, then a default.

A route is a method and a path, concrete (`/characters/venice`) or a spec template
(`/characters/{slug}`); concrete paths are tried first, so a test can script one
character without touching the others.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from venice_ext.testing._replies import Action

__all__ = ["RouteTable", "path_pattern"]


def path_pattern(template: str) -> re.Pattern[str]:
    """A regex for `template`, each `{name}` matching one path segment."""
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile("^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$")


@dataclass
class _Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    queue: deque[Action] = field(default_factory=deque)
    default: Action | None = None
    # The canned operations live under /api/v1 only; a test's own routes also serve other paths.
    api_only: bool = False


class RouteTable:
    """Thread-safe: the server's connection threads read it while a test scripts it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: list[_Route] = []

    def add_api_default(self, method: str, template: str, action: Action) -> None:
        """A canned answer: served under /api/v1 only."""
        route = self._route(method, template)
        route.default = action
        route.api_only = True

    def script(self, method: str, path: str, actions: tuple[Action, ...]) -> None:
        route = self._route(method, path)
        with self._lock:
            route.queue.extend(actions)

    def set_default(self, method: str, path: str, action: Action) -> None:
        self._route(method, path).default = action

    def wrap_default(self, method: str, path: str, wrap: Callable[[Action | None], Action]) -> None:
        route = self._route(method, path)
        route.default = wrap(route.default)

    def clear_scripts(self) -> None:
        with self._lock:
            for route in self._routes:
                route.queue.clear()

    def next_action(self, method: str, path: str, *, in_api: bool = True) -> Action | None:
        """The first scripted action of a matching route, else the first default; None if nothing matches."""
        with self._lock:
            matches = [
                route
                for route in self._routes
                if route.method == method and route.pattern.match(path) and (in_api or not route.api_only)
            ]
            for route in matches:
                if route.queue:
                    return route.queue.popleft()
            return next((route.default for route in matches if route.default is not None), None)

    def _route(self, method: str, template: str) -> _Route:
        with self._lock:
            for route in self._routes:
                if route.method == method and route.template == template:
                    return route
            route = _Route(method, template, path_pattern(template))
            # Concrete paths are tried before templates that would also match them.
            self._routes.insert(0, route) if "{" not in template else self._routes.append(route)
            return route
