"""One Alibaba KMS OpenAPI request on the keystore's thread: verify the signature, run the
action (:mod:`keystore.api_aliyun`), answer Alibaba's JSON with a ``RequestId``.

Errors are Alibaba's shape, ``{"RequestId", "HostId", "Code", "Message", "Recommend"}``, with
the action's HTTP status (Alibaba KMS, "Error codes").
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kmskit.keystore.api_aliyun import ALIYUN_API_VERSION, aliyun_error, answer_aliyun
from kmskit.offline.errors import KmskitError
from kmskit.server.aliyun_sig import AliyunSignatureError, request_parameters, verify_aliyun
from kmskit.server.sigv4 import SignedRequest

if TYPE_CHECKING:
    from kmskit.keystore import Keystore

__all__ = ["handle_aliyun", "is_aliyun_request"]

_log = logging.getLogger("kmskit.server")
HOST_ID = "kms.kmskit.local"


def is_aliyun_request(request: SignedRequest) -> bool:
    """AWS names its operation in ``X-Amz-Target``; Alibaba's RPC style in ``Action`` (a
    query or form parameter) or, for V3 signatures, ``x-acs-action``."""
    if "x-amz-target" in request.headers:
        return False
    return (
        "x-acs-action" in request.headers
        or "Action=" in request.query
        or (b"Action=" in request.body[:65536])
    )


def _body(request_id: str, document: dict[str, Any]) -> bytes:
    return json.dumps({"RequestId": request_id, **document}).encode("utf-8")


def _error(request_id: str, status: int, code: str, message: str) -> tuple[int, bytes]:
    return status, _body(
        request_id,
        {"HostId": HOST_ID, "Code": code, "Message": message, "Recommend": ""},
    )


def handle_aliyun(ks: Keystore, request: SignedRequest, now: datetime) -> tuple[int, bytes]:
    """The HTTP status and JSON body answering an Alibaba request."""
    request_id = str(uuid.uuid4()).upper()
    try:
        params = request_parameters(request)
        caller = verify_aliyun(request, params, ks.access_key_secret, now)
        action = params.get("Action") or request.headers.get("x-acs-action", "")
        version = params.get("Version") or request.headers.get("x-acs-version", "")
        if version and version != ALIYUN_API_VERSION:
            return _error(
                request_id,
                400,
                "InvalidVersion",
                f"Version {version!r} is not {ALIYUN_API_VERSION}",
            )
        region = params.get("RegionId") or _host_region(request) or ks.config.region
        with ks.as_caller(region=region, principal=caller.principal):
            document = answer_aliyun(ks, action, params, region=ks.config.region)
        return 200, _body(request_id, document)
    except AliyunSignatureError as exc:
        return _error(request_id, exc.status, exc.code, str(exc))
    except KmskitError as exc:
        status, code, message = aliyun_error(exc)
        return _error(request_id, status, code, message)
    except Exception as exc:
        _log.error("internal error answering an Alibaba request", exc_info=True)
        status, code, message = aliyun_error(exc)
        return _error(request_id, status, code, message)


def _host_region(request: SignedRequest) -> str | None:
    # kms.<region>.aliyuncs.com, as the SDKs build endpoints; a loopback host names none.
    host = request.headers.get("host", "").split(":", 1)[0]
    parts = host.split(".")
    if len(parts) >= 3 and parts[0] == "kms" and parts[-2:] == ["aliyuncs", "com"]:
        return parts[1]
    return None
