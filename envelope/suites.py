"""The envelope algorithm-suite table and the message limits: the one place that spells them.

Suite ids, key and tag lengths, hashes, signature algorithms and every decrypt limit are
written here and nowhere else (STYLE 3); the format, crypto and streaming modules read them.
This module imports nothing from ``cryptography``, so reading the table stays cheap.

Sources: AWS Encryption SDK specification, ``framework/algorithm-suites.md`` (suites 0x0478
and 0x0578, "Algorithm Suite Data Length" 32), ``data-format/message-body.md`` (frame and
non-framed limits), ``client-apis/client.md`` (maximum encrypted data keys); the GM suites
0x4D04/0x4D05 are ours (docs/format.md#algorithm-suites).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from kmskit.offline.errors import UnsupportedMessageError, ValidationException
from kmskit.offline.specs import HashName

__all__ = [
    "DEFAULT_ALGORITHM",
    "DEFAULT_COMMITMENT_POLICY",
    "DEFAULT_FRAME_LENGTH",
    "DEFAULT_MAX_ENCRYPTED_DATA_KEYS",
    "DEFAULT_MAX_HEADER_SIZE",
    "LEGACY_DECRYPT_HINT",
    "MAX_FRAME_COUNT",
    "MAX_FRAME_LENGTH",
    "MAX_NON_FRAMED_LENGTH",
    "MESSAGE_FORMAT_VERSION",
    "PUBLIC_KEY_CONTEXT_KEY",
    "RESERVED_CONTEXT_PREFIX",
    "BodyCipher",
    "CommitmentPolicy",
    "EnvelopeAlgorithm",
    "FooterSignature",
    "LegacyAlgorithm",
    "SuiteProfile",
    "legacy_suite_for_id",
    "parse_algorithm",
    "parse_commitment_policy",
    "suite",
    "suite_for_id",
]


class EnvelopeAlgorithm(StrEnum):
    """Algorithm-suite names, as the ESDK spells them (without its ``ALG_`` prefix)."""

    AES_256_GCM_HKDF_SHA512_COMMIT_KEY = "AES_256_GCM_HKDF_SHA512_COMMIT_KEY"
    AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384 = "AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384"
    SM4_GCM_HKDF_SM3_COMMIT_KEY = "SM4_GCM_HKDF_SM3_COMMIT_KEY"
    SM4_GCM_HKDF_SM3_COMMIT_KEY_SM2 = "SM4_GCM_HKDF_SM3_COMMIT_KEY_SM2"


class LegacyAlgorithm(StrEnum):
    """The ESDK suites that do not commit to their data key (message format version 1).

    kmskit reads them under a commitment policy that allows it and never writes them."""

    AES_128_GCM_IV12_TAG16_NO_KDF = "AES_128_GCM_IV12_TAG16_NO_KDF"
    AES_192_GCM_IV12_TAG16_NO_KDF = "AES_192_GCM_IV12_TAG16_NO_KDF"
    AES_256_GCM_IV12_TAG16_NO_KDF = "AES_256_GCM_IV12_TAG16_NO_KDF"
    AES_128_GCM_IV12_TAG16_HKDF_SHA256 = "AES_128_GCM_IV12_TAG16_HKDF_SHA256"
    AES_192_GCM_IV12_TAG16_HKDF_SHA256 = "AES_192_GCM_IV12_TAG16_HKDF_SHA256"
    AES_256_GCM_IV12_TAG16_HKDF_SHA256 = "AES_256_GCM_IV12_TAG16_HKDF_SHA256"
    AES_128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256 = "AES_128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256"
    AES_192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384 = "AES_192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384"
    AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384 = "AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384"


class CommitmentPolicy(StrEnum):
    """The ESDK commitment policies (client-apis/client.md#commitment-policy).

    ``*_ALLOW_DECRYPT`` reads format version 1 (non-committing suites) as well; encrypt
    always writes a committing suite, so ``FORBID_ENCRYPT_ALLOW_DECRYPT`` is refused there.
    """

    FORBID_ENCRYPT_ALLOW_DECRYPT = "FORBID_ENCRYPT_ALLOW_DECRYPT"
    REQUIRE_ENCRYPT_ALLOW_DECRYPT = "REQUIRE_ENCRYPT_ALLOW_DECRYPT"
    REQUIRE_ENCRYPT_REQUIRE_DECRYPT = "REQUIRE_ENCRYPT_REQUIRE_DECRYPT"

    @property
    def allows_legacy_decrypt(self) -> bool:
        return self is not CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT


DEFAULT_COMMITMENT_POLICY: Final = CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT
# What the refusal of a version 1 message names, so the user learns how to read it.
LEGACY_DECRYPT_HINT: Final = (
    "decrypt it with --commitment-policy REQUIRE_ENCRYPT_ALLOW_DECRYPT (library:"
    " commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT)"
)


def parse_commitment_policy(policy: CommitmentPolicy | str) -> CommitmentPolicy:
    """Return the policy for a name: the ESDK spelling, or aws-encryption-cli's
    (``require-encrypt-allow-decrypt``); ValidationException otherwise."""
    try:
        return CommitmentPolicy(str(policy).strip().upper().replace("-", "_"))
    except ValueError:
        choices = ", ".join(p.value for p in CommitmentPolicy)
        raise ValidationException(
            f"unknown commitment policy {policy!r}; expected one of: {choices}"
        ) from None


class BodyCipher(StrEnum):
    AES_GCM = "AES-GCM"
    SM4_GCM = "SM4-GCM"


class FooterSignature(StrEnum):
    ECDSA_P256 = "ECDSA_P256"  # ECDSA on secp256r1 over SHA-256 (suite 0x0214 only)
    ECDSA_P384 = "ECDSA_P384"  # ECDSA on secp384r1 over SHA-384, DER (r, s)
    SM2 = "SM2"  # SM2DSA over SM3(Z_A ‖ M) with the default ID, DER (r, s)


@dataclass(frozen=True)
class SuiteProfile:
    """Everything the message format needs to know about one algorithm suite."""

    name: EnvelopeAlgorithm | LegacyAlgorithm
    suite_id: int
    cipher: BodyCipher
    data_key_length: int  # HKDF input (the plaintext data key) and output (the body key)
    kdf_hash: HashName  # HKDF hash, for both the body key and the commit key
    commit_key_length: int  # the Algorithm Suite Data in the header
    iv_length: int
    tag_length: int
    signature: FooterSignature | None
    signature_hash: HashName | None
    # The DER length kmskit's ECDSA P-384 footers always have (as the ESDK makes them); None
    # when the encoding length varies (SM2). Decrypt accepts any valid DER either way.
    signature_length: int | None
    # Message format 2 suites commit to their key (HKDF extract with the message id as salt,
    # commit key in the header). Format 1 suites derive the body key with HKDF (salt none,
    # info = suite id ‖ message id) when kdf_hash is set, or use the data key as it is.
    committing: bool = True
    identity_kdf: bool = False  # the body key is the data key itself (the NO_KDF suites)
    message_format_version: int = 2
    message_id_length: int = 32

    @property
    def id_bytes(self) -> bytes:
        return self.suite_id.to_bytes(2, "big")

    @property
    def signed(self) -> bool:
        return self.signature is not None


def _aes(name: EnvelopeAlgorithm, suite_id: int, signed: bool) -> SuiteProfile:
    return SuiteProfile(
        name=name,
        suite_id=suite_id,
        cipher=BodyCipher.AES_GCM,
        data_key_length=32,
        kdf_hash=HashName.SHA512,
        commit_key_length=32,
        iv_length=12,
        tag_length=16,
        signature=FooterSignature.ECDSA_P384 if signed else None,
        signature_hash=HashName.SHA384 if signed else None,
        signature_length=103 if signed else None,
    )


def _sm4(name: EnvelopeAlgorithm, suite_id: int, signed: bool) -> SuiteProfile:
    return SuiteProfile(
        name=name,
        suite_id=suite_id,
        cipher=BodyCipher.SM4_GCM,
        data_key_length=16,
        kdf_hash=HashName.SM3,
        commit_key_length=32,
        iv_length=12,
        tag_length=16,
        signature=FooterSignature.SM2 if signed else None,
        signature_hash=HashName.SM3 if signed else None,
        signature_length=None,
    )


def _legacy(
    name: LegacyAlgorithm,
    suite_id: int,
    key_length: int,
    kdf: HashName | None,
    signature: FooterSignature | None = None,
) -> SuiteProfile:
    # framework/algorithm-suites.md: every format 1 suite is AES-GCM, IV 12, tag 16, with a
    # 16-byte message id; the signed ones use ECDSA P-256/SHA-256 (0x0214) or
    # P-384/SHA-384 (0x0346, 0x0378).
    signature_hash = {
        FooterSignature.ECDSA_P256: HashName.SHA256,
        FooterSignature.ECDSA_P384: HashName.SHA384,
    }.get(signature) if signature is not None else None
    return SuiteProfile(
        name=name,
        suite_id=suite_id,
        cipher=BodyCipher.AES_GCM,
        data_key_length=key_length,
        kdf_hash=kdf if kdf is not None else HashName.SHA256,
        commit_key_length=0,
        iv_length=12,
        tag_length=16,
        signature=signature,
        signature_hash=signature_hash,
        signature_length=None,
        committing=False,
        identity_kdf=kdf is None,
        message_format_version=1,
        message_id_length=16,
    )


_A = EnvelopeAlgorithm
_SUITES: Final[dict[EnvelopeAlgorithm | LegacyAlgorithm, SuiteProfile]] = {
    p.name: p
    for p in (
        _aes(_A.AES_256_GCM_HKDF_SHA512_COMMIT_KEY, 0x0478, signed=False),
        _aes(_A.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384, 0x0578, signed=True),
        _sm4(_A.SM4_GCM_HKDF_SM3_COMMIT_KEY, 0x4D04, signed=False),
        _sm4(_A.SM4_GCM_HKDF_SM3_COMMIT_KEY_SM2, 0x4D05, signed=True),
    )
}
_BY_ID: Final = {p.suite_id: p for p in _SUITES.values()}

_L = LegacyAlgorithm
_P256, _P384 = FooterSignature.ECDSA_P256, FooterSignature.ECDSA_P384
_H256, _H384 = HashName.SHA256, HashName.SHA384
_LEGACY_BY_ID: Final[dict[int, SuiteProfile]] = {
    p.suite_id: p
    for p in (
        _legacy(_L.AES_128_GCM_IV12_TAG16_NO_KDF, 0x0014, 16, None),
        _legacy(_L.AES_192_GCM_IV12_TAG16_NO_KDF, 0x0046, 24, None),
        _legacy(_L.AES_256_GCM_IV12_TAG16_NO_KDF, 0x0078, 32, None),
        _legacy(_L.AES_128_GCM_IV12_TAG16_HKDF_SHA256, 0x0114, 16, _H256),
        _legacy(_L.AES_192_GCM_IV12_TAG16_HKDF_SHA256, 0x0146, 24, _H256),
        _legacy(_L.AES_256_GCM_IV12_TAG16_HKDF_SHA256, 0x0178, 32, _H256),
        _legacy(_L.AES_128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256, 0x0214, 16, _H256, _P256),
        _legacy(_L.AES_192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384, 0x0346, 24, _H384, _P384),
        _legacy(_L.AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384, 0x0378, 32, _H384, _P384),
    )
}

DEFAULT_ALGORITHM: Final = EnvelopeAlgorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY
MESSAGE_FORMAT_VERSION: Final = 0x02
# The ESDK reserves this context-key prefix; the signed suites put their verification key
# under PUBLIC_KEY_CONTEXT_KEY (compressed point, base64).
RESERVED_CONTEXT_PREFIX: Final = "aws-crypto-"
PUBLIC_KEY_CONTEXT_KEY: Final = "aws-crypto-public-key"

DEFAULT_FRAME_LENGTH: Final = 65536
# ESDK MAX_FRAME_SIZE: the largest frame length it writes or reads.
MAX_FRAME_LENGTH: Final = 2**31 - 1
# message-body.md: at most 2^32 − 1 frames; 0xFFFFFFFF is the final-frame marker.
MAX_FRAME_COUNT: Final = 2**32 - 1
# message-body.md: non-framed encrypted content is at most 2^36 − 32 bytes (the GCM limit).
MAX_NON_FRAMED_LENGTH: Final = 2**36 - 32
# client.md "maximum number of encrypted data keys"; the ESDK default is unbounded, ours 16.
DEFAULT_MAX_ENCRYPTED_DATA_KEYS: Final = 16
# A header bound, so a hostile header cannot make decrypt buffer megabytes before the first
# check: 16 EDKs of 64 KiB each plus a maximal context still fit.
DEFAULT_MAX_HEADER_SIZE: Final = 2**21


def suite(name: EnvelopeAlgorithm) -> SuiteProfile:
    """Return the profile of a suite given by its enum member."""
    return _SUITES[name]


def parse_algorithm(name: EnvelopeAlgorithm | str) -> SuiteProfile:
    """Return the profile for an algorithm name (``AES_256_GCM_HKDF_SHA512_COMMIT_KEY`` …).

    The ESDK spelling with an ``ALG_`` prefix is accepted too. Raises
    :class:`ValidationException` for an unknown name.
    """
    if isinstance(name, EnvelopeAlgorithm):
        return _SUITES[name]
    text = str(name).strip().upper().removeprefix("ALG_")
    if text in LegacyAlgorithm.__members__:
        raise ValidationException(
            f"algorithm {text} does not commit to its data key: kmskit never writes a"
            " non-committing message (it only reads them, under a commitment policy that"
            " allows it)"
        )
    try:
        return _SUITES[EnvelopeAlgorithm(text)]
    except ValueError:
        choices = ", ".join(a.value for a in EnvelopeAlgorithm)
        raise ValidationException(
            f"unknown algorithm {name!r}; expected one of: {choices}"
        ) from None


def suite_for_id(suite_id: int) -> SuiteProfile:
    """Return the profile for a suite id read from a header.

    Raises :class:`UnsupportedMessageError` for a non-committing ESDK suite (with its name)
    and for an unknown id.
    """
    found = _BY_ID.get(suite_id)
    if found is not None:
        return found
    legacy = _LEGACY_BY_ID.get(suite_id)
    if legacy is not None:
        raise UnsupportedMessageError(
            f"algorithm suite 0x{suite_id:04X} ({legacy.name.value}) does not commit to its"
            " data key and belongs in message format version 1, not 2"
        )
    raise UnsupportedMessageError(f"unknown algorithm suite 0x{suite_id:04X}")


def legacy_suite_for_id(suite_id: int) -> SuiteProfile:
    """Return the profile of a format version 1 (non-committing) suite id.

    Raises :class:`UnsupportedMessageError` for any other id, committing ones included:
    they belong in format version 2."""
    found = _LEGACY_BY_ID.get(suite_id)
    if found is not None:
        return found
    if suite_id in _BY_ID:
        raise UnsupportedMessageError(
            f"algorithm suite 0x{suite_id:04X} belongs in message format version 2, not 1"
        )
    raise UnsupportedMessageError(f"unknown algorithm suite 0x{suite_id:04X}")
