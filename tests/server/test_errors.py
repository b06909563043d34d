"""The AWS JSON 1.1 error shape and status of each kind of failure."""

from __future__ import annotations

import json

from kmskit.offline.errors import KeystoreError, NotFoundException
from kmskit.server.errors import error_response


def test_error_responses() -> None:
    status, body = error_response(NotFoundException("no such key"))
    assert (status, json.loads(body)) == (
        400,
        {"__type": "NotFoundException", "message": "no such key"},
    )
    status, body = error_response(KeystoreError("disk full"))
    assert (status, json.loads(body)["__type"]) == (500, "KMSInternalException")
    status, body = error_response(RuntimeError("secret detail"))
    assert (status, json.loads(body)) == (
        500,
        {"__type": "KMSInternalException", "message": "internal error"},
    )
