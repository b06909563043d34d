"""Every flag a generated test may carry, with its bug type and what it catches.

A file's ``notes`` hold the entries for the flags it uses (Wycheproof's ``notes`` shape:
``bugType`` and ``description``). ``bugType`` comes from the closed set :data:`BUG_TYPES`.
docs/vectors.md#flags lists the same table; a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["BUG_TYPES", "FLAGS", "Note"]

BUG_TYPES: Final = (
    "BASIC",
    "FUNCTIONALITY",
    "BER_ENCODING",
    "MODIFIED_SIGNATURE",
    "MODIFIED_CIPHERTEXT",
    "MODIFIED_PARAMETER",
    "MISSING_STEP",
    "EDGE_CASE",
    "WRONG_PRIMITIVE",
    "INVALID_POINT",
    "CAN_OF_WORMS",
    "SIGNATURE_MALLEABILITY",
)


@dataclass(frozen=True)
class Note:
    bug_type: str
    description: str


_N = Note

FLAGS: Final[dict[str, Note]] = {
    # --- valid inputs -------------------------------------------------------------------
    "Normal": _N(
        "BASIC",
        "A valid case built from pseudorandom inputs. It must be accepted, and a decryption or"
        " key agreement must return exactly the expected msg or shared value.",
    ),
    "DigestInput": _N(
        "FUNCTIONALITY",
        "A valid signature checked with messageType DIGEST: msg is the digest KMS signs (the"
        " hash of the message; for SM2DSA e = SM3(Z_A || M) with the group's ID).",
    ),
    "SignatureMalleability": _N(
        "SIGNATURE_MALLEABILITY",
        "ECDSA (r, n - s) is as valid as (r, s). KMS accepts both; a verifier that insists on"
        " low-s (as some blockchains do) rejects this valid case.",
    ),
    "RawNoPrefix": _N(
        "FUNCTIONALITY",
        "A valid raw SM2PKE ciphertext whose C1 is x || y without the 04 point-format byte (the"
        " form gmssl and many HSMs write). kmskit accepts raw C1 with and without 04; an"
        " implementation that takes only one form should convert first.",
    ),
    "CompressedPoint": _N(
        "FUNCTIONALITY",
        "A valid peer public key whose SubjectPublicKeyInfo holds a compressed point (02/03 ||"
        " x). The shared secret is the same as for the uncompressed point.",
    ),
    # --- signature values ---------------------------------------------------------------
    "ModifiedMessage": _N(
        "BASIC",
        "One bit of the message is flipped; the signature is the original one.",
    ),
    "ModifiedR": _N(
        "MODIFIED_SIGNATURE",
        "One bit of r is flipped (r stays in [1, n-1]); DER stays minimal.",
    ),
    "ModifiedS": _N(
        "MODIFIED_SIGNATURE",
        "One bit of s is flipped (s stays in [1, n-1]); DER stays minimal.",
    ),
    "ModifiedSignature": _N(
        "MODIFIED_SIGNATURE",
        "One bit of the RSA signature is flipped (the value stays below n).",
    ),
    "RIsZero": _N("EDGE_CASE", "r = 0. Verifiers must check 1 <= r <= n-1 before any arithmetic."),
    "SIsZero": _N(
        "EDGE_CASE",
        "s = 0. Verifiers must check 1 <= s <= n-1; ECDSA would otherwise invert 0.",
    ),
    "RIsN": _N("EDGE_CASE", "r = n, which is 0 mod n. Must be rejected by the range check."),
    "SIsN": _N("EDGE_CASE", "s = n, which is 0 mod n. Must be rejected by the range check."),
    "RPlusN": _N(
        "EDGE_CASE",
        "r is replaced by r + n. A verifier that reduces r mod n instead of rejecting r >= n"
        " accepts it.",
    ),
    "SPlusN": _N(
        "EDGE_CASE",
        "s is replaced by s + n. A verifier that reduces s mod n instead of rejecting s >= n"
        " accepts it.",
    ),
    "SumIsZero": _N(
        "EDGE_CASE",
        "SM2DSA with s = n - r, so t = (r + s) mod n = 0. GB/T 32918.2 requires rejecting t ="
        " 0; a verifier that skips the check computes with t = 0 (or divides by zero).",
    ),
    "WrongId": _N(
        "MODIFIED_PARAMETER",
        "SM2DSA signature made with another distinguishing ID than the group's (the empty ID,"
        " OpenSSL 3's default, for default-ID groups; 1234567812345678 for custom-ID groups)."
        " Catches verifiers that ignore or hard-code the ID.",
    ),
    "MissingZa": _N(
        "MISSING_STEP",
        "SM2DSA signature over e = SM3(M) instead of SM3(Z_A || M). A verifier that forgets"
        " Z_A accepts it.",
    ),
    "WrongDigestLength": _N(
        "MODIFIED_PARAMETER",
        "messageType DIGEST with a digest that is not exactly the hash length (KMS returns"
        " ValidationException). The bytes are chosen so that a verifier which skips the"
        " length check (truncating the digest or reading it as an integer) may accept.",
    ),
    "WrongHash": _N(
        "WRONG_PRIMITIVE",
        "Signed (or encrypted) correctly, but with another hash than the group's algorithm."
        " For PKCS#1 v1.5 the DigestInfo names the other hash: a verifier that trusts the OID"
        " inside the signature accepts it.",
    ),
    # --- encodings ----------------------------------------------------------------------
    "BerLongLength": _N(
        "BER_ENCODING",
        "The outer DER SEQUENCE uses a non-minimal long-form length. Valid BER, invalid DER;"
        " accepting it makes signatures malleable.",
    ),
    "BerIndefiniteLength": _N(
        "BER_ENCODING",
        "The outer SEQUENCE uses the BER indefinite length (30 80 ... 00 00). Invalid DER.",
    ),
    "IntegerPadding": _N(
        "BER_ENCODING",
        "An INTEGER has an extra leading 00 byte (non-minimal encoding). Invalid DER.",
    ),
    "UnsignedInteger": _N(
        "BER_ENCODING",
        "r has its top bit set and is written without the 00 sign byte, so DER reads it as a"
        " negative number. A parser that reads INTEGERs as unsigned accepts it.",
    ),
    "TrailingBytes": _N(
        "BER_ENCODING",
        "A 00 byte follows the DER SEQUENCE. Parsers that ignore trailing data accept it.",
    ),
    "RawSignature": _N(
        "MODIFIED_SIGNATURE",
        "The signature is the raw fixed-length r || s instead of DER. KMS signatures are"
        " always DER; an implementation that guesses the encoding accepts it.",
    ),
    # --- RSA signatures -----------------------------------------------------------------
    "WrongSaltLength": _N(
        "MODIFIED_PARAMETER",
        "RSASSA-PSS with a salt length other than the hash length, which is what KMS uses."
        " Verifiers that auto-detect the salt length accept it.",
    ),
    "MgfHashMismatch": _N(
        "WRONG_PRIMITIVE",
        "RSA-PSS or RSA-OAEP whose MGF1 uses another hash than the message hash. KMS always"
        " uses MGF1 with the same hash.",
    ),
    "WrongTrailer": _N(
        "CAN_OF_WORMS",
        "RSASSA-PSS encoded message whose trailer byte is 0xcc instead of 0xbc.",
    ),
    "ModifiedPadding": _N(
        "CAN_OF_WORMS",
        "RSASSA-PSS encoded message whose 0x01 separator before the salt is 0x02, so DB does"
        " not have the form PS || 0x01 || salt.",
    ),
    "MissingNull": _N(
        "MODIFIED_PARAMETER",
        "PKCS#1 v1.5 DigestInfo without the NULL hash parameters. KMS always writes NULL and"
        " kmskit, like OpenSSL, requires it (RFC 8017 §9.2 note 2 lets a verifier accept the"
        " absent form; an implementation that does must treat this case as its deviation).",
    ),
    "BerEncodedDigestInfo": _N(
        "BER_ENCODING",
        "PKCS#1 v1.5 DigestInfo SEQUENCE with a non-minimal long-form length. Verifiers must"
        " compare the whole encoded block, not parse it leniently.",
    ),
    "TrailingDigestInfo": _N(
        "CAN_OF_WORMS",
        "A 00 byte follows the DigestInfo inside the PKCS#1 v1.5 block (the padding is one byte"
        " shorter). Parsers that ignore trailing data accept it (the root of Bleichenbacher's"
        " e = 3 forgery).",
    ),
    "InvalidPadding": _N(
        "CAN_OF_WORMS",
        "PKCS#1 v1.5 signature block with a wrong block type (00 02) or a padding byte other"
        " than 0xff.",
    ),
    "SignatureOutOfRange": _N(
        "EDGE_CASE",
        "The RSA signature representative is >= n. RFC 8017 §5.2.2 requires rejecting it.",
    ),
    "SignatureLengthMismatch": _N(
        "EDGE_CASE",
        "A valid RSA signature with a 00 byte prepended: one byte longer than the modulus."
        " Verifiers that convert to an integer without checking the length accept it.",
    ),
    # --- RSA-OAEP -----------------------------------------------------------------------
    "NonEmptyLabel": _N(
        "MODIFIED_PARAMETER",
        "RSAES-OAEP ciphertext made with a non-empty label; KMS uses the empty label, so lHash"
        " does not match.",
    ),
    "LeadingByteNotZero": _N(
        "CAN_OF_WORMS",
        "RSAES-OAEP encoded message whose first byte Y is 01 instead of 00. Implementations must"
        " reject it without revealing which check failed (Manger's attack).",
    ),
    "InvalidSeparator": _N(
        "CAN_OF_WORMS",
        "RSAES-OAEP DB whose 0x01 separator before the message is 0x02.",
    ),
    "ModifiedCiphertext": _N(
        "MODIFIED_CIPHERTEXT",
        "One bit of the RSA ciphertext is flipped (the value stays below n).",
    ),
    "CiphertextOutOfRange": _N(
        "EDGE_CASE",
        "The RSA ciphertext representative equals n. RFC 8017 §5.1.2 requires rejecting it.",
    ),
    "CiphertextLengthMismatch": _N(
        "EDGE_CASE",
        "A valid RSA ciphertext with a 00 byte prepended: one byte longer than the modulus.",
    ),
    # --- SM2PKE -------------------------------------------------------------------------
    "ModifiedC3": _N(
        "MISSING_STEP",
        "One bit of C3 = SM3(x2 || M || y2) is flipped. A decryptor that never checks C3 (gmssl"
        " does not) returns the plaintext.",
    ),
    "ModifiedC2": _N(
        "MODIFIED_CIPHERTEXT",
        "One bit of C2 (the masked plaintext) is flipped, so C3 no longer matches.",
    ),
    "OffCurveC1": _N(
        "INVALID_POINT",
        "C1 = (x1, y1 + 1) is not on the curve. Decrypting with it is an invalid-curve attack"
        " on the private key.",
    ),
    "InfinityC1": _N(
        "INVALID_POINT",
        "C1 is (0, 0), the usual encoding of the point at infinity, which is not a valid C1.",
    ),
    "CoordinateNotReduced": _N(
        "INVALID_POINT",
        "C1's x is replaced by x + p in the DER INTEGER. A decryptor that reduces coordinates"
        " mod p instead of rejecting them accepts a second encoding of the same point.",
    ),
    "TruncatedCiphertext": _N(
        "MODIFIED_CIPHERTEXT",
        "The last byte of the ciphertext is removed.",
    ),
    "EmptyC2": _N(
        "EDGE_CASE",
        "C2 is empty (a zero-length plaintext). SM2PKE and KMS require at least one byte.",
    ),
    "WrongEncodingOrder": _N(
        "MODIFIED_PARAMETER",
        "The bytes are C1C2C3 but the case says C1C3C2, or the reverse: the most common SM2"
        " interop bug. C3 no longer matches when the layout is read as stated.",
    ),
    "WrongC3Length": _N(
        "MODIFIED_CIPHERTEXT",
        "The DER hash OCTET STRING holds 31 bytes; C3 is always 32.",
    ),
    # --- ECDH ---------------------------------------------------------------------------
    "OffCurvePoint": _N(
        "INVALID_POINT",
        "The peer point (x, y + 1) is not on the curve. Using it anyway is an invalid-curve"
        " attack that leaks the private key.",
    ),
    "PointAtInfinity": _N(
        "INVALID_POINT",
        "The peer public key is the point at infinity (the single byte 00). It must be rejected.",
    ),
    "InvalidCompressedPoint": _N(
        "INVALID_POINT",
        "A compressed peer point whose x has no y on the curve (x^3 + ax + b is not a square).",
    ),
    "WrongCurve": _N(
        "WRONG_PRIMITIVE",
        "The peer key is a valid point on another curve (same coordinate size where one"
        " exists: secp256k1 for P-256, P-256 for SM2). An implementation that ignores the"
        " curve in the SubjectPublicKeyInfo multiplies an off-curve point.",
    ),
}
