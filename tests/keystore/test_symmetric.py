"""Encrypt, Decrypt, ReEncrypt, GenerateDataKey*, GenerateRandom: limits and KMS errors."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from kmskit.keystore import Keystore
from kmskit.keystore._aead import gcm_decrypt, gcm_encrypt
from kmskit.offline.errors import (
    IncorrectKeyException,
    InvalidCiphertextException,
    NotFoundException,
    ValidationException,
)
from kmskit.offline.specs import KeySpec


@pytest.mark.parametrize("spec", ["SYMMETRIC_DEFAULT", "SM4"])
def test_encrypt_limits_and_round_trip(ks: Keystore, spec: str) -> None:
    key = ks.create_key(key_spec=spec)
    for size in (1, 4096):
        data = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
        result = ks.encrypt(key.key_id, data, encryption_context={"k": "v"})
        assert len(result.ciphertext_blob) == 33 + size + 16
        assert result.to_response()["KeyId"] == key.arn
        decrypted = ks.decrypt(result.ciphertext_blob, encryption_context={"k": "v"})
        assert bytes(decrypted.plaintext) == data
    for bad in (b"", b"x" * 4097):
        with pytest.raises(ValidationException):
            ks.encrypt(key.key_id, bad)


def test_bad_encryption_contexts_are_validation_errors(ks: Keystore) -> None:
    key = ks.create_key()
    for context in ({"": "v"}, {"k": 1}, ["k", "v"]):
        with pytest.raises(ValidationException):
            ks.encrypt(key.key_id, b"x", encryption_context=context)  # type: ignore[arg-type]
    with pytest.raises(ValidationException):
        ks.encrypt(key.key_id, b"x", encryption_algorithm="AES_GCM")


def test_decrypt_with_key_id(ks: Keystore) -> None:
    key = ks.create_key()
    other = ks.create_key()
    blob = ks.encrypt(key.key_id, b"secret").ciphertext_blob
    assert bytes(ks.decrypt(blob, key_id=key.arn).plaintext) == b"secret"
    with pytest.raises(IncorrectKeyException):
        ks.decrypt(blob, key_id=other.key_id)
    with pytest.raises(NotFoundException):
        ks.decrypt(blob, key_id="alias/nothing")
    with pytest.raises(ValidationException):
        ks.decrypt(blob, encryption_algorithm="RSAES_OAEP_SHA_256")  # needs KeyId


def test_re_encrypt(ks: Keystore) -> None:
    source = ks.create_key()
    destination = ks.create_key(key_spec="SM4")
    blob = ks.encrypt(source.key_id, b"move me", encryption_context={"a": "1"}).ciphertext_blob
    moved = ks.re_encrypt(
        blob,
        destination.arn,
        source_encryption_context={"a": "1"},
        destination_encryption_context={"b": "2"},
    )
    response = moved.to_response()
    assert response["SourceKeyId"] == source.arn and response["KeyId"] == destination.arn
    assert response["SourceEncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert "Plaintext" not in response
    assert bytes(ks.decrypt(moved.ciphertext_blob, encryption_context={"b": "2"}).plaintext) == (
        b"move me"
    )
    with pytest.raises(InvalidCiphertextException):
        ks.re_encrypt(blob, destination.key_id)  # source context missing
    with pytest.raises(IncorrectKeyException):
        ks.re_encrypt(
            blob, destination.key_id, source_encryption_context={"a": "1"},
            source_key_id=destination.key_id,
        )  # fmt: skip
    with pytest.raises(NotFoundException):
        ks.re_encrypt(blob, "alias/nowhere", source_encryption_context={"a": "1"})
    # same key, new context: what ReEncrypt is also for
    again = ks.re_encrypt(
        blob, source.key_id, source_encryption_context={"a": "1"},
        destination_encryption_context={"a": "2"},
    )  # fmt: skip
    assert bytes(ks.decrypt(again.ciphertext_blob, encryption_context={"a": "2"}).plaintext) == (
        b"move me"
    )


@pytest.mark.parametrize(
    ("spec", "kwargs", "length"),
    [
        ("SYMMETRIC_DEFAULT", {"key_spec": "AES_256"}, 32),
        ("SYMMETRIC_DEFAULT", {"key_spec": "AES_128"}, 16),
        ("SYMMETRIC_DEFAULT", {"number_of_bytes": 1}, 1),
        ("SYMMETRIC_DEFAULT", {"number_of_bytes": 64}, 64),
        ("SYMMETRIC_DEFAULT", {"number_of_bytes": 1024}, 1024),
        ("SM4", {}, 16),
        ("SM4", {"key_spec": "AES_256"}, 32),
        ("SM4", {"number_of_bytes": 24}, 24),
    ],
)
def test_data_key_sizes(ks: Keystore, spec: str, kwargs: dict[str, object], length: int) -> None:
    key = ks.create_key(key_spec=spec)
    result = ks.generate_data_key(key.key_id, **kwargs)  # type: ignore[arg-type]
    assert result.plaintext is not None and len(result.plaintext) == length
    assert bytes(ks.decrypt(result.ciphertext_blob).plaintext) == bytes(result.plaintext)
    bare = ks.generate_data_key_without_plaintext(key.key_id, **kwargs)  # type: ignore[arg-type]
    assert bare.plaintext is None and "Plaintext" not in bare.to_response()
    assert len(ks.decrypt(bare.ciphertext_blob).plaintext) == length


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"key_spec": "AES_256", "number_of_bytes": 32},
        {"key_spec": "AES_512"},
        {"number_of_bytes": 0},
        {"number_of_bytes": 1025},
        {"number_of_bytes": True},
    ],
)
def test_data_key_parameter_errors(ks: Keystore, kwargs: dict[str, object]) -> None:
    key = ks.create_key()
    with pytest.raises(ValidationException):
        ks.generate_data_key(key.key_id, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValidationException):
        ks.generate_data_key_without_plaintext(key.key_id, **kwargs)  # type: ignore[arg-type]


def test_generate_random_bounds(ks: Keystore) -> None:
    for size in (1, 1024):
        result = ks.generate_random(size)
        assert len(result.plaintext) == size
        assert len(base64.b64decode(result.to_response()["Plaintext"])) == size
    for bad in (0, 1025, -1, None, True):
        with pytest.raises(ValidationException):
            ks.generate_random(bad)
    assert ks.generate_random(32).plaintext != ks.generate_random(32).plaintext


def test_plaintext_results_hide_and_wipe_their_plaintext(ks: Keystore) -> None:
    key = ks.create_key()
    marker = b"SHOULD-NOT-BE-IN-REPR"
    decrypted = ks.decrypt(ks.encrypt(key.key_id, marker).ciphertext_blob)
    data_key = ks.generate_data_key(key.key_id, key_spec="AES_256")
    random = ks.generate_random(16)
    for result in (decrypted, data_key, random):
        assert "plaintext" not in repr(result)
        assert result.plaintext is not None
        secret = bytes(result.plaintext)
        assert repr(secret)[2:-1] not in repr(result)
        buffer = result.plaintext
        result.wipe()
        assert buffer == bytearray()
        with pytest.raises(ValueError):
            result.to_response()


def test_injected_rng_is_the_only_randomness(home: Path) -> None:
    """With a counter rng the data key is exactly the bytes the rng produced."""
    import itertools

    from kmskit.keystore import open_keystore

    counter = itertools.count()

    def rng(n: int) -> bytes:
        return bytes(next(counter) % 256 for _ in range(n))

    with open_keystore(home, rng=rng) as ks:
        key = ks.create_key()
        before = next(counter)
        data_key = ks.generate_data_key(key.key_id, number_of_bytes=4)
        assert data_key.plaintext == bytearray((before + 1 + i) % 256 for i in range(4))


# -- the GCM primitive against published vectors ------------------------------------------


def test_sm4_gcm_matches_rfc_8998_appendix_a1() -> None:
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    iv = bytes.fromhex("00001234567800000000ABCD")
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plaintext = bytes.fromhex(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
        "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
    )
    expected = bytes.fromhex(
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
        "83DE3541E4C2B58177E065A9BF7B62EC"  # tag
    )
    assert gcm_encrypt(KeySpec.SM4, key, iv, plaintext, aad) == expected
    assert gcm_decrypt(KeySpec.SM4, bytearray(key), iv, expected, aad) == plaintext
    with pytest.raises(InvalidCiphertextException):
        gcm_decrypt(KeySpec.SM4, key, iv, expected, aad[:-1])


def test_aes_gcm_matches_nist_gcm_test_case_16() -> None:
    # McGrew & Viega, "The Galois/Counter Mode of Operation", test case 16 (AES-256, AAD).
    key = bytes.fromhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
    iv = bytes.fromhex("cafebabefacedbaddecaf888")
    aad = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
    plaintext = bytes.fromhex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
    )
    expected = bytes.fromhex(
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
        "76fc6ece0f4e1768cddf8853bb2d551b"  # tag
    )
    assert gcm_encrypt(KeySpec.SYMMETRIC_DEFAULT, key, iv, plaintext, aad) == expected
    assert gcm_decrypt(KeySpec.SYMMETRIC_DEFAULT, key, iv, expected, aad) == plaintext
