"""How the pages are served: to their own origin only, and closed sessions let go within minutes.

Both pages (``dashboards/app.py``, ``dashboards/workshop.py``) call :func:`configure` when the
Solara server loads them.

Origin and host checks. The pages listen on 127.0.0.1, but a browser lets any web page the
planner visits open a websocket to 127.0.0.1 (cross-site websocket hijacking) or reach it under
another name through DNS rebinding, and drive the page: start runs, load a scenario. So every
request must name an allowed host in its ``Host`` header (127.0.0.1, localhost and ::1, plus
the names in ``COMMUNITY_SIM_ALLOWED_HOSTS``), and a websocket, or any request that changes
something, must come from a page of that same origin (its ``Origin`` header).

Closed sessions. Solara keeps a session whose tab was closed for its kernel cull timeout
(24 hours by default), holding memory. The pages set it to :data:`CULL_TIMEOUT` unless
``SOLARA_KERNEL_CULL_TIMEOUT`` says otherwise; a page's running comparison is cancelled when its
session closes (see ``dashboards/app.py``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

ALLOWED_HOSTS_ENV = "COMMUNITY_SIM_ALLOWED_HOSTS"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
CULL_TIMEOUT = "2m"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def allowed_hosts(extra: str | None = None) -> frozenset[str]:
    """Host names the pages answer to: the loopback names and those in ``COMMUNITY_SIM_ALLOWED_HOSTS``."""
    names = os.environ.get(ALLOWED_HOSTS_ENV, "") if extra is None else extra
    return frozenset((*LOOPBACK_HOSTS, *(n.strip().lower() for n in names.split(",") if n.strip())))


def host_name(host: str) -> str:
    """The name in a ``Host`` header, without its port (``[::1]:8765`` → ``::1``)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def same_origin(origin: str, host: str) -> bool:
    """Whether ``Origin`` names the page's own host and port (the ``Host`` header)."""
    parts = urlsplit(origin.strip().lower())
    return parts.scheme in ("http", "https") and bool(parts.netloc) and parts.netloc == host.strip().lower()


class OriginGuard:
    """ASGI middleware: refuse requests to other host names, and cross-origin websockets and changes."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], hosts: Iterable[str]) -> None:
        self.app = app
        self.hosts = frozenset(h.lower() for h in hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            problem = self.problem(scope)
            if problem is not None:
                await _refuse(scope, send, problem)
                return
        await self.app(scope, receive, send)

    def problem(self, scope: Scope) -> str | None:
        """Why the request is refused, or None."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host", "")
        if host_name(host) not in self.hosts:
            return f"host {host!r} is not served here (allowed: {', '.join(sorted(self.hosts))})"
        origin = headers.get("origin")
        changes = scope["type"] == "websocket" or scope.get("method", "GET") not in SAFE_METHODS
        if changes and origin is not None and not same_origin(origin, host):
            return f"origin {origin!r} is not this page's"
        if scope["type"] == "websocket" and origin is None:
            return "a websocket needs the page's origin"
        return None


async def _refuse(scope: Scope, send: Send, problem: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008, "reason": problem[:120]})  # the server answers 403
        return
    body = f"403 Forbidden: {problem}\n".encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def configure() -> None:
    """Set the cull timeout and, inside a Solara server, put the guard in front of every request."""
    import solara.server.settings as settings

    if "SOLARA_KERNEL_CULL_TIMEOUT" not in os.environ:
        settings.kernel.cull_timeout = CULL_TIMEOUT
    server = sys.modules.get("solara.server.starlette")  # loaded only when a server runs the page
    if server is not None:
        install_guard(server.app, allowed_hosts())


def install_guard(app: Any, hosts: Iterable[str]) -> None:
    """Put :class:`OriginGuard` in front of a Starlette ``app`` (once), whether or not it has started.

    Solara loads a page while its server starts, after Starlette has built its middleware stack:
    the guard then wraps that stack.
    """
    if getattr(app, "_community_sim_guard", False):
        return
    if app.middleware_stack is None:
        app.add_middleware(OriginGuard, hosts=hosts)
    else:
        app.middleware_stack = OriginGuard(app.middleware_stack, hosts)
    app._community_sim_guard = True
