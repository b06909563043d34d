"""Every exception kmskit raises, rooted at :class:`KmskitError`.

This module sits in the lowest layer so that ``keystore``, ``envelope`` and ``cli`` raise the
same classes. KMS-facing errors carry the exact AWS KMS error name in ``code``; the CLI prints
that name first, so scripts written against ``aws kms`` can match on it.

Messages never contain key material, plaintext or data keys.
"""

from __future__ import annotations

__all__ = [
    "AccessDeniedException",
    "AlreadyExistsException",
    "ArmorFormatError",
    "AuditLogError",
    "AwsClientError",
    "AwsConfigurationError",
    "AwsConnectionError",
    "AwsKmsServiceError",
    "BodyFormatError",
    "CiphertextFormatError",
    "DisabledException",
    "EnvelopeError",
    "EnvelopeLimitExceeded",
    "ExpiredImportTokenException",
    "FileAccessError",
    "HeaderAuthenticationError",
    "HeaderFormatError",
    "IncorrectKeyException",
    "IncorrectKeyMaterialException",
    "IncorrectPassphraseError",
    "InputChangedError",
    "InvalidAliasNameException",
    "InvalidCiphertextException",
    "InvalidGrantIdException",
    "InvalidGrantTokenException",
    "InvalidImportTokenException",
    "InvalidKeyUsageException",
    "InvalidMarkerException",
    "InvalidPointError",
    "KMSInvalidMacException",
    "KMSInvalidSignatureException",
    "KMSInvalidStateException",
    "KeyCommitmentError",
    "KeyFormatError",
    "KeyringMismatch",
    "KeystoreError",
    "KmsError",
    "KmskitError",
    "LimitExceededException",
    "MalformedPolicyDocumentException",
    "MaxEncryptedDataKeysExceeded",
    "MessageSignatureError",
    "NoMatchingKeyringError",
    "NotFoundException",
    "OutputRefusedError",
    "PassphraseRequiredError",
    "PayloadAuthenticationError",
    "SignatureFormatError",
    "TagException",
    "UnsupportedKeySpecError",
    "UnsupportedMessageError",
    "UnsupportedOperationException",
    "ValidationException",
    "VectorCheckFailed",
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


class InvalidAliasNameException(ValidationException):
    """An alias name lacks the ``alias/`` prefix or uses the reserved ``alias/aws/`` one."""

    code = "InvalidAliasNameException"


class InvalidMarkerException(ValidationException):
    """A pagination marker was not one this list operation returned."""

    code = "InvalidMarkerException"


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


class KMSInvalidMacException(KmsError):
    """The MAC does not verify (KMS VerifyMac ``KMSInvalidMacException``)."""

    code = "KMSInvalidMacException"


class InvalidCiphertextException(KmsError):
    """The ciphertext is corrupt, truncated or does not authenticate."""

    code = "InvalidCiphertextException"


class IncorrectKeyException(KmsError):
    """The ciphertext was made under a different key than the one given."""

    code = "IncorrectKeyException"


class ExpiredImportTokenException(KmsError):
    """ImportKeyMaterial with an import token past its ParametersValidTo (24 hours)."""

    code = "ExpiredImportTokenException"


class InvalidImportTokenException(KmsError):
    """ImportKeyMaterial with an import token that is not one GetParametersForImport made for
    this key (altered, foreign, or for another key)."""

    code = "InvalidImportTokenException"


class IncorrectKeyMaterialException(KmsError):
    """Imported key material that does not fit the key spec, or is not the material imported
    into this key before (KMS allows re-importing only the same material)."""

    code = "IncorrectKeyMaterialException"


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


class PlaintextNotTextException(UnsupportedOperationException):
    """Alibaba KMS's Decrypt returns its plaintext as a JSON string: a plaintext that is not
    UTF-8 text (binary, encrypted through the AWS API) cannot be returned that way."""


class AccessDeniedException(KmsError):
    """AWS KMS refused the caller (key policy, IAM policy or grant)."""

    code = "AccessDeniedException"
    # The keystore's authorization decisions up to the refusal (each an Action with
    # Decision.audit_fields()), for the audit record of the refused call.
    audit_fields: list[dict[str, str]] | None = None


class MalformedPolicyDocumentException(KmsError, ValueError):
    """A key policy is not valid JSON, is over 32 KB, has a malformed statement, names an
    unknown condition key or operator, or would lock the caller out of PutKeyPolicy.

    The message names the statement and element at fault (docs/authorization.md).
    """

    code = "MalformedPolicyDocumentException"


class InvalidGrantTokenException(KmsError, ValueError):
    """A grant token is not one this keystore issued (KMS ``InvalidGrantTokenException``)."""

    code = "InvalidGrantTokenException"


class InvalidGrantIdException(KmsError, ValueError):
    """A grant id is malformed, or names no grant of the key given (KMS
    ``InvalidGrantIdException``)."""

    code = "InvalidGrantIdException"


class AwsKmsServiceError(KmsError):
    """AWS KMS returned an error kmskit has no class of its own for; ``code`` is the error
    code KMS returned (``KeyUnavailableException``, ``ThrottlingException`` …)."""

    code = "KMSInternalException"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code


class AwsClientError(KmskitError):
    """The AWS SDK failed to make a request for another reason than the network or its
    configuration; ``code`` is the botocore exception's name."""

    code = "AwsClientError"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code


class AwsConfigurationError(AwsClientError):
    """The AWS SDK is missing or not configured for the request: no credentials, an unknown
    profile, no region, ``boto3`` not installed. The user must supply something."""

    code = "AwsConfigurationError"


class AwsConnectionError(AwsClientError):
    """The AWS KMS endpoint could not be reached or did not answer in time."""

    code = "EndpointConnectionError"


class KeystoreError(KmskitError):
    """The local keystore cannot be opened or used (bad home, unreadable or foreign store)."""

    code = "KeystoreError"


class PassphraseRequiredError(KeystoreError):
    """The keystore is sealed with a passphrase and none was given."""

    code = "PassphraseRequiredError"


class IncorrectPassphraseError(KeystoreError):
    """The passphrase or master key file does not open this keystore."""

    code = "IncorrectPassphraseError"


class VectorCheckFailed(KmskitError):
    """A test-vector file was checked and kmskit or the oracle disagreed with some case.

    Like an invalid signature, the check ran and the answer is no: the CLI exits 1.
    """

    code = "VectorCheckFailed"


class AuditLogError(KeystoreError):
    """The audit log's hash chain does not verify: a record was edited or removed."""

    code = "AuditLogError"


class OutputRefusedError(KmskitError, ValueError):
    """An output may not be written: it exists (without ``--overwrite``), it is a directory,
    it is an input of the same command, or its directory is missing.

    Printed as ``UsageError`` (exit 2), like the other refusals made before any work.
    """

    code = "UsageError"


class FileAccessError(KmskitError):
    """A file or directory could not be read or written: permission denied, no space left,
    a read-only file system, a closed standard stream. The message names the path and the
    system's reason; the command ran and failed (exit 1)."""

    code = "FileAccessError"


class InputChangedError(FileAccessError):
    """An input file ended before the size it had when the work on it started: something
    shortened it meanwhile. What was written from it is incomplete; the CLI discards it."""

    code = "InputChangedError"


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


# ---------------------------------------------------------------------------------------------
# Envelope messages (docs/format.md). The classes follow the failure classes of the vectors:
# header parse failure, header authentication failure, payload failure, no matching keyring,
# signature failure. Every failure while reading a message is an EnvelopeError; the keyrings
# may also raise the KMS-named errors above (InvalidCiphertextException, DisabledException …).


class EnvelopeError(KmskitError):
    """Root of the envelope-message failures."""

    code = "EnvelopeError"


class HeaderFormatError(EnvelopeError, ValueError):
    """The message header does not parse: truncated, malformed, or a field out of range."""

    code = "HeaderFormatError"


class UnsupportedMessageError(HeaderFormatError):
    """A well-formed message kmskit refuses: format version 1, a non-committing or unknown
    algorithm suite, or base64 text where binary was expected."""

    code = "UnsupportedMessage"


class EnvelopeLimitExceeded(HeaderFormatError):
    """The message exceeds a decrypt limit (header size, frame length, frame count)."""

    code = "EnvelopeLimitExceeded"


class MaxEncryptedDataKeysExceeded(EnvelopeLimitExceeded):
    """The header holds more encrypted data keys than the configured maximum."""

    code = "MaxEncryptedDataKeysExceeded"

    def __init__(self, count: int, maximum: int) -> None:
        super().__init__(
            f"the message has {count} encrypted data keys; the maximum is {maximum}"
            " (raise it with max_encrypted_data_keys / --max-encrypted-data-keys)"
        )
        self.count = count
        self.maximum = maximum


class HeaderAuthenticationError(EnvelopeError):
    """The header authentication tag does not verify under the data key."""

    code = "HeaderAuthenticationError"


class KeyCommitmentError(HeaderAuthenticationError):
    """The commitment key in the header does not match the one derived from the data key."""

    code = "KeyCommitmentError"


class PayloadAuthenticationError(EnvelopeError):
    """A frame (or the non-framed body) does not authenticate."""

    code = "PayloadAuthenticationError"


class BodyFormatError(EnvelopeError, ValueError):
    """The body or footer is malformed: truncated, out-of-order frames, a final frame longer
    than the frame length, a missing footer, or bytes after the end of the message."""

    code = "BodyFormatError"


class MessageSignatureError(EnvelopeError):
    """The footer signature of a signed suite does not verify."""

    code = "MessageSignatureError"


class ArmorFormatError(EnvelopeError, ValueError):
    """Base64-armoured input (``--decode``) is not valid base64."""

    code = "ArmorFormatError"


class KeyringMismatch(EnvelopeError):
    """Raised by a keyring's ``unwrap`` for "this encrypted data key is not mine".

    Any other exception from ``unwrap`` is fatal for the decryption.
    """

    code = "KeyringMismatch"


class NoMatchingKeyringError(EnvelopeError):
    """No keyring could unwrap any encrypted data key of the message.

    ``errors`` holds one line per (keyring, encrypted data key) attempt: the keyring, the
    provider id and key name it was offered, and why it declined. None is secret.
    """

    code = "NoMatchingKeyringError"

    def __init__(self, message: str, errors: tuple[str, ...] = ()) -> None:
        detail = "".join(f"\n  - {line}" for line in errors)
        super().__init__(message + detail)
        self.errors = errors
