"""The documented formats, checked from outside: a blob and a sealed material row are opened
by hand with `cryptography` from the byte layouts in docs/keystore.md, with the context
serialized by the AWS Encryption SDK. Tampering and malformed blobs never escape as anything
but InvalidCiphertextException."""

from __future__ import annotations

import hashlib
import sqlite3
import struct
import uuid
from pathlib import Path

import pytest
from aws_encryption_sdk.internal.formatting.encryption_context import (
    serialize_encryption_context as esdk_serialize,
)
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmskit.keystore import Keystore, open_keystore
from kmskit.keystore.blob import parse_blob
from kmskit.offline.errors import InvalidCiphertextException, KeystoreError, ValidationException

CONTEXT = {"tenant": "acme", "Zeta": "ω"}


def _material_by_hand(home: Path, key_id: str, material_id: int) -> bytes:
    """docs/keystore.md#master-key-and-sealing: nonce ‖ AES-256-GCM(master, AAD =
    "kmskit-material-v1" ‖ key id (16) ‖ material id (uint32 BE))."""
    master = (home / "master.key").read_bytes()
    conn = sqlite3.connect(home / "keystore.db")
    try:
        (sealed,) = conn.execute(
            "SELECT sealed FROM materials WHERE key_id = ? AND material_id = ?",
            (key_id, material_id),
        ).fetchone()
    finally:
        conn.close()
    aad = b"kmskit-material-v1" + uuid.UUID(key_id).bytes + struct.pack(">I", material_id)
    return AESGCM(master).decrypt(sealed[:12], sealed[12:], aad)


def test_aes_blob_opens_by_hand_from_the_documented_layout(ks: Keystore, home: Path) -> None:
    key = ks.create_key()
    plaintext = b"documented layout"
    blob = ks.encrypt(key.key_id, plaintext, encryption_context=CONTEXT).ciphertext_blob
    assert blob[0] == 0x01
    assert blob[1:17] == uuid.UUID(key.key_id).bytes
    (material_id,) = struct.unpack(">I", blob[17:21])
    assert material_id == 1
    iv, body = blob[21:33], blob[33:]
    material = _material_by_hand(home, key.key_id, material_id)
    assert len(material) == 32
    aad = blob[:33] + esdk_serialize(CONTEXT)
    assert AESGCM(material).decrypt(iv, body, aad) == plaintext
    # and the KeyMaterialId the responses print is the documented hash
    expected_id = hashlib.sha256(
        b"kmskit-key-material-id-v1" + uuid.UUID(key.key_id).bytes + struct.pack(">I", 1)
    ).hexdigest()
    assert ks.describe_key(key.key_id).current_key_material_id == expected_id
    assert ks.decrypt(blob, encryption_context=CONTEXT).key_material_id == expected_id


def test_sm4_blob_opens_by_hand_with_sm4_gcm(ks: Keystore, home: Path) -> None:
    key = ks.create_key(key_spec="SM4")
    data_key = ks.generate_data_key(key.key_id, encryption_context=CONTEXT)
    assert data_key.plaintext is not None
    blob = data_key.ciphertext_blob
    material = _material_by_hand(home, key.key_id, 1)
    assert len(material) == 16
    ciphertext, tag = blob[33:-16], blob[-16:]
    decryptor = Cipher(algorithms.SM4(material), modes.GCM(blob[21:33], tag)).decryptor()
    decryptor.authenticate_additional_data(blob[:33] + esdk_serialize(CONTEXT))
    assert decryptor.update(ciphertext) + decryptor.finalize() == bytes(data_key.plaintext)


def test_an_empty_context_adds_no_aad_bytes(ks: Keystore, home: Path) -> None:
    key = ks.create_key()
    blob = ks.encrypt(key.key_id, b"no context").ciphertext_blob
    material = _material_by_hand(home, key.key_id, 1)
    assert AESGCM(material).decrypt(blob[21:33], blob[33:], blob[:33]) == b"no context"


def test_the_check_value_is_documented(ks: Keystore, home: Path) -> None:
    conn = sqlite3.connect(home / "keystore.db")
    try:
        (check,) = conn.execute("SELECT value FROM meta WHERE name = 'check'").fetchone()
    finally:
        conn.close()
    master = (home / "master.key").read_bytes()
    opened = AESGCM(master).decrypt(check[:12], check[12:], b"kmskit-check-v1")
    assert opened == b"kmskit master key check value"


def test_every_single_bit_flip_is_invalid_ciphertext(ks: Keystore) -> None:
    key = ks.create_key()
    blob = ks.encrypt(key.key_id, b"tamper", encryption_context=CONTEXT).ciphertext_blob
    for position in range(len(blob)):
        for bit in range(8):
            tampered = bytearray(blob)
            tampered[position] ^= 1 << bit
            with pytest.raises(InvalidCiphertextException):
                ks.decrypt(bytes(tampered), encryption_context=CONTEXT)
    assert bytes(ks.decrypt(blob, encryption_context=CONTEXT).plaintext) == b"tamper"


@pytest.fixture(scope="module")
def tamper_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Keystore, bytes]:
    store = open_keystore(tmp_path_factory.mktemp("tamper"))
    key = store.create_key()
    return store, store.encrypt(key.key_id, b"x" * 20).ciphertext_blob


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_mutations_are_invalid_ciphertext(
    tamper_store: tuple[Keystore, bytes], data: st.DataObject
) -> None:
    store, blob = tamper_store
    choice = data.draw(st.sampled_from(["replace", "truncate", "extend", "splice"]))
    mutated = bytearray(blob)
    if choice == "replace":
        position = data.draw(st.integers(0, len(blob) - 1))
        value = data.draw(st.integers(0, 255).filter(lambda v: v != blob[position]))
        mutated[position] = value
    elif choice == "truncate":
        mutated = mutated[: data.draw(st.integers(1, len(blob) - 1))]
    elif choice == "extend":
        mutated += data.draw(st.binary(min_size=1, max_size=64))
    else:
        start = data.draw(st.integers(0, len(blob) - 1))
        chunk = data.draw(st.binary(min_size=1, max_size=8))
        mutated[start : start + len(chunk)] = chunk
        if bytes(mutated) == blob:
            return
    with pytest.raises(InvalidCiphertextException):
        store.decrypt(bytes(mutated))


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=120) | st.binary(min_size=48, max_size=90).map(lambda b: b"\x01" + b))
def test_parse_blob_raises_only_invalid_ciphertext(data: bytes) -> None:
    try:
        parsed = parse_blob(data)
    except InvalidCiphertextException:
        return
    assert parsed.header == data[:33] and parsed.ciphertext_and_tag == data[33:]


@pytest.mark.parametrize("value", ["a string", 12, None, [1, 2]])
def test_parse_blob_refuses_non_bytes(value: object) -> None:
    with pytest.raises(InvalidCiphertextException):
        parse_blob(value)


def test_blobs_over_6144_bytes_are_refused(ks: Keystore) -> None:
    key = ks.create_key()
    blob = ks.encrypt(key.key_id, b"x").ciphertext_blob
    oversized = blob + bytes(6145 - len(blob))
    assert len(oversized) == 6145
    with pytest.raises(ValidationException):
        ks.decrypt(oversized)
    with pytest.raises(ValidationException):
        ks.re_encrypt(oversized, key.key_id)
    with pytest.raises(InvalidCiphertextException):
        parse_blob(oversized)
    assert parse_blob(oversized[:6144]).material_id == 1  # 6144 itself parses
    with pytest.raises(ValidationException):
        ks.decrypt(b"")
    largest = ks.encrypt(key.key_id, b"y" * 4096).ciphertext_blob
    assert len(largest) <= 6144


def test_a_sealed_row_moved_to_another_key_does_not_open(ks: Keystore, home: Path) -> None:
    first = ks.create_key()
    second = ks.create_key()
    blob = ks.encrypt(second.key_id, b"x").ciphertext_blob
    conn = sqlite3.connect(home / "keystore.db")
    try:
        (sealed,) = conn.execute(
            "SELECT sealed FROM materials WHERE key_id = ?", (first.key_id,)
        ).fetchone()
        conn.execute("UPDATE materials SET sealed = ? WHERE key_id = ?", (sealed, second.key_id))
        conn.commit()
    finally:
        conn.close()
    with pytest.raises(KeystoreError):
        ks.decrypt(blob)
