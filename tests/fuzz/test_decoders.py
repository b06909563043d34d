"""Property-based fuzzing of every decoder: whatever the bytes, only documented errors.

Each decoder gets random bytes and mutations (bit flips, truncations, insertions, deletions,
splices) of valid inputs, and may only return or raise the exceptions its docstring names.
The envelope decryptor also may only return the true plaintext: a mutated message either
fails with a documented error or decrypts to exactly what was encrypted.

``make test`` runs a short campaign (``KMSKIT_FUZZ_EXAMPLES``, default 150 per decoder);
``make fuzz`` a long one.
"""

from __future__ import annotations

import base64
import io
import json
import os
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmskit.envelope import decrypt, encrypt, inspect
from kmskit.envelope.armor import ArmorReader
from kmskit.envelope.footer import read_footer
from kmskit.envelope.header import parse_header
from kmskit.envelope.keyrings import RawAesKeyring
from kmskit.keystore.blob import parse_blob
from kmskit.offline import sm2
from kmskit.offline.errors import (
    ArmorFormatError,
    BodyFormatError,
    CiphertextFormatError,
    EnvelopeError,
    HeaderFormatError,
    InvalidCiphertextException,
    InvalidPointError,
    KeyFormatError,
    SignatureFormatError,
    UnsupportedKeySpecError,
    ValidationException,
)
from kmskit.offline.keys import generate_private_key, load_private_key, load_public_key
from kmskit.offline.specs import KeySpec

EXAMPLES = int(os.environ.get("KMSKIT_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

AES_KEY = bytes(range(32))
KEYRING = RawAesKeyring("fuzz", "key", AES_KEY)
PLAINTEXT = b"fuzzing plaintext " * 40
# decrypt_stream's documented errors: the envelope's own, or the keyring's (the raw AES
# keyring says InvalidCiphertextException for a data key it cannot unwrap).
DECRYPT_ERRORS = (EnvelopeError, InvalidCiphertextException)


# -- mutations of valid inputs ----------------------------------------------------------------


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A valid input from ``seeds`` with a few random edits."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "set", "truncate", "insert", "delete", "splice"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "set" and data:
            data[at] = draw(st.sampled_from([0, 1, 0x7F, 0x80, 0xFF]))
        elif op == "truncate":
            del data[at:]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        elif op == "splice":
            other = draw(st.sampled_from(seeds))
            start = draw(st.integers(0, len(other)))
            data[at:] = other[start:]
    return bytes(data)


def inputs(seeds: list[bytes]) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=512), mutated(seeds))


def only(allowed: tuple[type[BaseException], ...], call: Callable[[], Any]) -> Any:
    try:
        return call()
    except allowed:
        return None


# -- envelope messages --------------------------------------------------------------------------


@cache
def messages() -> list[bytes]:
    made = []
    for suite in (
        "AES_256_GCM_HKDF_SHA512_COMMIT_KEY",
        "AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384",
        "SM4_GCM_HKDF_SM3_COMMIT_KEY",
        "SM4_GCM_HKDF_SM3_COMMIT_KEY_SM2",
    ):
        for frame_length in (64, 4096):
            message = encrypt(
                PLAINTEXT,
                keyrings=KEYRING,
                encryption_context={"purpose": "fuzz"},
                algorithm=suite,
                frame_length=frame_length,
            )
            made.append(message)
    return made


@FUZZ
@given(data=st.data())
def test_header(data: st.DataObject) -> None:
    blob = data.draw(inputs(messages()))
    only((HeaderFormatError,), lambda: parse_header(blob, max_encrypted_data_keys=4))
    only((HeaderFormatError,), lambda: inspect(io.BytesIO(blob)))


@FUZZ
@given(data=st.data())
def test_whole_message_decrypts_only_to_the_truth(data: st.DataObject) -> None:
    blob = data.draw(mutated(messages()))
    try:
        plaintext, _ = decrypt(blob, keyrings=KEYRING)
    except DECRYPT_ERRORS:
        return
    assert plaintext == PLAINTEXT, "a mutated message decrypted to something else"


@FUZZ
@given(blob=st.binary(max_size=300))
def test_footer(blob: bytes) -> None:
    only((BodyFormatError,), lambda: read_footer(io.BytesIO(blob).read))


@cache
def armoured() -> list[bytes]:
    return [base64.b64encode(m) for m in messages()[:2]] + [b"QUJD\n", b"QQ==", b""]


@FUZZ
@given(data=st.data())
def test_armour(data: st.DataObject) -> None:
    blob = data.draw(st.one_of(inputs(armoured()), st.text(max_size=200).map(str.encode)))
    only((ArmorFormatError,), lambda: ArmorReader(io.BytesIO(blob)).read())
    only(DECRYPT_ERRORS, lambda: decrypt_armoured(blob))


def decrypt_armoured(blob: bytes) -> None:
    from kmskit.envelope import decrypt_stream

    out = io.BytesIO()
    decrypt_stream(ArmorReader(io.BytesIO(blob)), out, keyrings=KEYRING)
    assert out.getvalue() == PLAINTEXT


# -- local KMS ciphertext blobs ------------------------------------------------------------------


@cache
def blobs() -> list[bytes]:
    import tempfile

    from kmskit.keystore import open_keystore

    with tempfile.TemporaryDirectory() as home, open_keystore(home) as ks:
        key = ks.create_key()
        return [ks.encrypt(key.key_id, b"x" * n).ciphertext_blob for n in (1, 100, 4096)]


@FUZZ
@given(data=st.data())
def test_ciphertext_blob(data: st.DataObject) -> None:
    blob = data.draw(inputs(blobs()))
    only((InvalidCiphertextException,), lambda: parse_blob(blob))


# -- SM2 codecs ----------------------------------------------------------------------------------


@cache
def sm2_material() -> dict[str, list[bytes]]:
    key = sm2.generate_private_key()
    signature = sm2.sign(key, b"message")
    ciphertexts = {
        enc: sm2.encrypt(key.public_key(), b"secret", encoding=enc)
        for enc in sm2.CIPHERTEXT_ENCODINGS
    }
    return {
        "signatures": [signature, sm2.signature_der_to_raw(signature)],
        "ciphertexts": list(ciphertexts.values()),
        "public": [key.public_key().spki_der(), key.public_key().to_bytes()],
        "private": [key.pkcs8_der()],
    }


@FUZZ
@given(data=st.data())
def test_sm2_signature_codecs(data: st.DataObject) -> None:
    blob = data.draw(inputs(sm2_material()["signatures"]))
    only((SignatureFormatError,), lambda: sm2.signature_der_to_raw(blob))
    only((SignatureFormatError,), lambda: sm2.signature_raw_to_der(blob))


@FUZZ
@given(data=st.data())
def test_sm2_ciphertext_codecs(data: st.DataObject) -> None:
    blob = data.draw(inputs(sm2_material()["ciphertexts"]))
    enc = data.draw(st.sampled_from(sorted(sm2.CIPHERTEXT_ENCODINGS)))
    to = data.draw(st.sampled_from(sorted(sm2.CIPHERTEXT_ENCODINGS)))
    only(
        (CiphertextFormatError, InvalidPointError),
        lambda: sm2.convert_ciphertext(blob, from_encoding=enc, to_encoding=to),
    )


@FUZZ
@given(data=st.data())
def test_sm2_key_codecs(data: st.DataObject) -> None:
    material = sm2_material()
    public = data.draw(inputs(material["public"]))
    private = data.draw(inputs(material["private"]))
    allowed = (KeyFormatError, InvalidPointError)
    only(allowed, lambda: sm2.SM2PublicKey.from_spki_der(public))
    only(allowed, lambda: sm2.SM2PublicKey.from_bytes(public))
    only(allowed, lambda: sm2.SM2PrivateKey.from_der(private))


# -- key loaders -----------------------------------------------------------------------------------


@cache
def key_files() -> dict[str, list[bytes]]:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    public, private = [], []
    for spec in (KeySpec.ECC_NIST_P256, KeySpec.SM2, KeySpec.RSA_2048, KeySpec.ECC_SECG_P256K1):
        key = generate_private_key(spec)
        pub = key.public_key()
        public += [pub.spki_der(), pub.spki_pem().encode(), base64.b64encode(pub.spki_der())]
        public.append(
            json.dumps(
                {
                    "KeyId": "k",
                    "KeySpec": spec.value,
                    "KeyUsage": "SIGN_VERIFY",
                    "PublicKey": base64.b64encode(pub.spki_der()).decode(),
                }
            ).encode()
        )
        private += [key.pkcs8_der(), key.pkcs8_pem().encode()]
        private.append(
            json.dumps({"PrivateKeyPlaintext": base64.b64encode(key.pkcs8_der()).decode()}).encode()
        )
    from cryptography.hazmat.primitives.asymmetric import ec

    ca = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fuzz")])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(ca.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(ca, hashes.SHA256())
    )
    public += [
        cert.public_bytes(serialization.Encoding.DER),
        cert.public_bytes(serialization.Encoding.PEM),
    ]
    return {"public": public, "private": private}


@FUZZ
@given(data=st.data())
def test_public_key_loader(data: st.DataObject) -> None:
    blob = data.draw(inputs(key_files()["public"]))
    only((KeyFormatError, UnsupportedKeySpecError), lambda: load_public_key(blob))


@FUZZ
@given(data=st.data())
def test_private_key_loader(data: st.DataObject) -> None:
    blob = data.draw(inputs(key_files()["private"]))
    only((KeyFormatError, UnsupportedKeySpecError), lambda: load_private_key(blob))


# -- vector files ----------------------------------------------------------------------------------


@cache
def vector_docs() -> list[dict[str, Any]]:
    from kmskit import vectors

    docs = []
    for kind in ("sm2-sign", "ecdh", "sm2-encrypt"):
        doc = vectors.generate(kind, seed="fuzz", count=1)
        group = doc["testGroups"][0]
        doc["testGroups"] = [{**group, "tests": group["tests"][:4]}]
        doc["numberOfTests"] = 4
        docs.append(doc)
    return docs


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)


def _replace(doc: Any, path: list[int], value: Any) -> Any:
    """``doc`` with the node reached by following ``path`` (indices modulo the width)
    replaced by ``value``."""
    if not path or not isinstance(doc, dict | list) or not doc:
        return value
    if isinstance(doc, dict):
        keys = sorted(doc)
        key = keys[path[0] % len(keys)]
        return {**doc, key: _replace(doc[key], path[1:], value)}
    index = path[0] % len(doc)
    return [*doc[:index], _replace(doc[index], path[1:], value), *doc[index + 1 :]]


@FUZZ
@given(
    which=st.integers(0, 2),
    path=st.lists(st.integers(0, 50), max_size=6),
    value=_JSON,
)
def test_vector_documents(which: int, path: list[int], value: Any) -> None:
    from kmskit import vectors

    doc = _replace(vector_docs()[which], path, value)
    only((ValidationException,), lambda: vectors.check(doc))


@FUZZ
@given(blob=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_vector_file_bytes(blob: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    """``kmskit vectors check FILE`` on anything: a one-line error, never a crash."""
    from tests.cli._runner import kmskit

    path = tmp_path_factory.mktemp("vec") / "v.json"
    path.write_bytes(blob)
    result = kmskit("vectors", "check", path)
    assert "Traceback" not in result.stderr and "InternalError" not in result.stderr, result.stderr
    assert result.code in (0, 1, 2)


@pytest.mark.parametrize("depth", [100_000])
def test_deeply_nested_json_is_a_format_error(depth: int) -> None:
    """json.loads raises RecursionError, not ValueError, for deep nesting: every JSON
    reader must still answer with its documented error."""
    deep = b"[" * depth
    with pytest.raises(KeyFormatError):
        load_public_key(b"{" + b'"PublicKey":' + deep)
    with pytest.raises(KeyFormatError):
        load_private_key(b"{" + b'"PrivateKeyPlaintext":' + deep)


def test_certificate_with_serial_zero_loads_without_a_warning() -> None:
    """Found by ``make fuzz``: cryptography warns (CryptographyDeprecationWarning) on a
    non-positive serial number, which the CLI would print as a second stderr line."""
    import warnings

    der = next(k for k in key_files()["public"] if k.startswith(b"0\x82") and b"fuzz" in k)
    at = der.index(b"\x02\x01\x01")  # the serial number, 1
    zero = der[:at] + b"\x02\x01\x00" + der[at + 3 :]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_public_key(zero).spec is KeySpec.ECC_NIST_P256
