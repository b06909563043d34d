"""Checking an AWS Signature Version 4 request against the keystore's access keys.

The expected signature is computed by botocore's own signer (``botocore.auth.SigV4Auth``)
over the request rebuilt from what arrived: method, path, query, the headers the client
signed, and the body, hashed by us (a client's ``X-Amz-Content-SHA256`` must equal the
body's hash). It is compared with ``hmac.compare_digest``. A request more than 15 minutes
from the server's clock fails as AWS fails it (AWS General Reference, "Signature Version 4
signing process": the signature expires after 15 minutes).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from kmskit.server.errors import (
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
    UnrecognizedClientException,
)

__all__ = ["Caller", "SignedRequest", "verify"]

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "kms"
MAX_SKEW = timedelta(minutes=15)
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_CREDENTIAL = re.compile(
    r"(?P<key>[A-Z0-9]{16,128})/(?P<date>\d{8})/(?P<region>[a-z0-9-]{1,63})/"
    r"(?P<service>[a-z0-9-]+)/aws4_request"
)

# Looks up an access key: (principal, secret) or None. The secret is a bytearray the
# verifier wipes.
SecretLookup = Callable[[str], "tuple[str, bytearray] | None"]


@dataclass(frozen=True)
class SignedRequest:
    """An HTTP request as it arrived: header names lower-case, values joined by ``,``."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes
    scheme: str = "http"


@dataclass(frozen=True)
class Caller:
    """Who signed the request, and the region its credential scope names."""

    access_key_id: str
    principal: str
    region: str


def _authorization_fields(header: str) -> dict[str, str]:
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise IncompleteSignatureException(
            f"Authorization header requires the {ALGORITHM} algorithm"
        )
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, eq, value = part.strip().partition("=")
        if eq:
            fields[name] = value
    for needed in ("Credential", "SignedHeaders", "Signature"):
        if needed not in fields:
            raise IncompleteSignatureException(
                f"Authorization header requires '{needed}' parameter"
            )
    return fields


_AMZ_DATE_FORM = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z")


def _parse_amz_date(text: str) -> datetime:
    """``YYYYMMDDTHHMMSSZ`` (ISO 8601 basic, UTC); ValueError otherwise. (strptime is
    several times slower, on every request.)"""
    match = _AMZ_DATE_FORM.fullmatch(text)
    if match is None:
        raise ValueError(text)
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def verify(request: SignedRequest, lookup: SecretLookup, now: datetime) -> Caller:
    """The caller of a correctly signed request.

    Raises MissingAuthenticationTokenException (no Authorization header),
    IncompleteSignatureException (a malformed one), UnrecognizedClientException (an
    unknown access key id), InvalidSignatureException (wrong signature, body hash or
    scope, or more than 15 minutes of clock skew).
    """
    header = request.headers.get("authorization")
    if not header:
        raise MissingAuthenticationTokenException("Missing Authentication Token")
    fields = _authorization_fields(header)
    scope = _CREDENTIAL.fullmatch(fields["Credential"])
    if scope is None:
        raise IncompleteSignatureException(
            "Credential must have the form ACCESS_KEY/DATE/REGION/SERVICE/aws4_request"
        )
    amz_date = request.headers.get("x-amz-date", "")
    try:
        signed_at = _parse_amz_date(amz_date)
    except ValueError:
        raise IncompleteSignatureException(
            "the request must carry an X-Amz-Date header (YYYYMMDDTHHMMSSZ)"
        ) from None
    if abs(now - signed_at) > MAX_SKEW:
        raise InvalidSignatureException(
            f"Signature expired: {amz_date} is now earlier than"
            f" {(now - MAX_SKEW).strftime(_AMZ_DATE)} ({now.strftime(_AMZ_DATE)} - 15 min.)"
            if signed_at < now
            else f"Signature not yet current: {amz_date} is still later than"
            f" {(now + MAX_SKEW).strftime(_AMZ_DATE)} ({now.strftime(_AMZ_DATE)} + 15 min.)"
        )
    if scope["date"] != amz_date[:8]:
        raise InvalidSignatureException("the credential scope's date is not X-Amz-Date's")
    if scope["service"] != SERVICE:
        raise InvalidSignatureException(
            f"Credential should be scoped to correct service: '{SERVICE}'."
        )
    signed_names = fields["SignedHeaders"].split(";")
    if "host" not in signed_names:
        raise InvalidSignatureException("the signature must cover the Host header")
    body_hash = hashlib.sha256(request.body).hexdigest()
    declared = request.headers.get("x-amz-content-sha256")
    if declared is not None and not hmac.compare_digest(declared, body_hash):
        raise InvalidSignatureException(
            "The provided 'x-amz-content-sha256' header does not match what was computed."
        )
    found = lookup(scope["key"])
    if found is None:
        raise UnrecognizedClientException("The security token included in the request is invalid.")
    principal, secret = found
    try:
        expected = _signature(
            request, signed_names, scope["key"], secret, scope["region"], body_hash
        )
    finally:
        secret[:] = bytes(len(secret))
    if not hmac.compare_digest(expected.encode("ascii"), fields["Signature"].encode("ascii")):
        raise InvalidSignatureException(
            "The request signature we calculated does not match the signature you provided."
            " Check your AWS Secret Access Key and signing method."
        )
    return Caller(scope["key"], principal, scope["region"])


def _signature(
    request: SignedRequest,
    signed_names: list[str],
    access_key_id: str,
    secret: bytearray,
    region: str,
    body_hash: str,
) -> str:
    """The signature botocore computes for the rebuilt request."""
    headers = {}
    for name in signed_names:
        if name not in request.headers:
            raise InvalidSignatureException(f"signed header {name!r} is not in the request")
        headers[name] = request.headers[name]
    url = f"{request.scheme}://{request.headers['host']}{request.path}"
    if request.query:
        url += "?" + request.query
    rebuilt = AWSRequest(method=request.method, url=url, headers=headers, data=request.body)
    rebuilt.context["timestamp"] = request.headers["x-amz-date"]
    if "x-amz-content-sha256" in headers:
        # botocore takes the declared hash as it is; it was checked against the body above.
        rebuilt.headers["X-Amz-Content-SHA256"] = headers["x-amz-content-sha256"]
    signer = _Signer(
        Credentials(access_key_id, secret.decode("ascii")), SERVICE, region, body_hash
    )
    canonical = signer.canonical_request(rebuilt)
    return str(signer.signature(signer.string_to_sign(rebuilt, canonical), rebuilt))


class _Signer(SigV4Auth):  # type: ignore[misc]  # botocore is untyped
    """botocore's SigV4 signer, given the body's SHA-256 we already computed: its own
    ``payload()`` would serialise the whole request again to hash the same bytes."""

    def __init__(self, credentials: Credentials, service: str, region: str, body_hash: str):
        super().__init__(credentials, service, region)
        self._body_hash = body_hash

    def payload(self, request: AWSRequest) -> str:
        return self._body_hash
