"""``cryptography`` hash objects for the hash names in the tables (kept out of specs.py so that
reading the tables never imports ``cryptography``)."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes

from kmskit.offline.specs import HashName

_PYCA: dict[HashName, type[hashes.HashAlgorithm]] = {
    HashName.SHA1: hashes.SHA1,
    HashName.SHA224: hashes.SHA224,
    HashName.SHA256: hashes.SHA256,
    HashName.SHA384: hashes.SHA384,
    HashName.SHA512: hashes.SHA512,
    HashName.SM3: hashes.SM3,
}


def pyca_hash(name: HashName) -> hashes.HashAlgorithm:
    """Return a fresh ``cryptography`` hash object for ``name``."""
    return _PYCA[name]()
