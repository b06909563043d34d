"""The ASGI application of ``kmskit serve``: HTTP in, :func:`server.dispatch.handle` on the
keystore's thread, HTTP out. uvicorn parses HTTP; nothing here does.

- ``POST /`` with ``X-Amz-Target: TrentService.<Operation>`` is a KMS request;
- any other request naming an ``Action`` (query or form) or ``x-acs-action`` is an Alibaba
  KMS OpenAPI request (:mod:`server.aliyun_dispatch`), GET or POST;
- ``GET /health`` answers ``{"Status": "OK"}`` once the keystore is open (for probes);
- the keystore is opened at start-up (lifespan) and closed at shutdown, after uvicorn has
  finished the requests in flight (its SIGTERM handling).

Keystore work runs on one dedicated thread that owns the SQLite connection and answers
requests in group commits (:mod:`server.worker`), so the event loop never blocks on it and
concurrent requests queue for the keystore instead of failing.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from kmskit.server.errors import UnknownOperationException, error_response
from kmskit.server.sigv4 import SignedRequest
from kmskit.server.worker import KeystoreWorker

if TYPE_CHECKING:
    from kmskit.keystore import Keystore

__all__ = ["MAX_BODY", "KmsApp"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# The largest KMS request is an ImportKeyMaterial or a 4096-byte message in base64: 1 MiB
# is far above any valid body and bounds what one request can make us hold.
MAX_BODY = 1 << 20
_CONTENT_TYPE = b"application/x-amz-json-1.1"
_ALIYUN_CONTENT_TYPE = b"application/json;charset=utf-8"


class RequestTooLarge(Exception):
    pass


class KmsApp:
    """The ASGI app serving the keystore that ``open_store`` opens (on the keystore's
    thread, at start-up)."""

    def __init__(self, open_store: Callable[[], Keystore]) -> None:
        self._open_store = open_store
        self._worker: KeystoreWorker | None = None

    # -- lifecycle -------------------------------------------------------------------------

    async def startup(self) -> None:
        worker = KeystoreWorker(self._open_store)
        await asyncio.get_running_loop().run_in_executor(None, worker.start)
        self._worker = worker

    async def shutdown(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            await asyncio.get_running_loop().run_in_executor(None, worker.stop)

    # -- ASGI ------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        path = scope["path"]
        if path == "/health" and method in ("GET", "HEAD"):
            ok = self._worker is not None
            body = json.dumps({"Status": "OK" if ok else "Starting"}).encode()
            await _reply(send, 200 if ok else 503, body, b"application/json")
            return
        rpc_get = method == "GET" and b"Action=" in scope.get("query_string", b"")
        if method != "POST" and not rpc_get:
            status, body = error_response(
                UnknownOperationException(f"{method} {path} is not a KMS request (POST /)")
            )
            await _reply(send, status, body, _CONTENT_TYPE)
            return
        try:
            body = await _read_body(receive)
        except RequestTooLarge:
            await _reply(send, 413, _too_large(), _CONTENT_TYPE)
            return
        request = SignedRequest(
            method=method,
            path=scope.get("raw_path", path.encode()).decode("latin-1") or "/",
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=_headers(scope),
            body=body,
            scheme=scope.get("scheme", "http"),
        )
        worker = self._worker
        if worker is None:
            status, reply = error_response(RuntimeError("not started"))
        else:
            status, reply = await worker.answer(request)
        aliyun = "x-amz-target" not in request.headers  # Alibaba's RPC API answers JSON
        await _reply(send, status, reply, _ALIYUN_CONTENT_TYPE if aliyun else _CONTENT_TYPE)


def _too_large() -> bytes:
    return json.dumps(
        {"__type": "ValidationException", "message": f"request body over {MAX_BODY} bytes"}
    ).encode()


def _headers(scope: Scope) -> dict[str, str]:
    """Header names lower-case; repeated headers joined by ``,`` (RFC 9110 §5.3), as SigV4's
    canonical headers join them."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    return headers


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise RequestTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _reply(send: Send, status: int, body: bytes, content_type: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"x-amzn-requestid", str(uuid.uuid4()).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
