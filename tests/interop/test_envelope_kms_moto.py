"""The AWS KMS keyring against moto's KMS as a real HTTP endpoint on 127.0.0.1.

moto is the oracle: an EDK made by our keyring is opened with boto3's own Decrypt call, and
the AWS Encryption SDK's KMS master key provider (pointed at the same server through a
botocore session and ``AWS_ENDPOINT_URL_KMS``) decrypts our messages and we decrypt its.
Errors: what moto answers maps to the KMS error names; no credentials, an unknown profile
and an unreachable endpoint give one line each, without a traceback.

moto 5.2 quirks that shape this module: Decrypt with another key's ``KeyId`` answers
``AccessDeniedException`` (real KMS: ``IncorrectKeyException``); DisableKey fails with an
internal error, so key states are tested against the local keystore instead
(tests/cli/test_envelope_cli.py).
"""

from __future__ import annotations

import io
import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_encryption_sdk
import boto3
import botocore.session
import pytest
from aws_encryption_sdk import CommitmentPolicy
from moto.server import ThreadedMotoServer

from kmskit.envelope import decrypt, encrypt, inspect
from kmskit.envelope.keyrings import AwsKmsKeyring, EncryptedDataKey, RawAesKeyring
from kmskit.offline.errors import (
    AccessDeniedException,
    AwsConfigurationError,
    AwsConnectionError,
    InvalidCiphertextException,
    KeyringMismatch,
    NoMatchingKeyringError,
    NotFoundException,
)
from tests.cli._runner import assert_one_line_error, kmskit, ok

REGION = "us-east-1"
DATA = bytes(range(256)) * 300
CONTEXT = {"purpose": "moto interop", "tenant": "ü"}
ESDK = aws_encryption_sdk.EncryptionSDKClient(
    commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT
)


@dataclass(frozen=True)
class Moto:
    url: str
    client: Any
    arn: str  # a SYMMETRIC_DEFAULT key
    other_arn: str

    def keyring(self, arn: str | None = None) -> AwsKmsKeyring:
        return AwsKmsKeyring(arn or self.arn, endpoint_url=self.url)

    def spec(self, arn: str | None = None) -> str:
        return f"provider=aws-kms,key={arn or self.arn},endpoint-url={self.url}"


@pytest.fixture(scope="module")
def moto() -> Iterator[Moto]:
    with pytest.MonkeyPatch.context() as mp:
        # Dummy credentials and no config files, so nothing can reach a real AWS account.
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_SESSION_TOKEN", "testing")
        mp.setenv("AWS_DEFAULT_REGION", REGION)
        mp.setenv("AWS_CONFIG_FILE", "/dev/null")
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        mp.delenv("AWS_PROFILE", raising=False)
        mp.delenv("AWS_ENDPOINT_URL", raising=False)
        mp.delenv("AWS_ENDPOINT_URL_KMS", raising=False)
        mp.setattr(logging.getLogger("werkzeug"), "disabled", True)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            url = f"http://{host}:{port}"
            client = boto3.client("kms", endpoint_url=url, region_name=REGION)
            arns = [
                client.create_key(KeySpec="SYMMETRIC_DEFAULT")["KeyMetadata"]["Arn"]
                for _ in range(2)
            ]
            yield Moto(url, client, arns[0], arns[1])
        finally:
            server.stop()


def test_edk_layout_is_what_kms_decrypt_opens(moto: Moto) -> None:
    data_key = bytes(range(32))
    edk = moto.keyring().wrap(data_key, CONTEXT)
    assert edk.provider_id == "aws-kms"
    assert edk.provider_info == moto.arn.encode()
    # The oracle: moto's own Decrypt, called with boto3, not through kmskit.
    opened = moto.client.decrypt(CiphertextBlob=edk.ciphertext, EncryptionContext=CONTEXT)
    assert (opened["Plaintext"], opened["KeyId"]) == (data_key, moto.arn)
    assert moto.keyring().unwrap(edk, CONTEXT) == data_key
    with pytest.raises(InvalidCiphertextException, match="Decrypt"):
        moto.keyring().unwrap(edk, {**CONTEXT, "tenant": "other"})


@pytest.mark.parametrize(
    "algorithm", ["AES_256_GCM_HKDF_SHA512_COMMIT_KEY", "SM4_GCM_HKDF_SM3_COMMIT_KEY_SM2"]
)
def test_round_trip_and_not_mine(moto: Moto, algorithm: str) -> None:
    message = encrypt(
        DATA, keyrings=moto.keyring(), encryption_context=CONTEXT, algorithm=algorithm
    )
    plaintext, info = decrypt(message, keyrings=moto.keyring(), required_context=CONTEXT)
    assert plaintext == DATA
    assert [(e.provider_id, e.key_name) for e in info.header.encrypted_data_keys] == [
        ("aws-kms", moto.arn)
    ]
    # Another key's keyring declines without calling KMS; an alias can never match an EDK.
    edk = inspect(io.BytesIO(message)).encrypted_data_keys[0]
    with pytest.raises(NoMatchingKeyringError, match="not wrapped by AWS KMS key"):
        decrypt(message, keyrings=moto.keyring(moto.other_arn))
    with pytest.raises(KeyringMismatch, match="needs the key ARN"):
        AwsKmsKeyring("alias/x", endpoint_url=moto.url).unwrap(
            EncryptedDataKey(edk.provider_id, edk.provider_info, b"x"), CONTEXT
        )


def test_several_recipients_kms_and_raw_aes(moto: Moto) -> None:
    aes = RawAesKeyring("ns", "aes", bytes(32))
    message = encrypt(DATA, keyrings=[moto.keyring(), aes])
    assert decrypt(message, keyrings=aes)[0] == DATA
    assert decrypt(message, keyrings=moto.keyring())[0] == DATA


def test_esdk_kms_provider_both_directions(moto: Moto, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", moto.url)
    session = botocore.session.Session()
    session.set_config_variable("region", REGION)
    provider = aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(
        key_ids=[moto.arn], botocore_session=session
    )
    theirs, _ = ESDK.encrypt(source=DATA, key_provider=provider, encryption_context=CONTEXT)
    plaintext, info = decrypt(bytes(theirs), keyrings=moto.keyring(), required_context=CONTEXT)
    assert plaintext == DATA
    assert info.header.encrypted_data_keys[0].provider_id == "aws-kms"
    ours = encrypt(DATA, keyrings=moto.keyring(), encryption_context=CONTEXT)
    plaintext, header = ESDK.decrypt(source=ours, key_provider=provider)
    assert bytes(plaintext) == DATA
    assert dict(header.encryption_context) == CONTEXT


def test_cli_round_trip(moto: Moto, tmp_path: Path) -> None:
    (tmp_path / "plain.bin").write_bytes(DATA)
    enc, out = tmp_path / "plain.bin.kmskit", tmp_path / "plain.out"
    ok(
        kmskit(
            "encrypt",
            tmp_path / "plain.bin",
            "-o",
            enc,
            "--wrapping-key",
            moto.spec(),
            "-c",
            "purpose=cli",
        )
    )
    doc = ok(kmskit("inspect", enc)).json()
    assert doc["EncryptedDataKeys"][0]["KeyName"] == moto.arn
    ok(kmskit("decrypt", enc, "-o", out, "--wrapping-key", moto.spec(), "-c", "purpose=cli"))
    assert out.read_bytes() == DATA
    # Another key: no keyring matches; nothing is written.
    result = kmskit(
        "decrypt", enc, "-o", tmp_path / "x", "--wrapping-key", moto.spec(moto.other_arn)
    )
    assert_one_line_error(result, 1, "NoMatchingKeyringError")
    assert not (tmp_path / "x").exists()


def test_cli_kms_errors(moto: Moto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "plain.bin"
    src.write_bytes(b"data")

    def encrypt_with(spec: str) -> Any:
        return kmskit("encrypt", src, "-o", tmp_path / "out", "--wrapping-key", spec)

    missing = moto.arn[:-12] + "000000000000"
    message = assert_one_line_error(encrypt_with(moto.spec(missing)), 1, "NotFoundException")
    assert message.startswith(f"AWS KMS Encrypt with {missing}: ")
    closed = _closed_port_url()
    spec = f"provider=aws-kms,key={moto.arn},endpoint-url={closed}"
    message = assert_one_line_error(encrypt_with(spec), 1, "EndpointConnectionError")
    assert f"cannot reach {closed}" in message
    message = assert_one_line_error(
        encrypt_with(moto.spec() + ",profile=no-such-profile"), 2, "ProfileNotFound"
    )
    assert "no-such-profile" in message
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    assert_one_line_error(encrypt_with(moto.spec()), 2, "NoCredentialsError")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.bin"]


def _closed_port_url() -> str:
    with socket.socket() as sock:  # bound, never listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_library_error_classes(moto: Moto, monkeypatch: pytest.MonkeyPatch) -> None:
    edk = moto.keyring().wrap(bytes(32), {})
    # moto answers AccessDenied for Decrypt with another key's KeyId.
    forged = EncryptedDataKey(edk.provider_id, moto.other_arn.encode(), edk.ciphertext)
    with pytest.raises(AccessDeniedException, match="Decrypt"):
        moto.keyring(moto.other_arn).unwrap(forged, {})
    with pytest.raises(NotFoundException):
        moto.keyring(moto.arn[:-4] + "0000").wrap(bytes(32), {})
    with pytest.raises(AwsConnectionError, match="cannot reach"):
        AwsKmsKeyring(moto.arn, endpoint_url=_closed_port_url()).unwrap(edk, {})
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    with pytest.raises(AwsConfigurationError, match="Unable to locate credentials"):
        moto.keyring().wrap(bytes(32), {})
