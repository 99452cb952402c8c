"""``hub serve --workers N``: N uvicorn processes, each listening on a socket of its own.

uvicorn's ``--workers`` binds one listening socket in the parent and hands it to every worker: the
workers race to accept from one queue, and the kernel wakes the most recently idle one first, so
connections pile onto a few workers (16 keep-alive connections split 13/3 between two workers,
``docs/decisions.md``). Here each worker binds its own socket to the same address with
``SO_REUSEPORT``, and Linux spreads new connections over the sockets by a hash of their addresses
(about evenly: with 16 connections and 2 workers, 8 ± 2 each).

The processes are uvicorn's own supervisor's (``uvicorn.supervisors.Multiprocess``: health checks,
restarts of a dead worker, SIGHUP, SIGTTIN/SIGTTOU). The parent binds a socket too, to hold the
address and fail early when it is taken, and never listens on it, so it takes no connections; it is
handed to each worker it starts as a *new* socket bound to the same address (its pickled form, see
:class:`_ReusePortSocket`), so a restarted worker joins the group as well. uvicorn has an open pull
request for the same (encode/uvicorn#2472); gunicorn's ``--reuse-port`` does it from 24 on, with
gunicorn and the uvicorn-worker package as two more dependencies. Where ``SO_REUSEPORT`` does not
balance (other systems than Linux), uvicorn's shared socket is used.
"""

from __future__ import annotations

import inspect
import logging
import socket
import sys
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess


def balanced() -> bool:
    """Whether this system spreads connections over sockets sharing a port (Linux's ``SO_REUSEPORT``)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def listener(family: int, host: str, port: int, kind: type[socket.socket] = socket.socket) -> socket.socket:
    """A TCP socket bound to (host, port) with ``SO_REUSEPORT``, not yet listening.

    >>> a = listener(socket.AF_INET, "127.0.0.1", 0)
    >>> b = listener(socket.AF_INET, "127.0.0.1", a.getsockname()[1])  # the same port, a second socket
    >>> a.getsockname() == b.getsockname()
    True
    >>> a.close(), b.close()
    (None, None)
    """
    sock = kind(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


class _ReusePortSocket(socket.socket):
    """The parent's socket, bound and never listened on. Handed to a worker (uvicorn's supervisor pickles the
    sockets it passes to the processes it spawns), it arrives as a new socket bound to the same address."""

    def __reduce__(self) -> tuple[Any, ...]:
        host, port = self.getsockname()[:2]
        return (listener, (self.family, host, port))


def run(app: str, *, workers: int, host: str, port: int, **options: Any) -> None:
    """Serve the app factory ``app`` ("module:function") with ``workers`` processes, each with a socket of
    its own where the system balances them; as ``uvicorn.run(app, factory=True, workers=…)`` otherwise."""
    if not balanced():
        uvicorn.run(app, factory=True, workers=workers, host=host, port=port, **options)
        return
    config = uvicorn.Config(app, factory=True, workers=workers, host=host, port=port, **options)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        sock = listener(family, host, port, _ReusePortSocket)  # port 0: a free one, which every worker shares
    except OSError as exc:
        raise SystemExit(f"hub: cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    logging.getLogger("uvicorn.error").info(
        "listening on http://%s:%d with %d workers, a socket each", host, sock.getsockname()[1], workers
    )
    kwargs: dict[str, Any] = {"sockets": [sock]}
    if "target" in inspect.signature(Multiprocess).parameters:  # uvicorn before 0.36 takes the server's run
        kwargs["target"] = uvicorn.Server(config).run
    try:
        Multiprocess(config, **kwargs).run()
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
