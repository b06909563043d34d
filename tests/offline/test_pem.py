"""PEM text is byte-identical to what cryptography (OpenSSL's PEM writer) produces.

RFC 7468 §2: generators wrap the base64 at 64 characters. ``base64.encodebytes`` wraps at
76, which strict parsers refuse; these keys are long enough to need several lines.
"""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from kmskit.offline.keys import PrivateKey, PublicKey
from kmskit.offline.pem import pem_text


@pytest.fixture(scope="module", params=["rsa-3072", "p384"])
def private(request: pytest.FixtureRequest) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    if request.param == "rsa-3072":
        return rsa.generate_private_key(public_exponent=65537, key_size=3072)
    return ec.generate_private_key(ec.SECP384R1())


def test_public_key_pem_matches_cryptography(
    private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
) -> None:
    expected = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert PublicKey.from_key(private.public_key()).spki_pem().encode() == expected


def test_private_key_pem_matches_cryptography(
    private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
) -> None:
    expected = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    assert PrivateKey.from_key(private).pkcs8_pem().encode() == expected


@pytest.mark.parametrize("size", [0, 1, 47, 48, 49, 96, 1000])
def test_every_line_but_the_last_is_64_columns(size: int) -> None:
    text = pem_text("TEST", bytes(size))
    assert text.endswith("-----END TEST-----\n")
    lines = text.splitlines()
    body = lines[1:-1]
    assert lines[0] == "-----BEGIN TEST-----"
    assert "".join(body) == base64.b64encode(bytes(size)).decode()
    assert all(len(line) == 64 for line in body[:-1])
    if body:
        assert 0 < len(body[-1]) <= 64
