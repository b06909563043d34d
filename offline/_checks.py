"""The refusal rules KMS applies before any operation: algorithm, usage and input length.

One place decides what KMS would reject, so ``sign``, ``verify``, ``encrypt`` and
``derive_shared_secret`` refuse the same things with the same KMS error names.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from kmskit.offline.errors import InvalidKeyUsageException, ValidationException
from kmskit.offline.specs import (
    MAX_RAW_MESSAGE,
    KeySpec,
    KeyUsage,
    MessageType,
    SigningAlgorithm,
    signing_profile,
)

E = TypeVar("E", bound=StrEnum)


def parse_name(enum: type[E], value: E | str, what: str) -> E:
    """Turn a KMS algorithm name into its enum member; unknown names are a ValidationException."""
    if isinstance(value, enum):
        return value
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(m.value for m in enum)
        raise ValidationException(f"unknown {what} {value!r}; expected one of: {choices}") from None


def require_algorithm(spec: KeySpec, algorithm: StrEnum, allowed: tuple[StrEnum, ...]) -> None:
    """KMS rejects an algorithm the key spec does not support with InvalidKeyUsageException."""
    if algorithm not in allowed:
        supported = ", ".join(str(a) for a in allowed) or "none"
        raise InvalidKeyUsageException(
            f"{algorithm} is not valid for key spec {spec} (supported: {supported})"
        )


def require_usage(
    usage: KeyUsage | None, needed: KeyUsage, operation: str, *, force: bool, why: str
) -> None:
    """Refuse a key whose usage is *known* to be something else, unless ``force``.

    An unknown usage (a bare PEM) passes: only the KMS side knows, and refusing would block
    every legitimate use of a downloaded key.
    """
    if usage is None or usage is needed or force:
        return
    raise InvalidKeyUsageException(
        f"key usage is {usage}, not {needed}: {why}; {operation} refused (force overrides)"
    )


def check_signing_input(
    algorithm: SigningAlgorithm, message_type: MessageType, message: bytes
) -> None:
    """Check the message type and length exactly as KMS Sign/Verify do."""
    prof = signing_profile(algorithm)
    if message_type not in prof.message_types:
        allowed = ", ".join(str(m) for m in prof.message_types)
        raise ValidationException(
            f"{algorithm} does not accept MessageType {message_type} (use {allowed})"
        )
    if message_type is MessageType.RAW:
        if len(message) > MAX_RAW_MESSAGE:
            raise ValidationException(
                f"a RAW message is at most {MAX_RAW_MESSAGE} bytes (got {len(message)});"
                " hash it and pass MessageType DIGEST (kmskit offline verify and sign:"
                " --digest-of FILE)"
            )
    elif len(message) != prof.digest_length:
        raise ValidationException(
            f"{message_type} for {algorithm} must be exactly {prof.digest_length} bytes"
            f" (got {len(message)})"
        )
