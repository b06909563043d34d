"""``kmskit encrypt --format aliyun``; ``decrypt`` and ``inspect`` tell the formats apart.

The format itself is pinned in tests/envelope/test_aliyun_format.py and against Alibaba's
SDK in tests/interop/test_aliyun_esdk.py; here: the flags, detection, the keystore and raw
AES keyrings as kmskit extensions, and the failure contract (one line, nothing left).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli._envelope import AES, DATA, failed, write_inputs
from tests.cli._keys import listing
from tests.cli._runner import kmskit, ok

EXIT_FAILED = 1
EXIT_USAGE = 2


@pytest.fixture(autouse=True)
def files(work: Path) -> Path:
    write_inputs()
    return work


@pytest.mark.parametrize(
    ("flags", "name", "ident"),
    [
        ([], "AES_GCM_NOPADDING_256", 2),
        (["--algorithm", "SM4_GCM"], "SM4_GCM_NOPADDING_128", 9),
        (["--algorithm", "AES_GCM_128"], "AES_GCM_NOPADDING_128", 1),
    ],
)
def test_raw_aes_round_trip(flags: list[str], name: str, ident: int, work: Path) -> None:
    ok(
        kmskit(
            "encrypt", "data.bin", "-o", "m", "--format", "aliyun", *flags,
            "--wrapping-key", AES, "-c", "app=test",
        )
    )  # fmt: skip
    assert (work / "m").read_bytes()[:1] == b"\x30"
    head = ok(kmskit("inspect", "m")).json()
    assert head["MessageFormat"] == "aliyun-encryption-sdk"
    assert (head["Algorithm"], head["AlgorithmId"]) == (name, ident)
    assert head["EncryptionContext"] == {"app": "test"}
    [edk] = head["EncryptedDataKeys"]
    assert (edk["Kind"], edk["ProviderId"], edk["KeyName"]) == ("kmskit extension", "ns", "aes-key")
    ok(kmskit("decrypt", "m", "-o", "out", "--wrapping-key", AES, "-c", "app=test"))
    assert (work / "out").read_bytes() == DATA
    out = kmskit("decrypt", "m", "-o", "-", "--wrapping-key", AES)
    assert out.code == 0 and out.stdout == DATA


def test_keystore_keyring_and_base64(tmp_path: Path, work: Path) -> None:
    env: dict[str, str | None] = {"KMSKIT_HOME": str(tmp_path / "home"), "KMSKIT_PASSPHRASE": None}
    arn = ok(kmskit("kms", "create-key", env=env)).json()["KeyMetadata"]["Arn"]
    spec = f"key={arn}"
    ok(
        kmskit(
            "encrypt", "data.bin", "-o", "m", "--format", "aliyun", "--algorithm", "SM4_GCM",
            "--wrapping-key", spec, "--encode", env=env,
        )
    )  # fmt: skip
    head = ok(kmskit("inspect", "m", "--decode")).json()
    [edk] = head["EncryptedDataKeys"]
    assert (edk["ProviderId"], edk["KeyName"]) == ("kmskit-keystore", arn)
    ok(kmskit("decrypt", "m", "--decode", "-o", "out", "--wrapping-key", spec, env=env))
    assert (work / "out").read_bytes() == DATA


def test_metadata_line_for_an_alibaba_message(work: Path) -> None:
    ok(kmskit("encrypt", "data.bin", "-o", "m", "--format", "aliyun", "--wrapping-key", AES))
    ok(
        kmskit(
            "decrypt", "m", "-o", "out", "--wrapping-key", AES,
            "--metadata-output", "meta.json", "--metadata-format", "aws",
        )
    )  # fmt: skip
    text = (work / "meta.json").read_text()
    assert '"MessageFormat": "aliyun-encryption-sdk"' in text
    assert f'"plaintext_length": {len(DATA)}' in text


def test_tampered_body_fails_and_leaves_nothing(work: Path) -> None:
    ok(kmskit("encrypt", "data.bin", "-o", "m", "--format", "aliyun", "--wrapping-key", AES))
    raw = bytearray((work / "m").read_bytes())
    raw[-100] ^= 1
    (work / "m").write_bytes(bytes(raw))
    before = set(listing(work))
    result = kmskit("decrypt", "m", "-o", "out", "--wrapping-key", AES)
    failed(result, EXIT_FAILED, "PayloadAuthenticationError", work, before)
    result = kmskit("decrypt", "m", "-o", "-", "--wrapping-key", AES)
    failed(result, EXIT_FAILED, "PayloadAuthenticationError", work, before)


def test_wrong_context_fails(work: Path) -> None:
    ok(kmskit("encrypt", "data.bin", "-o", "m", "--format", "aliyun", "--wrapping-key", AES))
    before = set(listing(work))
    result = kmskit("decrypt", "m", "-o", "out", "--wrapping-key", AES, "-c", "a=b")
    failed(result, EXIT_FAILED, "InvalidCiphertextException", work, before)


def test_algorithm_must_fit_the_format(work: Path) -> None:
    before = set(listing(work))
    result = kmskit(
        "encrypt", "data.bin", "-o", "m", "--algorithm", "SM4_GCM", "--wrapping-key", AES
    )  # fmt: skip
    assert "add --format aliyun" in failed(result, EXIT_USAGE, "UsageError", work, before)
    result = kmskit(
        "encrypt", "data.bin", "-o", "m", "--format", "aliyun",
        "--algorithm", "SM4_GCM_HKDF_SM3_COMMIT_KEY", "--wrapping-key", AES,
    )  # fmt: skip
    assert "not an Alibaba" in failed(result, EXIT_USAGE, "UsageError", work, before)
    result = kmskit(
        "encrypt", "data.bin", "-o", "m", "--format", "aliyun",
        "--required-context-key", "k", "-c", "k=v", "--wrapping-key", AES,
    )  # fmt: skip
    assert "--format esdk" in failed(result, EXIT_USAGE, "UsageError", work, before)
