"""Checking Alibaba Cloud request signatures against the keystore's access keys.

Alibaba's SDKs sign with the same access key ids and secrets ``kmskit access-key create``
issues for AWS clients. Two schemes:

* **RPC, HMAC-SHA1** (signature version 1.0; aliyun-python-sdk-core's
  ``rpc_signature_composer``, Alibaba's "RPC API signature" document): every parameter,
  query and form body, except ``Signature``, sorted by name, each name and value
  percent-encoded (RFC 3986: ``%20`` for space, ``~`` kept) and joined as ``k=v&…``;
  StringToSign = METHOD ``&%2F&`` percent-encode(that); Signature = base64(HMAC-SHA1(secret
  ‖ ``&``, StringToSign)). ``Timestamp`` (ISO 8601 UTC) must be within 15 minutes.
* **ACS3-HMAC-SHA256** (Alibaba's "V3 request signature", as alibabacloud-tea-openapi
  ``do_request`` sends it): ``Authorization: ACS3-HMAC-SHA256
  Credential=AK,SignedHeaders=a;b,Signature=hex``; CanonicalRequest = METHOD \\n path \\n
  canonical query \\n canonical headers \\n signed headers \\n hex SHA-256 of the body
  (``x-acs-content-sha256``); StringToSign = ``ACS3-HMAC-SHA256\\n`` hex SHA-256 of it;
  Signature = hex HMAC-SHA256(secret, StringToSign). ``x-acs-date`` within 15 minutes.

Signatures are compared with ``hmac.compare_digest``; the secret (a bytearray) is wiped.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

from kmskit.keystore.aliyun_rpc_signature import percent_encode, rpc_signature
from kmskit.server.sigv4 import SecretLookup, SignedRequest

__all__ = [
    "AliyunCaller",
    "AliyunSignatureError",
    "request_parameters",
    "rpc_signature",
    "verify_aliyun",
]

MAX_SKEW = timedelta(minutes=15)
ACS3 = "ACS3-HMAC-SHA256"


class AliyunSignatureError(Exception):
    """A request Alibaba would refuse before looking at it: ``code`` is Alibaba's error
    code (``IncompleteSignature``, ``SignatureDoesNotMatch``, ``InvalidAccessKeyId.NotFound``,
    ``MissingParameter``, ``InvalidTimeStamp.Expired``), ``status`` its HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class AliyunCaller:
    access_key_id: str
    principal: str





def request_parameters(request: SignedRequest) -> dict[str, str]:
    """The RPC parameters: the query, plus a form-encoded body (the body wins on a
    repeated name, as Alibaba's gateway reads it)."""
    params = dict(parse_qsl(request.query, keep_blank_values=True))
    content_type = request.headers.get("content-type", "")
    if request.body and "application/x-www-form-urlencoded" in content_type:
        params.update(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
    return params


def _check_time(value: str, what: str, now: datetime) -> None:
    try:
        when = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise AliyunSignatureError(
            "InvalidTimeStamp.Format", f"{what} must be YYYY-MM-DDThh:mm:ssZ (UTC)"
        ) from None
    if abs(now - when) > MAX_SKEW:
        raise AliyunSignatureError(
            "InvalidTimeStamp.Expired",
            f"Specified time stamp or date value is expired: {what} {value} is more than"
            " 15 minutes from the server's clock",
        )


def _secret(lookup: SecretLookup, access_key_id: str) -> tuple[str, bytearray]:
    found = lookup(access_key_id)
    if found is None:
        raise AliyunSignatureError(
            "InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404
        )
    return found


def _verify_rpc(
    request: SignedRequest, params: Mapping[str, str], lookup: SecretLookup, now: datetime
) -> AliyunCaller:
    for name in ("AccessKeyId", "Signature", "Timestamp", "SignatureMethod"):
        if not params.get(name):
            raise AliyunSignatureError(
                "MissingParameter",
                f"The input parameter {name!r} that is mandatory for"
                " processing this request is not supplied.",
            )
    if params["SignatureMethod"] != "HMAC-SHA1":
        raise AliyunSignatureError(
            "InvalidParameter", f"SignatureMethod {params['SignatureMethod']!r} is not HMAC-SHA1"
        )
    _check_time(params["Timestamp"], "Timestamp", now)
    principal, secret = _secret(lookup, params["AccessKeyId"])
    try:
        expected, string_to_sign = rpc_signature(request.method, params, secret)
    finally:
        secret[:] = bytes(len(secret))
    if not hmac.compare_digest(expected.encode(), params["Signature"].encode()):
        # Alibaba appends its string to sign (no secret in it): aliyun-python-sdk-core
        # compares it with its own to tell the user what differed.
        raise AliyunSignatureError(
            "SignatureDoesNotMatch",
            "Specified signature is not matched with our calculation. server string to sign"
            f" is:{string_to_sign}",
        )
    return AliyunCaller(params["AccessKeyId"], principal)


def _acs3_fields(header: str) -> dict[str, str]:
    rest = header[len(ACS3) :].strip()
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, sep, value = part.strip().partition("=")
        if sep:
            fields[name] = value
    if not {"Credential", "SignedHeaders", "Signature"} <= fields.keys():
        raise AliyunSignatureError(
            "IncompleteSignature", "the ACS3 Authorization header is incomplete"
        )
    return fields


def _verify_acs3(request: SignedRequest, lookup: SecretLookup, now: datetime) -> AliyunCaller:
    fields = _acs3_fields(request.headers["authorization"])
    date = request.headers.get("x-acs-date", "")
    _check_time(date, "x-acs-date", now)
    body_hash = hashlib.sha256(request.body).hexdigest()
    if request.headers.get("x-acs-content-sha256", body_hash) != body_hash:
        raise AliyunSignatureError(
            "SignatureDoesNotMatch", "x-acs-content-sha256 is not the body's SHA-256"
        )
    signed = fields["SignedHeaders"].split(";")
    if "host" not in signed or "x-acs-date" not in signed:
        raise AliyunSignatureError(
            "IncompleteSignature", "the signature must cover host and x-acs-date"
        )
    query = sorted(parse_qsl(request.query, keep_blank_values=True))
    canonical_query = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in query)
    canonical_headers = "".join(
        f"{name}:{request.headers.get(name, '').strip()}\n" for name in signed
    )
    canonical_request = "\n".join(
        [
            request.method,
            request.path.split("?", 1)[0] or "/",
            canonical_query,
            canonical_headers,
            fields["SignedHeaders"],
            request.headers.get("x-acs-content-sha256", body_hash),
        ]
    )
    string_to_sign = f"{ACS3}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"
    principal, secret = _secret(lookup, fields["Credential"])
    try:
        expected = hmac.new(bytes(secret), string_to_sign.encode(), hashlib.sha256).hexdigest()
    finally:
        secret[:] = bytes(len(secret))
    if not hmac.compare_digest(expected.encode(), fields["Signature"].lower().encode()):
        raise AliyunSignatureError(
            "SignatureDoesNotMatch",
            "Specified signature is not matched with our calculation.",
        )
    return AliyunCaller(fields["Credential"], principal)


def verify_aliyun(
    request: SignedRequest, params: Mapping[str, str], lookup: SecretLookup, now: datetime
) -> AliyunCaller:
    """The caller of a correctly signed Alibaba request (either scheme); raises
    AliyunSignatureError otherwise."""
    authorization = request.headers.get("authorization", "")
    if authorization.startswith(ACS3):
        return _verify_acs3(request, lookup, now)
    return _verify_rpc(request, params, lookup, now)
