"""Other real clients of ``kmskit serve``: the ``aws`` CLI (``--endpoint-url`` and
``AWS_ENDPOINT_URL_KMS``), the AWS Encryption SDK's KMS master key provider, and kmskit's
own ``provider=aws-kms`` keyring with ``endpoint-url``. Each encrypts what another decrypts.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aws_encryption_sdk
import botocore.session
import pytest
from aws_encryption_sdk import CommitmentPolicy

from tests.cli._runner import kmskit, ok
from tests.server._server import REGION, AccessKey, KmsServer, clean_env

AWS = str(Path(sys.executable).parent / "aws")
ESDK = aws_encryption_sdk.EncryptionSDKClient(
    commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT
)
DATA = bytes(range(256)) * 100
CONTEXT = {"purpose": "serve interop"}


def _aws_env(key: AccessKey, **extra: str) -> dict[str, str]:
    return clean_env(
        AWS_ACCESS_KEY_ID=key.access_key_id,
        AWS_SECRET_ACCESS_KEY=key.secret,
        AWS_DEFAULT_REGION=REGION,
        **extra,
    )


def _aws(env: dict[str, str], *args: str) -> Any:
    proc = subprocess.run(
        [AWS, "kms", *args, "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout) if proc.stdout.strip() else {}


def test_aws_cli_with_endpoint_url(
    server: KmsServer, access_key: AccessKey, tmp_path: Path
) -> None:
    env = _aws_env(access_key)
    created = _aws(env, "create-key", "--endpoint-url", server.url, "--key-spec", "SM4")
    meta = created["KeyMetadata"]
    assert meta["Arn"].startswith(f"arn:aws:kms:{REGION}:111122223333:key/")
    # AWS CLI v1 (awscli on PyPI) prints the wire's epoch seconds as they are.
    assert meta["KeySpec"] == "SM4" and isinstance(meta["CreationDate"], float)
    (tmp_path / "plain.bin").write_bytes(b"through the aws cli")
    blob = _aws(
        env,
        "encrypt",
        "--endpoint-url",
        server.url,
        "--key-id",
        meta["KeyId"],
        "--plaintext",
        f"fileb://{tmp_path / 'plain.bin'}",
        "--encryption-context",
        "purpose=cli",
    )["CiphertextBlob"]
    (tmp_path / "blob.bin").write_bytes(base64.b64decode(blob))
    opened = _aws(
        env,
        "decrypt",
        "--endpoint-url",
        server.url,
        "--ciphertext-blob",
        f"fileb://{tmp_path / 'blob.bin'}",
        "--encryption-context",
        "purpose=cli",
    )
    assert base64.b64decode(opened["Plaintext"]) == b"through the aws cli"


def test_aws_cli_with_the_endpoint_variable_and_its_errors(
    server: KmsServer, access_key: AccessKey
) -> None:
    env = _aws_env(access_key, AWS_ENDPOINT_URL_KMS=server.url)
    key_id = _aws(env, "create-key", "--key-spec", "ECC_NIST_P256", "--key-usage", "SIGN_VERIFY")[
        "KeyMetadata"
    ]["KeyId"]
    public = _aws(env, "get-public-key", "--key-id", key_id)
    assert public["KeySpec"] == "ECC_NIST_P256"
    proc = subprocess.run(
        [AWS, "kms", "describe-key", "--key-id", "alias/none"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 255  # AWS CLI v1's code for every error; v2 says 254
    assert "An error occurred (NotFoundException) when calling the DescribeKey operation" in (
        proc.stderr
    )
    # kmskit kms prints the same line for the same error on the local keystore.
    local = kmskit("kms", "describe-key", "--key-id", "alias/none", "--home", server.home)
    assert local.code == 254
    assert local.stderr.startswith(
        "An error occurred (NotFoundException) when calling the DescribeKey operation: "
    )


@pytest.fixture
def esdk_env(server: KmsServer, access_key: AccessKey) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        for name, value in _aws_env(access_key, AWS_ENDPOINT_URL_KMS=server.url).items():
            mp.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
            mp.delenv(name, raising=False)
        yield


def test_esdk_and_kmskit_keyring_through_the_server(
    server: KmsServer, kms: Any, esdk_env: None, tmp_path: Path
) -> None:
    arn = kms.create_key()["KeyMetadata"]["Arn"]
    provider = aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(
        key_ids=[arn], botocore_session=botocore.session.Session()
    )
    # The ESDK encrypts a file through the server, streaming, and decrypts it again.
    (tmp_path / "plain.bin").write_bytes(DATA)
    with (
        open(tmp_path / "plain.bin", "rb") as source,
        open(tmp_path / "esdk.msg", "wb") as sink,
        ESDK.stream(
            mode="e", source=source, key_provider=provider, encryption_context=CONTEXT
        ) as encryptor,
    ):
        for chunk in encryptor:
            sink.write(chunk)
    made_by_esdk = (tmp_path / "esdk.msg").read_bytes()
    plain, header = ESDK.decrypt(source=made_by_esdk, key_provider=provider)
    assert plain == DATA and header.encryption_context["purpose"] == CONTEXT["purpose"]

    # kmskit's aws-kms keyring, pointed at the server, opens the ESDK's file ...
    spec = f"provider=aws-kms,key={arn},endpoint-url={server.url}"
    ok(
        kmskit(
            "decrypt", tmp_path / "esdk.msg", "-o", tmp_path / "esdk.out", "--wrapping-key", spec
        )
    )
    assert (tmp_path / "esdk.out").read_bytes() == DATA
    # ... and the ESDK opens kmskit's.
    ok(
        kmskit(
            "encrypt",
            tmp_path / "plain.bin",
            "-o",
            tmp_path / "kmskit.msg",
            "--wrapping-key",
            spec,
            "-c",
            "purpose=serve interop",
        )
    )
    opened, _ = ESDK.decrypt(source=(tmp_path / "kmskit.msg").read_bytes(), key_provider=provider)
    assert opened == DATA
