"""Every exception kmskit raises, rooted at :class:`KmskitError`.

This module sits in the lowest layer so that ``keystore``, ``envelope`` and ``cli`` raise the
same classes. KMS-facing errors carry the exact AWS KMS error name in ``code``; the CLI prints
that name first, so scripts written against ``aws kms`` can match on it.

Messages never contain key material, plaintext or data keys.
"""

from __future__ import annotations

__all__ = [
    "AlreadyExistsException",
    "CiphertextFormatError",
    "DisabledException",
    "IncorrectKeyException",
    "IncorrectPassphraseError",
    "InvalidCiphertextException",
    "InvalidKeyUsageException",
    "InvalidPointError",
    "KMSInvalidSignatureException",
    "KMSInvalidStateException",
    "KeyFormatError",
    "KeystoreError",
    "KmsError",
    "KmskitError",
    "LimitExceededException",
    "NotFoundException",
    "PassphraseRequiredError",
    "SignatureFormatError",
    "TagException",
    "UnsupportedKeySpecError",
    "UnsupportedOperationException",
    "ValidationException",
]


class KmskitError(Exception):
    """Root of every error kmskit raises on purpose."""

    code: str = "KmskitError"


class KmsError(KmskitError):
    """An error that AWS KMS itself would return; ``code`` is the KMS error name."""

    code = "KMSInternalException"


class ValidationException(KmsError, ValueError):
    """A parameter is malformed or out of range (KMS ``ValidationException``).

    Examples: a RAW message over 4096 bytes, a digest of the wrong length, a plaintext over
    the KMS maximum for the algorithm.
    """

    code = "ValidationException"


class InvalidKeyUsageException(KmsError):
    """The key's usage or spec does not allow the requested operation or algorithm.

    KMS returns this name both for a usage mismatch (encrypting with a SIGN_VERIFY key) and
    for an algorithm the key spec does not support.
    """

    code = "InvalidKeyUsageException"


class UnsupportedKeySpecError(KmsError, ValueError):
    """The key is valid but has no KMS key spec (for example RSA-1024 or a Brainpool curve)."""

    code = "UnsupportedKeySpec"


class KMSInvalidSignatureException(KmsError):
    """The signature does not verify (KMS ``KMSInvalidSignatureException``)."""

    code = "KMSInvalidSignatureException"


class InvalidCiphertextException(KmsError):
    """The ciphertext is corrupt, truncated or does not authenticate."""

    code = "InvalidCiphertextException"


class IncorrectKeyException(KmsError):
    """The ciphertext was made under a different key than the one given."""

    code = "IncorrectKeyException"


class DisabledException(KmsError):
    code = "DisabledException"


class KMSInvalidStateException(KmsError):
    code = "KMSInvalidStateException"


class NotFoundException(KmsError):
    code = "NotFoundException"


class AlreadyExistsException(KmsError):
    """An alias (or other named resource) with that name already exists."""

    code = "AlreadyExistsException"


class TagException(KmsError, ValueError):
    """A tag key or value breaks the tag rules (length, count, reserved prefix)."""

    code = "TagException"


class LimitExceededException(KmsError):
    """A per-key limit was reached (for example on-demand rotations)."""

    code = "LimitExceededException"


class UnsupportedOperationException(KmsError):
    """The operation is not supported for this key (for example rotating an asymmetric key)."""

    code = "UnsupportedOperationException"


class KeystoreError(KmskitError):
    """The local keystore cannot be opened or used (bad home, unreadable or foreign store)."""

    code = "KeystoreError"


class PassphraseRequiredError(KeystoreError):
    """The keystore is sealed with a passphrase and none was given."""

    code = "PassphraseRequiredError"


class IncorrectPassphraseError(KeystoreError):
    """The passphrase or master key file does not open this keystore."""

    code = "IncorrectPassphraseError"


class KeyFormatError(KmskitError, ValueError):
    """Key bytes could not be parsed in any of the accepted formats."""

    code = "KeyFormatError"


class SignatureFormatError(KmskitError, ValueError):
    """A signature encoding is malformed (bad DER, wrong raw length, r or s out of range)."""

    code = "SignatureFormatError"


class CiphertextFormatError(KmskitError, ValueError):
    """A ciphertext encoding is malformed (bad DER, wrong length, unknown layout)."""

    code = "CiphertextFormatError"


class InvalidPointError(KmskitError, ValueError):
    """An elliptic-curve point is not on the curve, is the point at infinity, or is malformed."""

    code = "InvalidPointError"
