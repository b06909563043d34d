"""keystore/_pyca_sealing.py hands out cryptography's own AES-GCM and HKDF, not look-alikes."""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kmskit.keystore import _pyca_sealing


def test_the_classes_are_cryptographys_own() -> None:
    assert _pyca_sealing.AESGCM_CLASS is AESGCM
    assert _pyca_sealing.HKDF_CLASS is HKDF
