"""SigV4 authentication of ``kmskit serve``, the AWS error shape and status of each failure,
the health endpoint, binding rules, and access keys that are deleted.

Requests are signed by botocore's own signer (``SigV4Auth``), then sent raw with
``http.client`` so that one part can be altered after signing.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.cli._runner import assert_one_line_error, kmskit
from tests.server._server import REGION, AccessKey, KmsServer, create_access_key, kmskit_cli

TARGET = "TrentService.ListKeys"


def _signed(
    url: str, key: AccessKey, body: bytes = b"{}", when: dt.datetime | None = None
) -> AWSRequest:
    request = AWSRequest(
        method="POST",
        url=url + "/",
        data=body,
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET},
    )
    signer = SigV4Auth(Credentials(key.access_key_id, key.secret), "kms", REGION)
    if when is None:
        signer.add_auth(request)
    else:
        original = botocore.auth.get_current_datetime
        botocore.auth.get_current_datetime = lambda: when  # type: ignore[assignment]
        try:
            signer.add_auth(request)
        finally:
            botocore.auth.get_current_datetime = original
    return request


def _send(url: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        conn.request("POST", "/", body=body, headers=headers)
        reply = conn.getresponse()
        assert reply.getheader("Content-Type") == "application/x-amz-json-1.1"
        return reply.status, json.loads(reply.read())
    finally:
        conn.close()


def _send_signed(url: str, request: AWSRequest, body: bytes | None = None) -> Any:
    data = request.body if body is None else body
    assert isinstance(data, bytes)
    return _send(url, dict(request.headers.items()), data)


def test_a_correctly_signed_raw_request_works(server: KmsServer, access_key: AccessKey) -> None:
    status, reply = _send_signed(server.url, _signed(server.url, access_key))
    assert status == 200 and "Keys" in reply


def test_unsigned_request(server: KmsServer) -> None:
    status, reply = _send(
        server.url,
        {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET},
        b"{}",
    )
    assert (status, reply["__type"]) == (400, "MissingAuthenticationTokenException")
    assert reply["message"]


def test_unknown_access_key(server: KmsServer) -> None:
    stranger = AccessKey("AKIAAAAAAAAAAAAAAAAA", "x" * 40)
    status, reply = _send_signed(server.url, _signed(server.url, stranger))
    assert (status, reply["__type"]) == (400, "UnrecognizedClientException")


def test_wrong_secret(server: KmsServer, access_key: AccessKey) -> None:
    wrong = AccessKey(access_key.access_key_id, access_key.secret[:-1] + "!")
    status, reply = _send_signed(server.url, _signed(server.url, wrong))
    assert (status, reply["__type"]) == (400, "InvalidSignatureException")


def test_body_altered_after_signing(server: KmsServer, access_key: AccessKey) -> None:
    request = _signed(server.url, access_key, b'{"Limit": 1}')
    status, reply = _send_signed(server.url, request, b'{"Limit": 2}')
    assert (status, reply["__type"]) == (400, "InvalidSignatureException")


def test_target_altered_after_signing(server: KmsServer, access_key: AccessKey) -> None:
    request = _signed(server.url, access_key)
    request.headers.replace_header("X-Amz-Target", "TrentService.ListAliases")
    status, reply = _send_signed(server.url, request)
    assert (status, reply["__type"]) == (400, "InvalidSignatureException")


@pytest.mark.parametrize("minutes", [-16, 16])
def test_clock_skew_over_15_minutes(server: KmsServer, access_key: AccessKey, minutes: int) -> None:
    when = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=minutes)
    status, reply = _send_signed(server.url, _signed(server.url, access_key, when=when))
    assert (status, reply["__type"]) == (400, "InvalidSignatureException")
    assert "Signature expired" in reply["message"] or "not yet current" in reply["message"]


def test_skew_within_15_minutes_is_accepted(server: KmsServer, access_key: AccessKey) -> None:
    when = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=10)
    status, _ = _send_signed(server.url, _signed(server.url, access_key, when=when))
    assert status == 200


def test_unknown_operation_and_bad_json(server: KmsServer, access_key: AccessKey) -> None:
    request = _signed(server.url, access_key)
    request.headers.replace_header("X-Amz-Target", "TrentService.CreateCustomKeyStore")
    signer = SigV4Auth(Credentials(access_key.access_key_id, access_key.secret), "kms", REGION)
    del request.headers["Authorization"]
    signer.add_auth(request)
    status, reply = _send_signed(server.url, request)
    assert (status, reply["__type"]) == (400, "UnsupportedOperationException")
    status, reply = _send_signed(server.url, _signed(server.url, access_key, b"{not json"))
    assert (status, reply["__type"]) == (400, "SerializationException")


def test_missing_member_is_a_validation_error(server: KmsServer, access_key: AccessKey) -> None:
    request = _signed(server.url, access_key, b"{}")
    request.headers.replace_header("X-Amz-Target", "TrentService.DescribeKey")
    del request.headers["Authorization"]
    SigV4Auth(Credentials(access_key.access_key_id, access_key.secret), "kms", REGION).add_auth(
        request
    )
    status, reply = _send_signed(server.url, request)
    assert (status, reply["__type"]) == (400, "ValidationException")
    assert "Value null at 'keyId'" in reply["message"]


def test_deleted_access_key_stops_working(server: KmsServer, server_home: Path) -> None:
    key = create_access_key(server_home, "arn:aws:iam::111122223333:role/deploy")
    client = server.client(key)
    client.list_keys()
    listed = json.loads(kmskit_cli("access-key", "list", "--home", str(server_home)))
    mine = [k for k in listed["AccessKeys"] if k["AccessKeyId"] == key.access_key_id]
    assert mine == [
        {
            "AccessKeyId": key.access_key_id,
            "Principal": "arn:aws:iam::111122223333:role/deploy",
            "CreateDate": mine[0]["CreateDate"],
        }
    ]
    assert all("SecretAccessKey" not in k for k in listed["AccessKeys"])
    kmskit_cli(
        "access-key", "delete", "--home", str(server_home), "--access-key-id", key.access_key_id
    )
    with pytest.raises(ClientError) as refused:
        client.list_keys()
    assert refused.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_access_key_principal_must_be_an_iam_arn(tmp_path: Path) -> None:
    bad = kmskit("access-key", "create", "--home", tmp_path / "h", "--principal", "alice")
    assert "not an IAM user or role ARN" in assert_one_line_error(bad, 2, "ValidationException")


def test_secret_is_not_in_the_database_in_clear(server_home: Path) -> None:
    key = create_access_key(server_home)
    for name in ("keystore.db", "keystore.db-wal"):
        path = server_home / name
        if path.exists():
            assert key.secret.encode() not in path.read_bytes()


def test_health(server: KmsServer) -> None:
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        conn.request("GET", "/health")
        reply = conn.getresponse()
        assert (reply.status, json.loads(reply.read())) == (200, {"Status": "OK"})
    finally:
        conn.close()


def test_non_loopback_needs_tls_or_an_explicit_flag(tmp_path: Path) -> None:
    everywhere = "0.0.0.0"  # noqa: S104 - the bind that must be refused
    refused = kmskit("serve", "--home", tmp_path / "h", "--host", everywhere, "--port", "0")
    message = assert_one_line_error(refused, 2, "ValidationException")
    assert "--tls-cert" in message and "--allow-insecure-bind" in message
    half = kmskit("serve", "--home", tmp_path / "h", "--tls-cert", "c.pem", "--port", "0")
    assert_one_line_error(half, 2, "ValidationException")


def test_a_port_in_use_is_one_line(server: KmsServer, tmp_path: Path) -> None:
    port = str(urlsplit(server.url).port)
    taken = kmskit("serve", "--home", tmp_path / "h", "--port", port)
    assert "cannot listen on 127.0.0.1:" in assert_one_line_error(taken, 2, "ListenError")


def test_a_passphrase_home_needs_the_variable(tmp_path: Path) -> None:
    home = tmp_path / "sealed"
    kmskit("init", "--home", home, env={"KMSKIT_PASSPHRASE": "correct horse"})
    refused = kmskit("serve", "--home", home, "--port", "0", env={"KMSKIT_PASSPHRASE": None})
    assert "KMSKIT_PASSPHRASE" in assert_one_line_error(refused, 2, "PassphraseRequiredError")
