"""The command line against ``aws-encryption-sdk`` (Python) as a peer.

Issue 6's "done when": a file encrypted by ``kmskit encrypt`` with a raw AES or RSA wrapping
key decrypts with the ESDK, and the reverse. Also: ``--encode`` output is what the ESDK
reads once base64-decoded, and ``kmskit rewrap`` of an ESDK message (framed and
non-framed) gives a message the ESDK decrypts with the added key. The library-level
interop matrix is tests/interop/test_envelope_esdk.py.
"""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path
from typing import Any

import aws_encryption_sdk
import pytest
from aws_encryption_sdk import CommitmentPolicy
from aws_encryption_sdk.identifiers import Algorithm, EncryptionKeyType, WrappingAlgorithm
from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
from aws_encryption_sdk.key_providers.raw import RawMasterKey

from kmskit.envelope import inspect
from kmskit.offline.keys import load_private_key
from tests.cli._runner import kmskit, ok
from tests.envelope._helpers import rsa_private_pem

CLIENT = aws_encryption_sdk.EncryptionSDKClient(
    commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT
)
DATA = os.urandom(100_000)
CONTEXT = {"purpose": "cli interop"}


def _aes(key: bytes, name: str) -> RawMasterKey:
    wrapping = WrappingKey(
        WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING, key, EncryptionKeyType.SYMMETRIC
    )
    return RawMasterKey(provider_id="ns", key_id=name.encode(), wrapping_key=wrapping)


def _spec(path: Path, name: str) -> str:
    return f"provider=raw-aes,namespace=ns,name={name},key-file={path}"


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "data.bin").write_bytes(DATA)
    (tmp_path / "k1").write_bytes(bytes(range(32)))
    (tmp_path / "k2").write_bytes(bytes(range(32, 64)))
    return tmp_path


@pytest.mark.parametrize(
    "suite", ["AES_256_GCM_HKDF_SHA512_COMMIT_KEY", "AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384"]
)
def test_cli_raw_aes_both_directions(files: Path, suite: str) -> None:
    ok(
        kmskit(
            "encrypt",
            files / "data.bin",
            "-o",
            files / "m",
            "--algorithm",
            suite,
            "--wrapping-key",
            _spec(files / "k1", "aes-1"),
            "-c",
            "purpose=cli interop",
        )
    )
    plaintext, header = CLIENT.decrypt(
        source=(files / "m").read_bytes(), key_provider=_aes(bytes(range(32)), "aes-1")
    )
    assert bytes(plaintext) == DATA
    assert header.encryption_context["purpose"] == "cli interop"
    theirs, _ = CLIENT.encrypt(
        source=DATA,
        key_provider=_aes(bytes(range(32)), "aes-1"),
        encryption_context=CONTEXT,
        algorithm=Algorithm[suite],
    )
    (files / "theirs").write_bytes(bytes(theirs))
    ok(
        kmskit(
            "decrypt",
            files / "theirs",
            "-o",
            files / "out",
            "-c",
            "purpose=cli interop",
            "--wrapping-key",
            _spec(files / "k1", "aes-1"),
        )
    )
    assert (files / "out").read_bytes() == DATA


def test_cli_rsa_and_encode(files: Path) -> None:
    pem = rsa_private_pem()
    (files / "rsa.key").write_bytes(pem)
    (files / "rsa.pub").write_text(load_private_key(pem).public_key().spki_pem())
    spec = f"provider=raw-rsa,namespace=esdk-rsa,name=rsa-key,public-key={files / 'rsa.pub'}"
    ok(
        kmskit(
            "encrypt", files / "data.bin", "-o", files / "m.b64", "--encode", "--wrapping-key", spec
        )
    )
    message = base64.b64decode((files / "m.b64").read_bytes(), validate=True)
    wrapping = WrappingKey(WrappingAlgorithm.RSA_OAEP_SHA256_MGF1, pem, EncryptionKeyType.PRIVATE)
    key = RawMasterKey(provider_id="esdk-rsa", key_id=b"rsa-key", wrapping_key=wrapping)
    plaintext, _ = CLIENT.decrypt(source=message, key_provider=key)
    assert bytes(plaintext) == DATA


@pytest.mark.parametrize("frame_length", [0, 4096], ids=["non-framed", "framed"])
def test_cli_rewrap_of_an_esdk_message(files: Path, frame_length: int) -> None:
    theirs, _ = CLIENT.encrypt(
        source=DATA,
        key_provider=_aes(bytes(range(32)), "aes-1"),
        encryption_context=CONTEXT,
        algorithm=Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
        frame_length=frame_length,
    )
    (files / "theirs").write_bytes(bytes(theirs))
    ok(
        kmskit(
            "rewrap",
            files / "theirs",
            "-o",
            files / "rewrapped",
            "--wrapping-key",
            _spec(files / "k1", "aes-1"),
            "--add-wrapping-key",
            _spec(files / "k2", "aes-2"),
            "--remove-wrapping-key",
            "aes-1",
        )
    )
    rewrapped, original = (files / "rewrapped").read_bytes(), bytes(theirs)
    new_head, old_head = inspect(io.BytesIO(rewrapped)), inspect(io.BytesIO(original))
    assert new_head.framed is (frame_length != 0)
    assert rewrapped[new_head.header_length :] == original[old_head.header_length :]
    plaintext, header = CLIENT.decrypt(
        source=rewrapped, key_provider=_aes(bytes(range(32, 64)), "aes-2")
    )
    assert bytes(plaintext) == DATA
    assert dict(header.encryption_context) == CONTEXT
    with pytest.raises(aws_encryption_sdk.exceptions.AWSEncryptionSDKClientError):
        CLIENT.decrypt(source=rewrapped, key_provider=_aes(bytes(range(32)), "aes-1"))


@pytest.mark.parametrize(
    "suite", ["AES_256_GCM_HKDF_SHA512_COMMIT_KEY", "AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384"]
)
def test_cli_files_on_worker_threads_against_the_esdk(
    files: Path, suite: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file large enough for envelope/_parallel_frames.py, with two workers forced on: the
    ESDK reads what the workers sealed, and the workers open what the ESDK wrote."""
    import kmskit.envelope._parallel_frames as parallel
    import kmskit.envelope.decryption as decryption
    import kmskit.envelope.encryption as encryption

    seen: list[str] = []
    for module, name in ((encryption, "seal_regular_frames"), (decryption, "open_regular_frames")):
        real = getattr(parallel, name)

        def spy(job: parallel.FrameJob, _real: Any = real, _name: str = name) -> object:
            seen.append(_name)
            return _real(job)

        monkeypatch.setattr(module, name, spy)
    monkeypatch.setattr(parallel, "worker_count", lambda: 2)
    big = os.urandom(parallel.MIN_PARALLEL_BYTES + 3 * 65536 + 11)
    (files / "big").write_bytes(big)
    ok(
        kmskit(
            "encrypt", files / "big", "-o", files / "m", "--algorithm", suite,
            "--wrapping-key", _spec(files / "k1", "aes-1"), "-c", "purpose=cli interop",
        )
    )  # fmt: skip
    plaintext, _ = CLIENT.decrypt(
        source=(files / "m").read_bytes(), key_provider=_aes(bytes(range(32)), "aes-1")
    )
    assert bytes(plaintext) == big
    theirs, _ = CLIENT.encrypt(
        source=big,
        key_provider=_aes(bytes(range(32)), "aes-1"),
        encryption_context=CONTEXT,
        algorithm=Algorithm[suite],
        frame_length=65536,
    )
    (files / "theirs").write_bytes(bytes(theirs))
    ok(
        kmskit(
            "decrypt", files / "theirs", "-o", files / "out", "-c", "purpose=cli interop",
            "--wrapping-key", _spec(files / "k1", "aes-1"),
        )
    )  # fmt: skip
    assert (files / "out").read_bytes() == big
    assert seen == ["seal_regular_frames", "open_regular_frames"]
