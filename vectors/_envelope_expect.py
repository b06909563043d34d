"""The closed vocabulary of envelope-vector outcomes and the kmskit error class behind each.

Every envelope test declares ``kmskit-expect``: ``success`` or one failure class
(docs/vectors.md#expected-outcomes). The names follow kmskit's envelope error classes in
:mod:`offline.errors`, one name per class; :func:`classify` maps an exception to its name,
most specific class first, so a subclass is never mistaken for its parent.
"""

from __future__ import annotations

from typing import Final

from kmskit.offline.errors import (
    BodyFormatError,
    HeaderAuthenticationError,
    HeaderFormatError,
    InvalidCiphertextException,
    KeyCommitmentError,
    KmskitError,
    MaxEncryptedDataKeysExceeded,
    MessageSignatureError,
    NoMatchingKeyringError,
    PayloadAuthenticationError,
)

__all__ = ["DESCRIPTIONS", "EXPECT", "SUCCESS", "classify"]

SUCCESS: Final = "success"

# Most specific first: MaxEncryptedDataKeysExceeded is a HeaderFormatError and
# KeyCommitmentError a HeaderAuthenticationError.
_CLASSES: Final[tuple[tuple[str, type[KmskitError], str], ...]] = (
    (
        "too-many-edks",
        MaxEncryptedDataKeysExceeded,
        "the header holds more encrypted data keys than the decryptor's limit (kmskit's"
        " default 16; the test states the limit in kmskit-max-encrypted-data-keys)",
    ),
    (
        "header-parse-failure",
        HeaderFormatError,
        "the header is malformed, truncated, or names an unsupported version or suite; no"
        " key is needed to see it",
    ),
    (
        "no-matching-keyring",
        NoMatchingKeyringError,
        "no configured key can open any encrypted data key (other key names, or a public"
        " key without its private half)",
    ),
    (
        "invalid-ciphertext",
        InvalidCiphertextException,
        "an encrypted data key named for a configured key does not decrypt (tampered, other"
        " key material, or, for raw AES, another encryption context), or the message's"
        " context lacks a pair the decryptor requires",
    ),
    (
        "bad-commitment",
        KeyCommitmentError,
        "the data key does not match the header's key commitment (checked before the header tag)",
    ),
    (
        "header-authentication-failure",
        HeaderAuthenticationError,
        "the header authentication tag does not verify under the data key",
    ),
    (
        "body-format-failure",
        BodyFormatError,
        "the body is malformed: frames out of order, a final frame longer than the frame"
        " length, a missing final frame or footer, truncation, or bytes after the end",
    ),
    (
        "payload-authentication-failure",
        PayloadAuthenticationError,
        "a frame (or the non-framed body) does not authenticate",
    ),
    (
        "signature-failure",
        MessageSignatureError,
        "the footer signature does not verify",
    ),
)

EXPECT: Final[tuple[str, ...]] = (SUCCESS, *(name for name, _, _ in _CLASSES))
DESCRIPTIONS: Final[dict[str, str]] = {
    SUCCESS: "decryption succeeds and returns exactly the test's plaintext",
    **{name: text for name, _, text in _CLASSES},
}


def classify(exc: KmskitError) -> str | None:
    """The vocabulary name of ``exc``'s class, or None for an error outside the vocabulary."""
    for name, cls, _ in _CLASSES:
        if isinstance(exc, cls):
            return name
    return None
