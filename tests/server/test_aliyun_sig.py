"""server/aliyun_sig.py: Alibaba's RPC (HMAC-SHA1) and ACS3-HMAC-SHA256 checks, refusals.

Acceptance of real signatures is pinned by Alibaba's own SDKs in
tests/interop/test_aliyun_kms_sdks.py; here each refusal, on hand-made requests.
"""

from __future__ import annotations

import hashlib
import urllib.parse
from datetime import UTC, datetime, timedelta

import pytest

from kmskit.server.aliyun_sig import (
    AliyunSignatureError,
    request_parameters,
    rpc_signature,
    verify_aliyun,
)
from kmskit.server.sigv4 import SignedRequest

NOW = datetime(2026, 12, 6, 9, 0, 0, tzinfo=UTC)
KEY_ID = "AKIAEXAMPLEEXAMPLE01"
SECRET = "secret/with+chars"


def lookup(access_key_id: str) -> tuple[str, bytearray] | None:
    if access_key_id != KEY_ID:
        return None
    return "arn:aws:iam::111122223333:user/alice", bytearray(SECRET.encode())


def rpc_request(when: datetime = NOW, **change: str) -> SignedRequest:
    params = {
        "Action": "ListKeys",
        "Version": "2016-01-20",
        "AccessKeyId": KEY_ID,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": "n-1",
        "Timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Note": "a b*c~d/é",  # space, '*', '~', '/' and UTF-8 in the canonical form
    }
    params["Signature"] = rpc_signature("POST", params, SECRET.encode())[0]
    params.update(change)
    return SignedRequest(
        method="POST",
        path="/",
        query="",
        headers={"content-type": "application/x-www-form-urlencoded", "host": "127.0.0.1"},
        body=urllib.parse.urlencode(params).encode(),
    )


def check(request: SignedRequest) -> str:
    return verify_aliyun(request, request_parameters(request), lookup, NOW).principal


def test_a_correct_rpc_signature_passes() -> None:
    assert check(rpc_request()) == "arn:aws:iam::111122223333:user/alice"


def test_the_string_to_sign_follows_alibabas_encoding() -> None:
    _, string_to_sign = rpc_signature("GET", {"B": "a b", "A": "x*y~"}, b"s")
    assert string_to_sign == "GET&%2F&A%3Dx%252Ay~%26B%3Da%2520b"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"Signature": "AAAA"}, "SignatureDoesNotMatch"),
        ({"Note": "changed"}, "SignatureDoesNotMatch"),
        ({"AccessKeyId": "AKIAUNKNOWNUNKNOWN00"}, "InvalidAccessKeyId.NotFound"),
        ({"SignatureMethod": "HMAC-SHA256"}, "InvalidParameter"),
        ({"Timestamp": "yesterday"}, "InvalidTimeStamp.Format"),
        ({"Signature": ""}, "MissingParameter"),
    ],
)
def test_refusals(change: dict[str, str], code: str) -> None:
    with pytest.raises(AliyunSignatureError) as caught:
        check(rpc_request(**change))
    assert caught.value.code == code


@pytest.mark.parametrize("skew", [timedelta(minutes=16), -timedelta(minutes=16)])
def test_fifteen_minutes_of_skew_at_most(skew: timedelta) -> None:
    with pytest.raises(AliyunSignatureError) as caught:
        check(rpc_request(when=NOW + skew))
    assert caught.value.code == "InvalidTimeStamp.Expired"
    assert check(rpc_request(when=NOW + skew / 2))


def test_acs3_body_hash_must_match() -> None:
    body = b"KeyId=k"
    headers = {
        "authorization": f"ACS3-HMAC-SHA256 Credential={KEY_ID},"
        "SignedHeaders=host;x-acs-date,Signature=00",
        "host": "127.0.0.1",
        "x-acs-date": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-content-sha256": hashlib.sha256(b"other").hexdigest(),
    }
    request = SignedRequest("POST", "/", "Action=Encrypt", headers, body)
    with pytest.raises(AliyunSignatureError) as caught:
        verify_aliyun(request, {}, lookup, NOW)
    assert caught.value.code == "SignatureDoesNotMatch"
    headers["x-acs-content-sha256"] = hashlib.sha256(body).hexdigest()
    with pytest.raises(AliyunSignatureError) as caught:  # the signature itself is wrong
        verify_aliyun(SignedRequest("POST", "/", "Action=Encrypt", headers, body), {}, lookup, NOW)
    assert caught.value.code == "SignatureDoesNotMatch"
