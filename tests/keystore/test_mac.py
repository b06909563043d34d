"""GenerateMac and VerifyMac against the standard library's ``hmac`` over imported material
(the one way a test can know an HMAC key's bytes), and the KMS errors."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from kmskit.keystore import Keystore
from kmskit.offline.errors import (
    DisabledException,
    InvalidKeyUsageException,
    KMSInvalidMacException,
    ValidationException,
)
from tests.keystore._peers import import_raw_material

SPECS = [
    ("HMAC_224", "HMAC_SHA_224", hashlib.sha224, 28),
    ("HMAC_256", "HMAC_SHA_256", hashlib.sha256, 64),
    ("HMAC_384", "HMAC_SHA_384", hashlib.sha384, 100),
    ("HMAC_512", "HMAC_SHA_512", hashlib.sha512, 128),
]


@pytest.mark.parametrize(("spec", "algorithm", "digest", "length"), SPECS)
def test_generate_mac_equals_stdlib_hmac(
    ks: Keystore, spec: str, algorithm: str, digest: object, length: int
) -> None:
    key = ks.create_key(key_spec=spec, key_usage="GENERATE_VERIFY_MAC", origin="EXTERNAL")
    material = bytes(range(7, 7 + length))
    import_raw_material(ks, key.key_id, material)
    message = b"authenticate me" * 20
    result = ks.generate_mac(key.key_id, message, mac_algorithm=algorithm)
    expected = hmac.new(material, message, digest).digest()  # type: ignore[arg-type]
    assert result.mac == expected
    response = result.to_response()
    assert response == {
        "Mac": base64.b64encode(expected).decode(),
        "MacAlgorithm": algorithm,
        "KeyId": key.arn,
    }
    verified = ks.verify_mac(key.key_id, message, expected, mac_algorithm=algorithm)
    assert verified.to_response() == {"KeyId": key.arn, "MacValid": True, "MacAlgorithm": algorithm}


@pytest.mark.parametrize(("spec", "algorithm"), [(s[0], s[1]) for s in SPECS])
def test_generated_hmac_keys_round_trip(ks: Keystore, spec: str, algorithm: str) -> None:
    key = ks.create_key(key_spec=spec, key_usage="GENERATE_VERIFY_MAC")
    mac = ks.generate_mac(key.key_id, b"m", mac_algorithm=algorithm).mac
    assert ks.verify_mac(key.key_id, b"m", mac, mac_algorithm=algorithm).mac_valid
    other = ks.create_key(key_spec=spec, key_usage="GENERATE_VERIFY_MAC")
    assert ks.generate_mac(other.key_id, b"m", mac_algorithm=algorithm).mac != mac


def test_mac_errors(ks: Keystore) -> None:
    key = ks.create_key(key_spec="HMAC_256", key_usage="GENERATE_VERIFY_MAC")
    mac = ks.generate_mac(key.key_id, b"m", mac_algorithm="HMAC_SHA_256").mac
    for bad_mac in (mac[:-1], mac + b"\x00", bytes(len(mac)), bytes([mac[0] ^ 1]) + mac[1:]):
        with pytest.raises(KMSInvalidMacException):
            ks.verify_mac(key.key_id, b"m", bad_mac, mac_algorithm="HMAC_SHA_256")
    with pytest.raises(KMSInvalidMacException):
        ks.verify_mac(key.key_id, b"M", mac, mac_algorithm="HMAC_SHA_256")
    with pytest.raises(InvalidKeyUsageException):  # the spec's hash only
        ks.generate_mac(key.key_id, b"m", mac_algorithm="HMAC_SHA_512")
    with pytest.raises(ValidationException):
        ks.generate_mac(key.key_id, b"m", mac_algorithm="HMAC_MD5")
    for message in (b"", b"x" * 4097):
        with pytest.raises(ValidationException):
            ks.generate_mac(key.key_id, message, mac_algorithm="HMAC_SHA_256")
    with pytest.raises(ValidationException):
        ks.verify_mac(key.key_id, b"m", b"", mac_algorithm="HMAC_SHA_256")
    for other in (
        ks.create_key(),
        ks.create_key(key_spec="ECC_NIST_P256", key_usage="SIGN_VERIFY"),
    ):
        with pytest.raises(InvalidKeyUsageException):
            ks.generate_mac(other.key_id, b"m", mac_algorithm="HMAC_SHA_256")
    ks.disable_key(key.key_id)
    with pytest.raises(DisabledException):
        ks.verify_mac(key.key_id, b"m", mac, mac_algorithm="HMAC_SHA_256")
    failed = [r for r in ks.audit.records() if r.operation == "VerifyMac"]
    assert failed[0].outcome == "KMSInvalidMacException"
