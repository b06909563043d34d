"""Independent peers for the keystore tests: the ``openssl`` CLI and a by-hand blob opener
written from docs/keystore.md#blob (nothing from the code under test)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from aws_encryption_sdk.internal.formatting.encryption_context import (
    serialize_encryption_context as esdk_serialize,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kmskit.keystore import Keystore
from kmskit.offline import PublicKey, load_public_key

DEFAULT_ID = "1234567812345678"


def openssl(binary: str, *args: str | Path, stdin: bytes | None = None) -> bytes:
    """Run ``openssl``; fail the test (with its stderr) unless it exits 0."""
    proc = subprocess.run(
        [binary, *map(str, args)], input=stdin, capture_output=True, timeout=60, check=False
    )
    if proc.returncode != 0:
        pytest.fail(f"openssl {' '.join(map(str, args))}: {proc.stderr.decode()}")
    return proc.stdout


def openssl_status(binary: str, *args: str | Path) -> tuple[int, str]:
    """Exit status and combined output (for commands whose verdict is in the text)."""
    proc = subprocess.run([binary, *map(str, args)], capture_output=True, timeout=60, check=False)
    return proc.returncode, (proc.stdout + proc.stderr).decode()


def downloaded_public_key(ks: Keystore, key_id: str) -> PublicKey:
    """What a user gets from ``get-public-key`` JSON, read back by the offline loader."""
    return load_public_key(json.dumps(ks.get_public_key(key_id).to_response()).encode())


def write_public_pem(ks: Keystore, key_id: str, path: Path) -> Path:
    path.write_text(ks.get_public_key(key_id).to_pem())
    return path


def open_blob_by_hand(material: bytes, blob: bytes, context: dict[str, str]) -> bytes:
    """docs/keystore.md#blob: header (33 bytes) ‖ AES-256-GCM ciphertext ‖ tag, AAD = header ‖
    ESDK-serialized context."""
    aad = blob[:33] + (esdk_serialize(context) if context else b"")
    return AESGCM(material).decrypt(blob[21:33], blob[33:], aad)


def import_raw_material(
    ks: Keystore,
    key_id: str,
    material: bytes,
    *,
    wrapping_algorithm: str = "RSAES_OAEP_SHA_256",
    wrapping_key_spec: str = "RSA_2048",
    **import_args: object,
) -> None:
    """Import known material into an EXTERNAL key, wrapped by the offline layer for the
    keystore's wrapping public key (the OpenSSL recipe is tested in test_import.py)."""
    from kmskit.offline.key_import import wrap_key_material

    params = ks.get_parameters_for_import(
        key_id, wrapping_algorithm=wrapping_algorithm, wrapping_key_spec=wrapping_key_spec
    )
    wrapped = wrap_key_material(load_public_key(params.public_key), material, wrapping_algorithm)
    ks.import_key_material(
        key_id,
        import_token=params.import_token,
        encrypted_key_material=wrapped,
        **import_args,  # type: ignore[arg-type]
    )
