"""Signature encodings people actually hand around, turned into the one form KMS verifies.

KMS returns ECDSA and SM2DSA signatures as DER ``SEQUENCE{r, s}``; JOSE, PKCS#11 tokens,
gmssl and most HSMs use raw ``r ‖ s`` (IEEE P1363, each half padded to the order's length);
``aws kms sign --query Signature --output text`` prints base64, and many tools print hex.
:func:`decode_signature` accepts all of these and returns the bytes :mod:`offline.signing`
verifies (DER for ECDSA/SM2, the signature itself otherwise).

The ``auto`` rule, applied to the bytes as given and then (once) to their hex or base64
decoding, is unambiguous:

1. a well-formed DER ``SEQUENCE{INTEGER r, INTEGER s}`` spanning every byte is DER;
2. otherwise exactly ``2·L`` bytes (``L`` = byte length of the curve order) is raw ``r ‖ s``;
3. otherwise text that is all hex digits (even length, whitespace ignored) is hex; else text
   in the base64 alphabet is base64; the decoded bytes must then satisfy 1 or 2.

For real signatures the readings do not overlap: raw bytes read as DER only if bytes 0 and 2
are 0x30 and 0x02 *and* every length matches (odds below 2⁻⁴⁰); text never reads as DER (byte
2 of DER is 0x02, not printable); text is exactly ``2·L`` characters only when it encodes a
DER value of at most 1.5·L bytes, which needs r and s far shorter than usual (odds
2⁻¹²⁸ or lower); and base64 of DER starts with ``M`` (0x30), which is not a hex digit. The
``der``/``raw`` forms settle any doubt.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Final, Literal

from cryptography.hazmat.primitives.asymmetric import mldsa, rsa

from kmskit.offline import _sm2_der
from kmskit.offline.errors import (
    KMSInvalidSignatureException,
    SignatureFormatError,
    ValidationException,
)
from kmskit.offline.keys import PublicKey
from kmskit.offline.specs import KeySpec

__all__ = [
    "CURVE_ORDERS",
    "SIGNATURE_FORMS",
    "SignatureForm",
    "convert_ec_signature",
    "decode_signature",
    "ec_signature_to_der",
    "ec_signature_to_raw",
]

SignatureForm = Literal["der", "raw", "auto"]
SIGNATURE_FORMS: Final = ("der", "raw", "auto")

# Group orders n (SEC 2 v2 §2.4.2, §2.7.2; FIPS 186-5 / SP 800-186 §3.2.1; GB/T 32918.5).
CURVE_ORDERS: Final[dict[KeySpec, int]] = {
    KeySpec.ECC_NIST_P256: 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    KeySpec.ECC_NIST_P384: int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
        "581A0DB248B0A77AECEC196ACCC52973",
        16,
    ),
    KeySpec.ECC_NIST_P521: int(
        "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA"
        "51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409",
        16,
    ),
    KeySpec.ECC_SECG_P256K1: 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
    KeySpec.SM2: _sm2_der.N,
}
_ED25519_SIGNATURE: Final = 64
# FIPS 204 Table 2: signature sizes of ML-DSA-44/65/87.
_MLDSA_SIGNATURE: Final = {
    KeySpec.ML_DSA_44: 2420,
    KeySpec.ML_DSA_65: 3309,
    KeySpec.ML_DSA_87: 4627,
}

# Signature lengths of the fixed-length families, for hints only.
_FIXED_LENGTHS: Final = {
    KeySpec.RSA_2048: 256,
    KeySpec.RSA_3072: 384,
    KeySpec.RSA_4096: 512,
    KeySpec.ECC_NIST_EDWARDS25519: _ED25519_SIGNATURE,
    **_MLDSA_SIGNATURE,
}

_HEX: Final = re.compile(rb"(?:[0-9A-Fa-f]{2})+")
_BASE64: Final = re.compile(rb"[A-Za-z0-9+/]+={0,2}")
_BASE64URL: Final = re.compile(rb"[A-Za-z0-9_-]+={0,2}")


def order_length(spec: KeySpec) -> int:
    """L: the byte length of the curve order, the width of each half of raw ``r ‖ s``."""
    return (CURVE_ORDERS[spec].bit_length() + 7) // 8


def _parses_as_der(data: bytes) -> bool:
    """Strict DER SEQUENCE{INTEGER, INTEGER} spanning ``data`` (rule 1)."""
    n = len(data)
    if n < 8 or data[0] != 0x30:
        return False
    if data[1] == n - 2 and n - 2 < 0x80:
        # Short-form lengths (every curve but P-521): the same checks as below, inline,
        # because a batch runs this once per signature.
        if data[2] != 2:
            return False
        lr = data[3]
        i = 4 + lr
        if lr == 0 or i + 2 > n or data[i] != 2 or data[i + 1] != n - i - 2:
            return False
        ls = data[i + 1]
        return ls > 0 and _minimal_uint(data, 4, lr) and _minimal_uint(data, i + 2, ls)
    err = SignatureFormatError
    try:
        pos, end = _sm2_der.der_outer(data, err)
        _, pos = _sm2_der.der_read_uint(data, pos, end, err)
        _, pos = _sm2_der.der_read_uint(data, pos, end, err)
    except SignatureFormatError:
        return False
    return pos == end


def _minimal_uint(data: bytes, start: int, length: int) -> bool:
    """A non-negative INTEGER content with no superfluous leading zero byte."""
    if data[start] & 0x80:
        return False
    return not (length > 1 and data[start] == 0 and not data[start + 1] & 0x80)


def _der_error(data: bytes) -> str:
    """What is wrong with bytes that start like DER (for the hint)."""
    err = SignatureFormatError
    try:
        pos, end = _sm2_der.der_outer(data, err)
        _, pos = _sm2_der.der_read_uint(data, pos, end, err)
        _, pos = _sm2_der.der_read_uint(data, pos, end, err)
        if pos != end:
            return "extra fields in the SEQUENCE"
    except SignatureFormatError as exc:
        return str(exc)
    return "well-formed"


def _text_decodings(data: bytes) -> list[tuple[str, bytes]]:
    """The hex, then base64 (standard, then URL-safe) readings of ``data`` as text."""
    text = b"".join(data.split())
    out: list[tuple[str, bytes]] = []
    if not text:
        return out
    if _HEX.fullmatch(text):
        out.append(("hex", bytes.fromhex(text.decode("ascii"))))
    for name, pattern, altchars in (
        ("base64", _BASE64, None),
        ("base64url", _BASE64URL, b"-_"),
    ):
        if pattern.fullmatch(text):
            padded = text + b"=" * (-len(text) % 4)
            try:
                out.append((name, base64.b64decode(padded, altchars=altchars, validate=True)))
            except (binascii.Error, ValueError):
                continue
            break
    return out


def _ec_reading(data: bytes, length: int, form: SignatureForm) -> bytes | None:
    """DER for ``data`` read as ``form`` (rules 1 and 2), or None when it is neither."""
    if form != "raw" and _parses_as_der(data):
        return data
    if form != "der" and len(data) == 2 * length:
        r = int.from_bytes(data[:length], "big")
        s = int.from_bytes(data[length:], "big")
        return _sm2_der.encode_signature(r, s)
    return None


def ec_signature_to_der(data: bytes, spec: KeySpec, form: SignatureForm = "auto") -> bytes:
    """Return DER ``SEQUENCE{r, s}`` for an ECDSA/SM2 signature in any accepted encoding.

    Raises :class:`SignatureFormatError` with a one-line hint when no reading fits.
    Range checks on r and s are left to verification (an out-of-range value is simply an
    invalid signature, as KMS answers).
    """
    if spec not in CURVE_ORDERS:
        raise ValidationException(f"{spec} has no ECDSA/SM2 signature encodings")
    if form not in SIGNATURE_FORMS:
        raise ValidationException(f"unknown signature format {form!r} (der, raw or auto)")
    length = order_length(spec)
    found = _ec_reading(data, length, form)
    if found is not None:
        return found
    for _, decoded in _text_decodings(data):
        found = _ec_reading(decoded, length, form)
        if found is not None:
            return found
    raise SignatureFormatError(_hint(data, spec, form))


def ec_signature_to_raw(data: bytes, spec: KeySpec, form: SignatureForm = "auto") -> bytes:
    """Return raw ``r ‖ s`` (each half L bytes) for a signature in any accepted encoding.

    Raises :class:`SignatureFormatError` when the input does not decode, or when r or s does
    not fit in L bytes (no raw form can carry it).
    """
    der = ec_signature_to_der(data, spec, form)
    err = SignatureFormatError
    pos, end = _sm2_der.der_outer(der, err)
    r, pos = _sm2_der.der_read_uint(der, pos, end, err)
    s, _ = _sm2_der.der_read_uint(der, pos, end, err)
    length = order_length(spec)
    if max(r.bit_length(), s.bit_length()) > 8 * length:
        raise SignatureFormatError(f"r or s is longer than the {length}-byte order of {spec}")
    return r.to_bytes(length, "big") + s.to_bytes(length, "big")


def _fixed_length(public_key: PublicKey) -> int:
    key = public_key.key
    if isinstance(key, rsa.RSAPublicKey):
        return (key.key_size + 7) // 8
    if isinstance(key, mldsa.MLDSA44PublicKey | mldsa.MLDSA65PublicKey | mldsa.MLDSA87PublicKey):
        return _MLDSA_SIGNATURE[public_key.spec]
    return _ED25519_SIGNATURE


def decode_signature(
    signature: bytes, public_key: PublicKey, form: SignatureForm = "auto"
) -> bytes:
    """Return the signature in the form :func:`offline.signing.verify` takes.

    ECDSA and SM2: DER, raw ``r ‖ s``, or hex/base64 text of either (``form`` restricts the
    binary form). RSA, Ed25519, ML-DSA: the signature bytes, or hex/base64 text of them.

    Raises :class:`KMSInvalidSignatureException` (what KMS Verify answers for a malformed
    signature) whose message hints at the likely cause, and :class:`ValidationException`
    for ``der``/``raw`` with an algorithm that has one form only.
    """
    spec = public_key.spec
    if spec in CURVE_ORDERS:
        try:
            return ec_signature_to_der(signature, spec, form)
        except SignatureFormatError as exc:
            raise KMSInvalidSignatureException(f"malformed signature: {exc}") from None
    if form != "auto":
        raise ValidationException(
            f"a signature format ({form}) applies to ECDSA and SM2 only; {spec} signatures"
            " have one binary form"
        )
    length = _fixed_length(public_key)
    if len(signature) == length:
        return signature
    binary = signature
    for _, decoded in _text_decodings(signature):
        if len(decoded) == length:
            return decoded
        binary = decoded
        break
    others = [str(s) for s, n in _FIXED_LENGTHS.items() if n == len(binary) and s is not spec]
    extra = f" ({len(binary)} bytes is a {' or '.join(others)} signature: another key?)"
    raise KMSInvalidSignatureException(
        f"malformed signature: {_describe(signature)}; {spec} signatures are {length} bytes"
        + (extra if others else "")
    )


# ---------------------------------------------------------------------------------------------
# Hints: name the likely cause in one line.


def _describe(data: bytes) -> str:
    """A short description of what ``data`` looks like."""
    if not data:
        return "the signature is empty"
    stripped = data.strip()
    if stripped.startswith(b"{"):
        return (
            "it looks like a JSON document; pass only the Signature value"
            " (aws kms sign ... --query Signature --output text)"
        )
    if stripped.startswith(b"-----BEGIN"):
        return "it looks like a PEM block, not a signature"
    for name, decoded in _text_decodings(data):
        return f"it looks like {name} of a {len(decoded)}-byte value"
    return f"it is {len(data)} bytes"


def _other_specs_of_raw_length(n: int, spec: KeySpec) -> list[str]:
    return [str(s) for s in CURVE_ORDERS if s is not spec and 2 * order_length(s) == n]


def _hint(data: bytes, spec: KeySpec, form: SignatureForm) -> str:
    length = order_length(spec)
    wanted = {
        "der": "DER SEQUENCE{r, s}",
        "raw": f"{2 * length}-byte raw r‖s",
        "auto": f"DER SEQUENCE{{r, s}} or {2 * length}-byte raw r‖s",
    }[form]
    binary = data
    what = _describe(data)
    for _, decoded in _text_decodings(data):
        binary = decoded
        break
    extra = ""
    if binary[:1] == b"\x30" and not _parses_as_der(binary):
        problem = _der_error(binary)
        if problem != "well-formed":
            extra = f" (it starts like DER but: {problem})"
    elif form == "raw" and _parses_as_der(binary):
        extra = " (it is DER: use the auto or der signature format)"
    elif form == "der" and len(binary) == 2 * length:
        extra = " (that length is raw r‖s: use the auto or raw signature format)"
    else:
        others = _other_specs_of_raw_length(len(binary), spec)
        if others:
            extra = (
                f" ({len(binary)} bytes is the raw r‖s length for {', '.join(others)}:"
                " signed with another key?)"
            )
    return f"{what}, not {wanted} for {spec}{extra}"


def convert_ec_signature(
    data: bytes, spec: KeySpec, *, from_form: SignatureForm, to_form: Literal["der", "raw"]
) -> bytes:
    """Re-encode an ECDSA/SM2 signature (``convert-signature``); r and s must be in [1, n−1].

    Raises :class:`SignatureFormatError` (with the hint of :func:`ec_signature_to_der`) when
    the input does not decode or a value is out of range.
    """
    der = ec_signature_to_der(data, spec, from_form)
    err = SignatureFormatError
    pos, end = _sm2_der.der_outer(der, err)
    r, pos = _sm2_der.der_read_uint(der, pos, end, err)
    s, _ = _sm2_der.der_read_uint(der, pos, end, err)
    if not (1 <= r < CURVE_ORDERS[spec] and 1 <= s < CURVE_ORDERS[spec]):
        raise SignatureFormatError(f"r or s outside [1, n-1] for {spec}")
    if to_form == "der":
        return der
    return ec_signature_to_raw(der, spec, "der")
