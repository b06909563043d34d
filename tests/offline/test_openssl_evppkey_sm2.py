"""OpenSSL's SM2 EVP test data (``external/openssl_evppkey_sm2.txt``, verbatim), parsed here and
run through kmskit.

The file format is OpenSSL's ``test/evp_test.c``: stanzas separated by blank lines, ``#``
comments, ``Keyword = value`` lines, and ``PrivateKey=NAME`` / ``PublicKey=NAME`` followed by a
PEM block. What each stanza means for kmskit:

- ``Verify = KEY``: EVP_PKEY_verify, so ``Input`` is already the digest e = SM3(Z_A ‖ M) and
  maps to KMS Verify with MessageType DIGEST (no ID is involved). ``Ctrl = digest:SM3`` is
  the only digest KMS SM2DSA knows; with another digest the input has that digest's length,
  which kmskit must refuse (ValidationException), while the signature math is still checked.
- ``DigestVerify = KEY``: the message itself, Z_A computed with ``Ctrl = distid:``/
  ``hexdistid:`` or the default ID: KMS Verify with MessageType RAW and that ID.
- ``Decrypt = KEY``: GM/T 0009 DER in ``Input``; ``Output`` is the plaintext (KMS Decrypt,
  SM2PKE), in every encoding kmskit reads.
- ``Sign = KEY`` with ``Result = KEYOP_MISMATCH``: OpenSSL's "fake" test (random k, so
  the output cannot match). kmskit's signature over the same digest must verify and differ
  from ``Output``; ``Output`` itself does not verify (OpenSSL 3.0's ``pkeyutl -verify``
  rejects it too, checked when this test was written).
- ``KeyGen = SM2`` (``Ctrl = group:sm2`` is the only curve): a generated key must sign and
  verify.
- ``Title``, ``Availablein`` (provider selection): nothing to run.

Any other keyword or control fails the test, so a new stanza in a future copy is noticed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from kmskit.offline import (
    InvalidCiphertextException,
    KeySpec,
    KMSInvalidSignatureException,
    PrivateKey,
    ValidationException,
    decrypt,
    generate_private_key,
    load_private_key,
    sign,
    sm2,
    verify,
)
from tests._vectors import load_json, load_text

FILE = ("external", "openssl_evppkey_sm2.txt")


@dataclass
class Stanza:
    line: int
    keyword: str
    value: str
    fields: list[tuple[str, str]] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        values = [v for k, v in self.fields if k == name]
        assert len(values) <= 1, f"line {self.line}: {name} given twice"
        return values[0] if values else None

    def ctrls(self) -> list[tuple[str, str]]:
        out = []
        for k, v in self.fields:
            if k == "Ctrl":
                name, _, arg = v.partition(":")
                out.append((name, arg))
        return out


_PRE_KEYWORDS = ("Availablein", "FIPSversion")


def parse_evp(text: str) -> tuple[dict[str, str], list[Stanza]]:
    """Return (PEM blocks by key name, stanzas) from an OpenSSL evp test file."""
    pems: dict[str, str] = {}
    stanzas: list[Stanza] = []
    current: Stanza | None = None
    prefix: list[tuple[str, str]] = []  # evp_test lets Availablein come before the keyword
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        raw = lines[i].strip()
        i += 1
        if raw.startswith("#"):
            continue
        if not raw:
            current = None
            continue
        key, sep, value = (part.strip() for part in raw.partition("="))
        assert sep, f"line {i}: not 'Keyword = value': {raw!r}"
        if key in ("PrivateKey", "PublicKey"):
            block = []
            while not lines[i].startswith("-----END"):
                block.append(lines[i])
                i += 1
            block.append(lines[i])
            i += 1
            pems[value] = "\n".join(block) + "\n"
            current = None
            continue
        if current is None and key in _PRE_KEYWORDS:
            prefix.append((key, value))
        elif current is None:
            current = Stanza(i, key, value, prefix)
            prefix = []
            stanzas.append(current)
        else:
            current.fields.append((key, value))
    return pems, stanzas


PEMS, STANZAS = parse_evp(load_text(*FILE))
_ACTIONS = ("Verify", "DigestVerify", "Decrypt", "Sign", "KeyGen")
_KEYS: dict[str, sm2.SM2PrivateKey] = {
    name: sm2.SM2PrivateKey.from_pem(p) for name, p in PEMS.items()
}


def _bytes(value: str) -> bytes:
    """evp_test values: ``"text"`` is literal text, anything else is hex."""
    if value.startswith('"') and value.endswith('"'):
        return value[1:-1].encode("utf-8")
    return bytes.fromhex(value)


def _params() -> list[Any]:
    return [
        pytest.param(s, id=f"line{s.line}-{s.keyword}-{s.value}")
        for s in STANZAS
        if s.keyword in _ACTIONS
    ]


def test_the_file_parses_into_the_expected_stanzas() -> None:
    assert set(PEMS) == {"SM2_key1"}
    counts: dict[str, int] = {}
    for s in STANZAS:
        counts[s.keyword] = counts.get(s.keyword, 0) + 1
    assert counts == {"Title": 2, "Verify": 3, "Decrypt": 2, "Sign": 1, "KeyGen": 2}
    # The file's private key loads through the public API as an SM2 key too.
    assert load_private_key(PEMS["SM2_key1"].encode()).spec == KeySpec.SM2


def test_sm2_json_carries_the_same_openssl_cases() -> None:
    """``external/sm2.json`` restates this file's stanzas; they must agree byte for byte."""
    cases = {c["id"]: c for c in load_json("external", "sm2.json")["cases"]}
    verifies = [s for s in STANZAS if s.keyword == "Verify"]
    for n, s in enumerate(verifies, start=1):
        case = cases[f"openssl-evppkey-sm2-verify-{n}"]
        assert bytes.fromhex(case["message"]) == _bytes(s.get("Input") or "")
        assert bytes.fromhex(case["sig_der"]) == _bytes(s.get("Output") or "")
    decrypt_case = cases["openssl-evppkey-sm2-decrypt-4"]
    first = next(s for s in STANZAS if s.keyword == "Decrypt")
    assert bytes.fromhex(decrypt_case["ciphertext"]) == _bytes(first.get("Input") or "")
    assert bytes.fromhex(decrypt_case["plaintext"]) == _bytes(first.get("Output") or "")


def _digest_and_id(stanza: Stanza) -> tuple[str, bytes]:
    digest, ident = "SM3", sm2.DEFAULT_ID
    for name, arg in stanza.ctrls():
        if name == "digest":
            digest = arg.upper()
        elif name == "distid":
            ident = arg.encode("utf-8")
        elif name == "hexdistid":
            ident = bytes.fromhex(arg)
        else:
            pytest.fail(f"line {stanza.line}: unhandled control {name}:{arg}")
    return digest, ident


def _run_verify(stanza: Stanza, key: sm2.SM2PrivateKey) -> None:
    digest, ident = _digest_and_id(stanza)
    data = _bytes(stanza.get("Input") or "")
    sig = _bytes(stanza.get("Output") or "")
    expect_ok = stanza.get("Result") is None
    pub = load_private_key(key.pkcs8_der()).public_key()
    if stanza.keyword == "DigestVerify":
        assert digest == "SM3", f"line {stanza.line}: SM2DSA RAW hashes with SM3 only"
        custom = None if ident == sm2.DEFAULT_ID else ident
        if expect_ok:
            assert verify(pub, data, sig, "SM2DSA", "RAW", sm2_id=custom)
        else:
            with pytest.raises(KMSInvalidSignatureException):
                verify(pub, data, sig, "SM2DSA", "RAW", sm2_id=custom)
        return
    if digest != "SM3":
        # KMS SM2DSA DIGEST is 32 bytes of SM3; a SHA-512 value is refused. The signature is
        # still checked with e mod n, which is all GB/T 32918.2 §7.1 B5–B7 use of e.
        with pytest.raises(ValidationException):
            verify(pub, data, sig, "SM2DSA", "DIGEST")
        reduced = (int.from_bytes(data, "big") % sm2.N).to_bytes(32, "big")
        assert sm2.verify(key.public_key(), reduced, sig, prehashed=True) is expect_ok
        return
    if expect_ok:
        assert verify(pub, data, sig, "SM2DSA", "DIGEST")
    else:
        with pytest.raises(KMSInvalidSignatureException):
            verify(pub, data, sig, "SM2DSA", "DIGEST")


def _run_decrypt(stanza: Stanza, key: sm2.SM2PrivateKey) -> None:
    digest, _ = _digest_and_id(stanza)
    assert digest == "SM3", f"line {stanza.line}: SM2PKE uses SM3 (GB/T 32918.4)"
    ciphertext = _bytes(stanza.get("Input") or "")
    if stanza.get("Result") is not None:
        with pytest.raises(InvalidCiphertextException):
            decrypt(PrivateKey.from_key(key), ciphertext, "SM2PKE")
        return
    plaintext = _bytes(stanza.get("Output") or "")
    assert decrypt(PrivateKey.from_key(key), ciphertext, "SM2PKE") == plaintext
    for encoding in ("C1C3C2", "C1C2C3"):
        for prefix in (True, False):
            raw = sm2.convert_ciphertext(
                ciphertext, from_encoding="DER", to_encoding=encoding, prefix=prefix
            )
            assert sm2.decrypt(key, raw, encoding=encoding) == plaintext


def _run_sign(stanza: Stanza, key: sm2.SM2PrivateKey) -> None:
    digest, _ = _digest_and_id(stanza)
    assert digest == "SM3"
    assert stanza.get("Result") == "KEYOP_MISMATCH", "only OpenSSL's fake Sign test is known"
    e = _bytes(stanza.get("Input") or "")
    published = _bytes(stanza.get("Output") or "")
    private = PrivateKey.from_key(key)
    ours = sign(private, e, "SM2DSA", "DIGEST")
    assert ours != published
    assert verify(private.public_key(), e, ours, "SM2DSA", "DIGEST")
    with pytest.raises(KMSInvalidSignatureException):
        verify(private.public_key(), e, published, "SM2DSA", "DIGEST")


def _run_keygen(stanza: Stanza) -> None:
    assert stanza.value == "SM2"
    for name, arg in stanza.ctrls():
        assert (name, arg) == ("group", "sm2"), f"line {stanza.line}: unhandled {name}:{arg}"
    key = generate_private_key(KeySpec.SM2)
    sig = sign(key, b"evp KeyGen", "SM2DSA")
    assert verify(key.public_key(), b"evp KeyGen", sig, "SM2DSA")


@pytest.mark.parametrize("stanza", _params())
def test_stanza(stanza: Stanza) -> None:
    for name, _ in stanza.fields:
        assert name in ("Ctrl", "Input", "Output", "Result", "KeyName", "Availablein"), (
            f"line {stanza.line}: unhandled field {name}"
        )
    if stanza.keyword == "KeyGen":
        _run_keygen(stanza)
        return
    key = _KEYS[stanza.value]
    if stanza.keyword in ("Verify", "DigestVerify"):
        _run_verify(stanza, key)
    elif stanza.keyword == "Decrypt":
        _run_decrypt(stanza, key)
    else:
        _run_sign(stanza, key)
