"""Keyrings: EDK layouts, the "not mine" contract, refusals, and recipient ciphertexts that
are exactly what KMS Decrypt unwraps (checked with offline.encryption.decrypt, the same
code the offline CLI and the moto interop tests check against KMS)."""

from __future__ import annotations

import json
import struct
from base64 import b64encode
from collections.abc import Mapping

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from kmskit.envelope import decrypt, encrypt
from kmskit.envelope.keyrings import (
    EncryptedDataKey,
    Keyring,
    MultiKeyring,
    RawAesKeyring,
    RsaKeyring,
    Sm2Keyring,
)
from kmskit.offline import encryption, sm2
from kmskit.offline.errors import (
    InvalidCiphertextException,
    InvalidKeyUsageException,
    KeyringMismatch,
    NoMatchingKeyringError,
    ValidationException,
)
from kmskit.offline.keys import load_private_key
from tests.envelope._helpers import RefusingKeyring, aes_keyring, rsa_private_pem, sm2_private_key

DATA_KEY = bytes(range(100, 132))
CONTEXT = {"tenant": "a", "aws-crypto-public-key": "AwSYCmQ862neJEIAEOXs4jTb"}


def _rsa_public_json(usage: str) -> bytes:
    public = load_private_key(rsa_private_pem()).public_key()
    return json.dumps(
        {
            "KeyId": "arn:aws:kms:us-east-1:111122223333:key/1234",
            "PublicKey": b64encode(public.spki_der()).decode(),
            "KeySpec": "RSA_2048",
            "KeyUsage": usage,
        }
    ).encode()


# -- raw AES --------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [16, 24, 32])
def test_raw_aes_layout(size: int) -> None:
    keyring = RawAesKeyring("ns", "name", b"\x07" * size)
    edk = keyring.wrap(DATA_KEY, CONTEXT)
    assert edk.provider_id == "ns"
    assert edk.provider_info[:4] == b"name"
    assert edk.provider_info[4:12] == struct.pack(">II", 128, 12)
    assert len(edk.provider_info) == 4 + 8 + 12
    assert len(edk.ciphertext) == 32 + 16
    assert keyring.unwrap(edk, CONTEXT) == DATA_KEY
    assert isinstance(keyring, Keyring)


def test_raw_aes_mismatch_and_failures() -> None:
    keyring = aes_keyring()
    edk = keyring.wrap(DATA_KEY, CONTEXT)
    with pytest.raises(KeyringMismatch, match="provider id"):
        RawAesKeyring("other", "key-1", bytes(32)).unwrap(edk, CONTEXT)
    with pytest.raises(KeyringMismatch, match="key-2"):
        aes_keyring("key-2").unwrap(edk, CONTEXT)
    with pytest.raises(KeyringMismatch):  # a name that extends ours is not ours
        aes_keyring("key-").unwrap(edk, CONTEXT)
    with pytest.raises(InvalidCiphertextException, match="does not decrypt"):
        aes_keyring(key=bytes(32)).unwrap(edk, CONTEXT)
    with pytest.raises(InvalidCiphertextException):
        keyring.unwrap(edk, {**CONTEXT, "tenant": "b"})


def test_raw_aes_refusals() -> None:
    with pytest.raises(ValidationException, match="16, 24 or 32"):
        RawAesKeyring("ns", "n", bytes(20))
    with pytest.raises(ValidationException, match="reserved"):
        RawAesKeyring("aws-kms", "n", bytes(32))
    with pytest.raises(ValidationException, match="key name"):
        RawAesKeyring("ns", "", bytes(32))
    assert "\\x00" not in repr(RawAesKeyring("ns", "n", bytes(32)))  # no key in repr


# -- RSA recipient --------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["RSAES_OAEP_SHA_256", "RSAES_OAEP_SHA_1"])
def test_rsa_edk_is_what_kms_decrypt_unwraps(algorithm: str) -> None:
    private = load_private_key(rsa_private_pem())
    keyring = RsaKeyring(
        "rsa", "kms-key", public_key=_rsa_public_json("ENCRYPT_DECRYPT"), algorithm=algorithm
    )
    edk = keyring.wrap(DATA_KEY, CONTEXT)
    assert (edk.provider_id, edk.provider_info) == ("rsa", b"kms-key")
    assert encryption.decrypt(private, edk.ciphertext, algorithm) == DATA_KEY
    h = hashes.SHA256() if algorithm.endswith("256") else hashes.SHA1()  # noqa: S303 (OAEP)
    oaep = padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None)
    assert private.key.decrypt(edk.ciphertext, oaep) == DATA_KEY  # type: ignore[union-attr]
    with pytest.raises(KeyringMismatch, match="no private key"):
        keyring.unwrap(edk, CONTEXT)
    full = RsaKeyring("rsa", "kms-key", private_key=rsa_private_pem(), algorithm=algorithm)
    assert full.unwrap(edk, CONTEXT) == DATA_KEY


def test_rsa_accepts_every_public_key_format() -> None:
    private = load_private_key(rsa_private_pem())
    der = private.public_key().spki_der()
    for form in (der, b64encode(der), private.public_key().spki_pem().encode()):
        edk = RsaKeyring("rsa", "k", public_key=form).wrap(DATA_KEY, {})
        assert encryption.decrypt(private, edk.ciphertext, "RSAES_OAEP_SHA_256") == DATA_KEY


def test_rsa_refuses_a_sign_verify_key_unless_forced() -> None:
    with pytest.raises(InvalidKeyUsageException, match="SIGN_VERIFY"):
        RsaKeyring("rsa", "k", public_key=_rsa_public_json("SIGN_VERIFY"))
    forced = RsaKeyring("rsa", "k", public_key=_rsa_public_json("SIGN_VERIFY"), force=True)
    assert forced.wrap(DATA_KEY, {}).ciphertext


def test_rsa_refusals() -> None:
    with pytest.raises(ValidationException, match="RSAES_OAEP"):
        RsaKeyring("rsa", "k", private_key=rsa_private_pem(), algorithm="SM2PKE")
    with pytest.raises(InvalidKeyUsageException, match="SM2"):
        RsaKeyring("rsa", "k", public_key=sm2_private_key().public_key().spki_pem())
    with pytest.raises(ValueError, match="public key or a private key"):
        RsaKeyring("rsa", "k")


def test_rsa_wrong_private_key_is_fatal() -> None:
    edk = RsaKeyring("rsa", "k", private_key=rsa_private_pem()).wrap(DATA_KEY, {})
    other_key = rsa_private_pem.__wrapped__(2048)
    with pytest.raises(InvalidCiphertextException):
        RsaKeyring("rsa", "k", private_key=other_key).unwrap(edk, {})


# -- SM2 recipient --------------------------------------------------------------------------


def test_sm2_edk_is_sm2pke_der_as_kms_takes_it() -> None:
    key = sm2_private_key()
    pem = key.public_key().spki_pem()
    keyring = Sm2Keyring("sm2", "kms-sm2", public_key=pem)
    edk = keyring.wrap(DATA_KEY[:16], CONTEXT)
    assert edk.ciphertext[0] == 0x30  # GM/T 0009 DER SEQUENCE
    assert sm2.decrypt(key, edk.ciphertext) == DATA_KEY[:16]
    private = load_private_key(key.pkcs8_pem())
    assert encryption.decrypt(private, edk.ciphertext, "SM2PKE") == DATA_KEY[:16]
    full = Sm2Keyring("sm2", "kms-sm2", private_key=key.pkcs8_pem())
    assert full.unwrap(edk, CONTEXT) == DATA_KEY[:16]


def test_sm2_refuses_a_sign_verify_key_unless_forced() -> None:
    doc = json.dumps(
        {
            "PublicKey": b64encode(sm2_private_key().public_key().spki_der()).decode(),
            "KeySpec": "SM2",
            "KeyUsage": "SIGN_VERIFY",
        }
    ).encode()
    with pytest.raises(InvalidKeyUsageException, match="SIGN_VERIFY"):
        Sm2Keyring("sm2", "k", public_key=doc)
    assert Sm2Keyring("sm2", "k", public_key=doc, force=True).wrap(DATA_KEY, {}).ciphertext
    with pytest.raises(InvalidKeyUsageException):
        Sm2Keyring("sm2", "k", private_key=rsa_private_pem())


# -- multi-keyring ----------------------------------------------------------------------------


def test_multi_wraps_for_all_and_any_one_decrypts() -> None:
    rsa_pub = load_private_key(rsa_private_pem()).public_key().spki_pem().encode()
    sm2_pub = sm2_private_key().public_key().spki_pem()
    senders: list[Keyring] = [
        aes_keyring(),
        RsaKeyring("rsa", "r", public_key=rsa_pub),
        Sm2Keyring("sm2", "s", public_key=sm2_pub),
    ]
    message = encrypt(b"to three recipients", keyrings=senders)
    for receiver in (
        aes_keyring(),
        RsaKeyring("rsa", "r", private_key=rsa_private_pem()),
        Sm2Keyring("sm2", "s", private_key=sm2_private_key().pkcs8_pem()),
    ):
        plaintext, info = decrypt(message, keyrings=[RefusingKeyring(), receiver])
        assert plaintext == b"to three recipients"
        providers = [e.provider_id for e in info.header.encrypted_data_keys]
        assert providers == ["kmskit-test", "rsa", "sm2"]


def test_no_matching_keyring_lists_every_attempt() -> None:
    message = encrypt(b"x", keyrings=[aes_keyring("a"), aes_keyring("b")])
    with pytest.raises(NoMatchingKeyringError) as err:
        decrypt(message, keyrings=[aes_keyring("c"), RefusingKeyring()])
    assert len(err.value.errors) == 4
    assert err.value.code == "NoMatchingKeyringError"
    text = str(err.value)
    assert "kmskit-test 'a'" in text and "kmskit-test 'b'" in text and "never mine" in text
    assert bytes(range(32)).hex() not in text


def test_a_fatal_keyring_error_stops_decrypt() -> None:
    message = encrypt(b"x", keyrings=aes_keyring())
    with pytest.raises(InvalidCiphertextException):
        decrypt(message, keyrings=[aes_keyring(key=bytes(32)), aes_keyring()])


def test_a_wrong_length_data_key_is_a_mismatch() -> None:
    class Short:
        def wrap(self, data_key: bytes | bytearray, ctx: Mapping[str, str]) -> EncryptedDataKey:
            raise NotImplementedError

        def unwrap(self, edk: EncryptedDataKey, ctx: Mapping[str, str]) -> bytearray:
            return bytearray(16)

    message = encrypt(b"x", keyrings=aes_keyring())
    with pytest.raises(NoMatchingKeyringError, match="16-byte key, the suite needs 32"):
        decrypt(message, keyrings=[Short()])


def test_multi_keyring_argument_checks() -> None:
    with pytest.raises(ValidationException):
        MultiKeyring([])
    with pytest.raises(TypeError):
        MultiKeyring([object()])  # type: ignore[list-item]
