"""aws-encryption-cli spellings and the round-two envelope flags on ``kmskit encrypt|decrypt``.

``-c a=1 b=2`` and ``-w k=v …`` (several values after one flag), ``--commitment-policy``
(format version 1 through the CLI, and the refusal that names the flag),
``--required-context-key``, ``-S``, and ``--metadata-output`` in aws-encryption-cli's
shape, compared with what the ESDK itself reports for the same message.
"""

from __future__ import annotations

import base64
import io
import json
import os
from pathlib import Path
from typing import Any

import attr
import aws_encryption_sdk
import pytest
from aws_encryption_sdk import CommitmentPolicy as EsdkPolicy
from aws_encryption_sdk.identifiers import Algorithm, EncryptionKeyType, WrappingAlgorithm
from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
from aws_encryption_sdk.key_providers.raw import RawMasterKey

from kmskit.envelope import inspect
from tests.cli._envelope import AES, AES2, AES_KEY, DATA, failed, write_inputs
from tests.cli._keys import listing
from tests.cli._runner import assert_one_line_error, kmskit, ok

AES_GROUP = ["provider=raw-aes", "namespace=ns", "name=aes-key", "key-file=aes.key"]


@pytest.fixture(autouse=True)
def files(work: Path) -> Path:
    write_inputs()
    return work


def _esdk_key() -> RawMasterKey:
    wrapping = WrappingKey(
        WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING, AES_KEY, EncryptionKeyType.SYMMETRIC
    )
    return RawMasterKey(provider_id="ns", key_id=b"aes-key", wrapping_key=wrapping)


def test_several_context_pairs_after_one_flag_and_in_before_or_after(work: Path) -> None:
    ok(kmskit("encrypt", "-c", "a=1", "b=2", "data.bin", "-o", "m1", "--wrapping-key", AES))
    ok(kmskit("encrypt", "data.bin", "-o", "m2", "-c", "a=1", "b=2", "--wrapping-key", AES))
    ok(kmskit("encrypt", "data.bin", "-o", "m3", "-c", "a=1", "-c", "b=2", "--wrapping-key", AES))
    for name in ("m1", "m2", "m3"):
        context = inspect(io.BytesIO((work / name).read_bytes())).encryption_context
        assert dict(context) == {"a": "1", "b": "2"}
    ok(kmskit("decrypt", "m1", "-o", "out", "-c", "b=2", "a=1", "--wrapping-key", AES))
    assert (work / "out").read_bytes() == DATA
    before = set(listing(work))
    result = kmskit("decrypt", "m1", "-o", "out2", "-c", "a=1", "b=3", "--wrapping-key", AES)
    assert "'b'" in failed(result, 1, "InvalidCiphertextException", work, before)


def test_wrapping_keys_groups_as_aws_encryption_cli_writes_them(work: Path) -> None:
    ok(
        kmskit(
            "encrypt", "data.bin", "-o", "m",
            "-w", *AES_GROUP,
            "--wrapping-keys", "provider=raw-aes", "namespace=ns", "name=aes-key-2",
            "key-file=aes2.key",
        )
    )  # fmt: skip
    edks = inspect(io.BytesIO((work / "m").read_bytes())).encrypted_data_keys
    assert [e.key_name for e in edks] == ["aes-key", "aes-key-2"]
    ok(kmskit("decrypt", "m", "-o", "out", "-w", *AES_GROUP))
    assert (work / "out").read_bytes() == DATA
    ok(kmskit("decrypt", "m", "-o", "out2", "--wrapping-key", AES2))
    # key= may repeat in one group: one wrapping key each, the other items shared.
    result = kmskit("encrypt", "data.bin", "-o", "m2", "-w", "provider=raw-aes", "key=a", "key=b")
    assert_one_line_error(result, 2, "UsageError")
    result = kmskit("encrypt", "data.bin", "-o", "m3")
    assert "--wrapping-key" in assert_one_line_error(result, 2, "UsageError")


def test_v1_message_through_the_cli(work: Path) -> None:
    client = aws_encryption_sdk.EncryptionSDKClient(
        commitment_policy=EsdkPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT
    )
    message, _ = client.encrypt(
        source=DATA,
        key_provider=_esdk_key(),
        algorithm=Algorithm.AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384,
        encryption_context={"a": "1"},
    )
    (work / "v1.msg").write_bytes(message)
    before = set(listing(work))
    result = kmskit("decrypt", "v1.msg", "-o", "out", "--wrapping-key", AES)
    text = failed(result, 1, "UnsupportedMessage", work, before)
    assert "--commitment-policy REQUIRE_ENCRYPT_ALLOW_DECRYPT" in text
    ok(kmskit("decrypt", "v1.msg", "-o", "out", "--wrapping-key", AES,
              "--commitment-policy", "REQUIRE_ENCRYPT_ALLOW_DECRYPT"))  # fmt: skip
    assert (work / "out").read_bytes() == DATA
    # aws-encryption-cli's spelling of the policy works too.
    ok(kmskit("decrypt", "v1.msg", "-o", "out2", "--wrapping-key", AES,
              "--commitment-policy", "forbid-encrypt-allow-decrypt"))  # fmt: skip
    assert (work / "out2").read_bytes() == DATA
    result = kmskit("decrypt", "v1.msg", "-o", "out3", "--wrapping-key", AES,
                    "--commitment-policy", "allow-everything")  # fmt: skip
    assert_one_line_error(result, 2, "UsageError")
    head = ok(kmskit("inspect", "v1.msg")).json()
    assert head["MessageFormatVersion"] == 1
    assert head["Algorithm"] == "AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384"
    # Encrypting never writes version 1.
    result = kmskit("encrypt", "data.bin", "-o", "m", "--wrapping-key", AES,
                    "--commitment-policy", "FORBID_ENCRYPT_ALLOW_DECRYPT")  # fmt: skip
    assert "never writes" in assert_one_line_error(result, 2, "ValidationException")
    result = kmskit("encrypt", "data.bin", "-o", "m", "--wrapping-key", AES,
                    "--algorithm", "AES_256_GCM_IV12_TAG16_HKDF_SHA256")  # fmt: skip
    assert_one_line_error(result, 2, "UsageError")


def test_required_context_key_through_the_cli(work: Path) -> None:
    ok(kmskit("encrypt", "data.bin", "-o", "m", "--wrapping-key", AES, "-c", "a=1", "t=x",
              "--required-context-key", "t"))  # fmt: skip
    assert dict(inspect(io.BytesIO((work / "m").read_bytes())).encryption_context) == {"a": "1"}
    before = set(listing(work))
    failed(kmskit("decrypt", "m", "-o", "out", "--wrapping-key", AES), 1,
           "InvalidCiphertextException", work, before)  # fmt: skip
    ok(kmskit("decrypt", "m", "-o", "out", "--wrapping-key", AES, "-c", "t=x"))
    assert (work / "out").read_bytes() == DATA
    result = kmskit("encrypt", "data.bin", "-o", "m2", "--wrapping-key", AES,
                    "--required-context-key", "nope")  # fmt: skip
    assert "'nope'" in assert_one_line_error(result, 2, "ValidationException")


def test_suppress_metadata(work: Path) -> None:
    ok(kmskit("encrypt", "data.bin", "-o", "m", "--wrapping-key", AES, "-S"))
    result = kmskit("encrypt", "data.bin", "-o", "m2", "--wrapping-key", AES, "-S",
                    "--metadata-output", "meta")  # fmt: skip
    assert_one_line_error(result, 2, "UsageError")
    assert not (work / "meta").exists()


def _json_ready(header: Any) -> dict[str, Any]:
    """The ESDK's header made JSON-ready the way aws-encryption-cli documents it."""
    d = attr.asdict(header, recurse=False)
    v1 = header.version.value == 1
    edks = sorted(
        header.encrypted_data_keys,
        key=lambda e: e.key_provider.provider_id.encode() + e.key_provider.key_info,
    )
    return {
        "version": f"{header.version.value}.0",
        "algorithm": header.algorithm.name,
        "message_id": base64.b64encode(d["message_id"]).decode(),
        "encryption_context": dict(header.encryption_context),
        "encrypted_data_keys": [
            {
                "key_provider": {
                    "provider_id": base64.b64encode(e.key_provider.provider_id.encode()).decode(),
                    "key_info": base64.b64encode(e.key_provider.key_info).decode(),
                },
                "encrypted_data_key": base64.b64encode(e.encrypted_data_key).decode(),
            }
            for e in edks
        ],
        "content_type": header.content_type.value,
        "frame_length": header.frame_length,
        "type": header.type.value if v1 else None,
        "header_iv_length": header.header_iv_length if v1 else None,
        "commitment_key": (
            base64.b64encode(header.commitment_key).decode() if header.commitment_key else None
        ),
    }


@pytest.mark.parametrize("v1", [False, True], ids=["v2", "v1"])
def test_metadata_in_aws_encryption_cli_shape(work: Path, v1: bool) -> None:
    policy = (
        EsdkPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT if v1 else EsdkPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT
    )
    client = aws_encryption_sdk.EncryptionSDKClient(commitment_policy=policy)
    if v1:
        message, _ = client.encrypt(source=DATA, key_provider=_esdk_key(),
                                    algorithm=Algorithm.AES_128_GCM_IV12_TAG16,
                                    encryption_context={"k": "v"})  # fmt: skip
    else:
        ok(kmskit("encrypt", "data.bin", "-o", "m", "--wrapping-key", AES, "--wrapping-key",
                  AES2, "-c", "k=v", "--metadata-output", "enc.jsonl",
                  "--metadata-format", "aws"))  # fmt: skip
        message = (work / "m").read_bytes()
    (work / "m").write_bytes(message)
    ok(kmskit("decrypt", "m", "-o", "out", "--wrapping-key", AES, "--metadata-output",
              "dec.jsonl", "--metadata-format", "aws", "--commitment-policy",
              "REQUIRE_ENCRYPT_ALLOW_DECRYPT"))  # fmt: skip
    line = json.loads((work / "dec.jsonl").read_text())
    with client.stream(mode="d", source=io.BytesIO(message), key_provider=_esdk_key()) as s:
        s.read()
        expected_header = _json_ready(s.header)
        expected_auth = {
            "iv": base64.b64encode(s.header_auth.iv).decode(),
            "tag": base64.b64encode(s.header_auth.tag).decode(),
        }
    assert line == {
        "mode": "decrypt",
        "input": os.path.abspath("m"),
        "output": os.path.abspath("out"),
        "header": expected_header,
        "header_auth": expected_auth,
    }
    if not v1:
        enc = json.loads((work / "enc.jsonl").read_text())
        assert enc["mode"] == "encrypt" and "header_auth" not in enc
        assert enc["header"] == expected_header


def test_several_keys_in_one_wrapping_keys_group(tmp_path: Path, work: Path) -> None:
    """``-w key=A key=B`` (aws-encryption-cli's way of naming two keys of one provider)
    wraps for each; here two keys of the local keystore, the provider kmskit defaults to."""
    env: dict[str, str | None] = {"KMSKIT_HOME": str(tmp_path / "home"), "KMSKIT_PASSPHRASE": None}
    arns = [ok(kmskit("kms", "create-key", env=env)).json()["KeyMetadata"]["Arn"] for _ in "ab"]
    ok(kmskit("encrypt", "data.bin", "-o", "m", "-w", f"key={arns[0]}", f"key={arns[1]}",
              "-c", "a=1", env=env))  # fmt: skip
    edks = inspect(io.BytesIO((work / "m").read_bytes())).encrypted_data_keys
    assert [(e.provider_id, e.key_name) for e in edks] == [("kmskit-keystore", a) for a in arns]
    for arn in arns:  # either key alone decrypts
        ok(kmskit("decrypt", "m", "-o", "out", "--overwrite", "-w", f"key={arn}", "-c", "a=1",
                  env=env))  # fmt: skip
        assert (work / "out").read_bytes() == DATA
