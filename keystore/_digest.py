"""SHA-256 for the keystore's own records: the audit chain, material ids, grant-token digests,
import-token digests.

From cryptography, not hashlib: hashlib would load OpenSSL a second time (as ``_hashlib``)
into every command, and cryptography is loaded already wherever the keystore hashes.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes

__all__ = ["sha256"]


def sha256(data: bytes | bytearray | memoryview) -> bytes:
    """The SHA-256 digest of ``data``."""
    digest = hashes.Hash(hashes.SHA256())
    digest.update(data)
    return digest.finalize()
