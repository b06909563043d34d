"""One KMS request, start to finish, on the keystore's thread: authenticate, find the
operation, build the request from JSON, call the keystore as the caller, answer.

Everything here is synchronous and touches the keystore, so :mod:`server.app` runs it on
the one thread that owns the keystore (SQLite connections belong to one thread); writes are
therefore serialised in the process and never meet "database is locked" from a sibling
thread.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kmskit.keystore.api import call, refuse_unsupported, response, wipe_result
from kmskit.keystore.api_json import SerializationException, request_from_json
from kmskit.keystore.api_table import operation_named
from kmskit.offline.errors import KmskitError
from kmskit.server.errors import UnknownOperationException, error_response
from kmskit.server.sigv4 import SignedRequest, verify
from kmskit.server.wire import to_wire

if TYPE_CHECKING:
    from kmskit.keystore import Keystore

__all__ = ["TARGET_PREFIX", "handle"]

TARGET_PREFIX = "TrentService."
_log = logging.getLogger("kmskit.server")
Clock = Callable[[], datetime]


def _system_now() -> datetime:
    return datetime.now(UTC)


def handle(
    ks: Keystore, request: SignedRequest, clock: Clock = _system_now
) -> tuple[int, bytes]:
    """The HTTP status and JSON body answering ``request`` (an AWS request, or an Alibaba
    one: :mod:`server.aliyun_dispatch`)."""
    from kmskit.server.aliyun_dispatch import handle_aliyun, is_aliyun_request

    if is_aliyun_request(request):
        return handle_aliyun(ks, request, clock())
    try:
        return 200, _answer(ks, request, clock())
    except KmskitError as exc:  # a KMS error, or the keystore failing: the client is told
        return error_response(exc)
    except Exception as exc:  # a bug: the client gets KMSInternalException, the log the rest
        _log.error("internal error answering %s", _target(request), exc_info=True)
        return error_response(exc)


def _target(request: SignedRequest) -> str:
    return request.headers.get("x-amz-target", "?")


def _answer(ks: Keystore, request: SignedRequest, now: datetime) -> bytes:
    caller = verify(request, ks.access_key_secret, now)
    target = request.headers.get("x-amz-target", "")
    if not target.startswith(TARGET_PREFIX):
        raise UnknownOperationException(f"unknown operation {target!r}")
    operation = operation_named(target[len(TARGET_PREFIX) :])
    try:
        document = json.loads(request.body or b"{}")
    except ValueError:
        raise SerializationException("the request body is not JSON") from None
    api_request = request_from_json(operation, document)
    refuse_unsupported(operation, api_request)
    with ks.as_caller(region=caller.region, principal=caller.principal):
        result = call(ks, operation, api_request)  # authorized as the access key's principal
        try:
            body: dict[str, Any] = to_wire(operation.api, response(result))
            return json.dumps(body).encode("utf-8")
        finally:
            wipe_result(result)
