"""Running ``kmskit serve``: where it may listen, TLS, and uvicorn.

Loopback is the default. Any other address carries keys and plaintext over the network,
so it needs TLS (``tls_cert`` and ``tls_key``) or an explicit ``allow_insecure`` (DESIGN.md,
"Servers"). uvicorn handles SIGTERM and SIGINT: it stops accepting, finishes the requests
in flight, then the keystore is closed.
"""

from __future__ import annotations

import ipaddress
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Any

from kmskit.offline.errors import ValidationException
from kmskit.server.app import KmsApp

if TYPE_CHECKING:
    from kmskit.keystore import Keystore

__all__ = ["ServeOptions", "bind", "is_loopback", "serve"]

# How long uvicorn waits for requests in flight after SIGTERM before closing them.
GRACEFUL_SECONDS = 10


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8080
    tls_cert: str | None = None
    tls_key: str | None = None
    allow_insecure: bool = False

    @property
    def scheme(self) -> str:
        return "https" if self.tls_cert else "http"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check(options: ServeOptions) -> None:
    """Raise ValidationException for a setting that must not be served."""
    if (options.tls_cert is None) != (options.tls_key is None):
        raise ValidationException("give both --tls-cert and --tls-key, or neither")
    if not 0 <= options.port <= 65535:
        raise ValidationException(f"port {options.port} is not 0-65535")
    if not is_loopback(options.host) and options.tls_cert is None and not options.allow_insecure:
        raise ValidationException(
            f"refusing to serve plain HTTP on {options.host}, which is not loopback:"
            " give --tls-cert and --tls-key, or --allow-insecure-bind"
        )


def bind(options: ServeOptions) -> socket.socket:
    """The listening socket (port 0 picks a free port: read it from ``getsockname``)."""
    check(options)
    family = socket.AF_INET6 if ":" in options.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((options.host, options.port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def _server_class() -> type[Any]:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, except that a stop signal ends it with exit 0 after the
        graceful shutdown: uvicorn re-raises the signal afterwards, which would report a
        clean stop as a kill."""

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            if self.should_exit and sig == signal.SIGINT:
                self.force_exit = True  # a second Ctrl-C: stop waiting for requests
            else:
                self.should_exit = True

    return Server


def serve(
    open_store: Callable[[], Keystore],
    options: ServeOptions,
    sock: socket.socket,
) -> None:
    """Serve until SIGTERM or SIGINT on the bound ``sock``."""
    import uvicorn

    config = uvicorn.Config(
        KmsApp(open_store),
        lifespan="on",
        log_level="warning",
        access_log=False,
        ssl_certfile=options.tls_cert,
        ssl_keyfile=options.tls_key,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        server_header=False,
        date_header=True,
    )
    # The event loop and the keystore thread take turns with the GIL; Python's default
    # 5 ms switch interval makes each wait that long for the other under load (measured:
    # about 1.5x the requests/s at 32 connections with 0.5 ms).
    sys.setswitchinterval(0.0005)
    _server_class()(config).run(sockets=[sock])
