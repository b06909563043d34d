"""The errors only a server has (authentication), and the AWS error response.

AWS JSON 1.1 errors are ``{"__type": "NotFoundException", "message": "…"}``; every client
error is HTTP 400 and ``KMSInternalException`` is 500 (AWS KMS API Reference, "Common
Errors"; Smithy, "AWS JSON 1.1 protocol", operation error serialisation).
"""

from __future__ import annotations

import json

from kmskit.offline.errors import KmsError, KmskitError

__all__ = [
    "IncompleteSignatureException",
    "InvalidSignatureException",
    "MissingAuthenticationTokenException",
    "UnknownOperationException",
    "UnrecognizedClientException",
    "error_response",
]

INTERNAL = "KMSInternalException"


class MissingAuthenticationTokenException(KmsError):
    """The request carries no SigV4 ``Authorization`` header."""

    code = "MissingAuthenticationTokenException"


class IncompleteSignatureException(KmsError):
    """The ``Authorization`` header is not a complete SigV4 signature."""

    code = "IncompleteSignatureException"


class UnrecognizedClientException(KmsError):
    """The access key id is not one the keystore issued (AWS: "The security token included
    in the request is invalid.")."""

    code = "UnrecognizedClientException"


class InvalidSignatureException(KmsError):
    """The signature does not match, or its time is more than 15 minutes away."""

    code = "InvalidSignatureException"


class UnknownOperationException(KmsError):
    """``X-Amz-Target`` names no operation of this service."""

    code = "UnknownOperationException"


def error_response(error: BaseException) -> tuple[int, bytes]:
    """The HTTP status and JSON body for ``error``: a KMS error's own name with 400, and
    ``KMSInternalException`` with 500 for anything else (its text is not shown: it may
    be a bug's)."""
    if isinstance(error, KmsError) and error.code != INTERNAL:
        status, code, message = 400, error.code, str(error)
    elif isinstance(error, KmskitError):
        status, code, message = 500, INTERNAL, str(error)
    else:
        status, code, message = 500, INTERNAL, "internal error"
    return status, json.dumps({"__type": code, "message": message}).encode("utf-8")
