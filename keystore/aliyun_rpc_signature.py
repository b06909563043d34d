"""The signature of an Alibaba Cloud RPC-style API request (KMS OpenAPI 2016-01-20).

Part of the Alibaba API's definition, beside its mapping onto the operation table
(:mod:`kmskit.keystore.api_aliyun`): the server (:mod:`kmskit.server.aliyun_sig`) checks it,
and a client, such as ``kmskit demo``, makes it. Source: aliyun-python-sdk-core
(``rpc_signature_composer``) and Alibaba's "RPC API signature" document.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote

__all__ = ["percent_encode", "rpc_signature"]


def percent_encode(text: str) -> str:
    """RFC 3986 unreserved characters stay; everything else is %XX of its UTF-8 bytes."""
    return quote(text, safe="-_.~")


def rpc_signature(
    method: str, params: Mapping[str, str], secret: bytes | bytearray
) -> tuple[str, str]:
    """(Signature, StringToSign) of an RPC request: HMAC-SHA1 keyed with secret ‖ ``&`` over
    METHOD ``&%2F&`` percent-encode(the sorted, percent-encoded ``k=v&…`` of every
    parameter but ``Signature``)."""
    canonical = "&".join(
        f"{percent_encode(k)}={percent_encode(v)}"
        for k, v in sorted(params.items())
        if k != "Signature"
    )
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    key = bytes(secret) + b"&"
    signature = base64.b64encode(
        hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha1).digest()
    ).decode("ascii")
    return signature, string_to_sign
