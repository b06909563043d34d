"""Request parameter checks, with the KMS error for each (mostly ValidationException).

Each function takes what a caller passed and returns it parsed, or raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from kmskit.keystore._keys import Origin
from kmskit.keystore._limits import (
    DEFAULT_ROTATION_PERIOD_DAYS,
    MAX_DESCRIPTION,
    MAX_PENDING_WINDOW_DAYS,
    MIN_PENDING_WINDOW_DAYS,
    ROTATION_PERIOD_DAYS,
)
from kmskit.offline.encryption_context import serialize_encryption_context
from kmskit.offline.errors import UnsupportedOperationException, ValidationException
from kmskit.offline.specs import (
    ALIBABA_KEY_USAGES,
    DATA_KEY_PAIR_SPECS,
    MAX_CIPHERTEXT_BLOB,
    MAX_NUMBER_OF_BYTES,
    MAX_PUBLIC_KEY,
    MAX_RAW_MESSAGE,
    WRAPPING_ALGORITHMS,
    WRAPPING_KEY_SPECS,
    DataKeySpec,
    EncryptionAlgorithm,
    KeyAgreementAlgorithm,
    KeySpec,
    KeyUsage,
    MacAlgorithm,
    MessageType,
    SigningAlgorithm,
    WrappingAlgorithm,
)

E = TypeVar("E", bound=StrEnum)

__all__ = [
    "blob",
    "choice",
    "ciphertext_blob",
    "data_key_length",
    "description",
    "encryption_algorithm",
    "encryption_context",
    "key_agreement_algorithm",
    "key_pair_spec",
    "key_usage",
    "mac_algorithm",
    "message",
    "number_of_bytes",
    "origin",
    "pending_window",
    "plaintext",
    "public_key",
    "rotation_period",
    "signature_or_mac",
    "signing",
    "wrapping",
]


def key_usage(value: str) -> KeyUsage:
    """An AWS (``SIGN_VERIFY``) or Alibaba (``SIGN/VERIFY``) key usage."""
    if isinstance(value, str) and value in ALIBABA_KEY_USAGES:
        return ALIBABA_KEY_USAGES[value]
    try:
        return KeyUsage(value)
    except ValueError:
        raise ValidationException(f"unknown KeyUsage {value!r}") from None


def origin(value: str) -> Origin:
    """AWS_KMS or EXTERNAL. The custom key store origins are
    :class:`UnsupportedOperationException`."""
    try:
        parsed = Origin(value)
    except ValueError:
        raise ValidationException(f"unknown Origin {value!r}") from None
    if parsed not in (Origin.AWS_KMS, Origin.EXTERNAL):
        raise UnsupportedOperationException(
            f"Origin {parsed} needs a custom key store, which the local keystore does not have"
        )
    return parsed


def description(value: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_DESCRIPTION:
        raise ValidationException(
            f"Description must be a string of at most {MAX_DESCRIPTION} characters"
        )
    return value


def pending_window(days: int) -> int:
    if (
        isinstance(days, bool)
        or not isinstance(days, int)
        or not MIN_PENDING_WINDOW_DAYS <= days <= MAX_PENDING_WINDOW_DAYS
    ):
        raise ValidationException(
            f"PendingWindowInDays must be from {MIN_PENDING_WINDOW_DAYS} to "
            f"{MAX_PENDING_WINDOW_DAYS}"
        )
    return days


def encryption_algorithm(value: str) -> EncryptionAlgorithm:
    try:
        return EncryptionAlgorithm(value)
    except ValueError:
        raise ValidationException(f"unknown EncryptionAlgorithm {value!r}") from None


def encryption_context(context: Mapping[str, str] | None) -> dict[str, str]:
    """A copy of the context, checked to serialize (string pairs, non-empty keys)."""
    if context is None:
        return {}
    if not isinstance(context, Mapping):
        raise ValidationException("the encryption context must be a mapping of strings")
    serialize_encryption_context(context)
    return dict(context)


def plaintext(
    value: object, maximum: int = MAX_RAW_MESSAGE
) -> bytes | bytearray | memoryview:
    """1 to 4096 bytes (KMS ``PlaintextType``), or to ``maximum`` (Alibaba's SM2PKE); a key
    spec may allow fewer."""
    if not isinstance(value, bytes | bytearray | memoryview) or not (1 <= len(value) <= maximum):
        raise ValidationException(f"Plaintext must be 1 to {maximum} bytes")
    return value


def ciphertext_blob(
    value: object, maximum: int = MAX_CIPHERTEXT_BLOB
) -> bytes | bytearray | memoryview:
    """1 to 6144 bytes (KMS ``CiphertextType``), or to ``maximum`` (Alibaba's SM2PKE); the
    blob format is checked later."""
    if not isinstance(value, bytes | bytearray | memoryview) or not (1 <= len(value) <= maximum):
        raise ValidationException(f"CiphertextBlob must be 1 to {maximum} bytes")
    return value


def number_of_bytes(value: object) -> int:
    """1 to 1024 (GenerateDataKey and GenerateRandom ``NumberOfBytes``)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not (1 <= value <= MAX_NUMBER_OF_BYTES)
    ):
        raise ValidationException(f"NumberOfBytes must be from 1 to {MAX_NUMBER_OF_BYTES}")
    return value


def data_key_spec_length(key_spec: str) -> int:
    """The length of a data key of ``KeySpec`` ``key_spec`` (AES_256, AES_128)."""
    try:
        return DataKeySpec(key_spec).length
    except ValueError:
        choices = " or ".join(s.value for s in DataKeySpec)
        raise ValidationException(f"KeySpec must be {choices}, not {key_spec!r}") from None


def data_key_length(key_spec: str | None, number_of_bytes_: int | None) -> int | None:
    """The data key length asked for, or None when neither parameter was given."""
    if key_spec is not None and number_of_bytes_ is not None:
        raise ValidationException("specify either KeySpec or NumberOfBytes, not both")
    if key_spec is not None:
        return data_key_spec_length(key_spec)
    if number_of_bytes_ is not None:
        return number_of_bytes(number_of_bytes_)
    return None


def choice(enum: type[E], value: object, name: str) -> E:
    """A KMS enum value by its KMS name (``SigningAlgorithm``, ``MacAlgorithm`` …)."""
    if isinstance(value, str):
        try:
            return enum(value)
        except ValueError:
            pass
    allowed = ", ".join(m.value for m in enum)
    raise ValidationException(f"{name} must be one of {allowed}, not {value!r}")


def blob(value: object, name: str, maximum: int) -> bytes:
    """A binary parameter of 1 to ``maximum`` bytes, as bytes."""
    if not isinstance(value, bytes | bytearray | memoryview) or not 1 <= len(value) <= maximum:
        raise ValidationException(f"{name} must be 1 to {maximum} bytes")
    return bytes(value)


def message(value: object) -> bytes:
    """Sign/Verify/GenerateMac ``Message``: 1 to 4096 bytes (KMS ``PlaintextType``)."""
    return blob(value, "Message", MAX_RAW_MESSAGE)


def signature_or_mac(value: object, name: str) -> bytes:
    """Verify ``Signature`` and VerifyMac ``Mac``: 1 to 6144 bytes (KMS ``CiphertextType``)."""
    return blob(value, name, MAX_CIPHERTEXT_BLOB)


def public_key(value: object) -> bytes:
    """DeriveSharedSecret ``PublicKey``: 1 to 8192 bytes (KMS ``PublicKeyType``)."""
    return blob(value, "PublicKey", MAX_PUBLIC_KEY)


def signing(algorithm: object, message_type: object) -> tuple[SigningAlgorithm, MessageType]:
    return (
        choice(SigningAlgorithm, algorithm, "SigningAlgorithm"),
        choice(MessageType, message_type, "MessageType"),
    )


def mac_algorithm(value: object) -> MacAlgorithm:
    return choice(MacAlgorithm, value, "MacAlgorithm")


def key_agreement_algorithm(value: object) -> KeyAgreementAlgorithm:
    return choice(KeyAgreementAlgorithm, value, "KeyAgreementAlgorithm")


def key_pair_spec(value: object) -> KeySpec:
    """GenerateDataKeyPair ``KeyPairSpec``: one of the specs kmskit can generate."""
    if value in DATA_KEY_PAIR_SPECS:
        return KeySpec(str(value))
    allowed = ", ".join(DATA_KEY_PAIR_SPECS)
    raise ValidationException(f"KeyPairSpec must be one of {allowed}, not {value!r}")


def wrapping(algorithm: object, key_spec: object) -> tuple[WrappingAlgorithm, KeySpec]:
    """GetParametersForImport ``WrappingAlgorithm`` and ``WrappingKeySpec``, and that they fit
    together (SM2PKE needs an SM2 wrapping key, the RSA algorithms an RSA one)."""
    alg = choice(WrappingAlgorithm, algorithm, "WrappingAlgorithm")
    if key_spec not in WRAPPING_KEY_SPECS:
        allowed = ", ".join(WRAPPING_KEY_SPECS)
        raise ValidationException(f"WrappingKeySpec must be one of {allowed}, not {key_spec!r}")
    spec = KeySpec(str(key_spec))
    if spec not in WRAPPING_ALGORITHMS[alg]:
        raise ValidationException(f"WrappingAlgorithm {alg} cannot be used with {spec}")
    return alg, spec


def rotation_period(days: object, naming: str) -> int:
    """EnableKeyRotation ``RotationPeriodInDays`` within the home's naming rules (AWS 90–2560,
    Alibaba 7–365); None is the default, 365."""
    if days is None:
        return DEFAULT_ROTATION_PERIOD_DAYS
    low, high = ROTATION_PERIOD_DAYS[naming]
    if isinstance(days, bool) or not isinstance(days, int) or not low <= days <= high:
        raise ValidationException(f"RotationPeriodInDays must be from {low} to {high}")
    return days
