"""Wrapping key material for ImportKeyMaterial, into this keystore or into real AWS KMS.

KMS "Importing key material step 3": with RSAES_OAEP_* the material is encrypted directly
with the wrapping public key; with RSA_AES_KEY_WRAP_* a fresh 256-bit AES key is encrypted
with RSA-OAEP and the material is wrapped with AES-KWP (RFC 5649), and the result is the
RSA ciphertext followed by the KWP output — byte for byte what the OpenSSL recipe in the KMS
Developer Guide produces (`openssl enc -id-aes256-wrap-pad -iv A65959A6` plus `openssl
pkeyutl -encrypt -pkeyopt rsa_padding_mode:oaep …`). SM2PKE (China Regions) encrypts the
material directly with an SM2 wrapping key.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from cryptography.hazmat.primitives import keywrap
from cryptography.hazmat.primitives.asymmetric import rsa

from kmskit.offline import _checks
from kmskit.offline.encryption import decrypt, encrypt
from kmskit.offline.errors import InvalidCiphertextException, ValidationException
from kmskit.offline.keys import PrivateKey, PublicKey
from kmskit.offline.specs import (
    KEY_WRAP_AES_KEY_LENGTH,
    WRAPPING_ALGORITHMS,
    WRAPPING_OAEP,
    EncryptionAlgorithm,
    WrappingAlgorithm,
)

__all__ = ["unwrap_key_material", "wrap_key_material"]

_KEY_WRAP = (WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256)


def _checked(
    spec_holder: PublicKey | PrivateKey, algorithm: WrappingAlgorithm | str
) -> WrappingAlgorithm:
    alg = _checks.parse_name(WrappingAlgorithm, algorithm, "wrapping algorithm")
    allowed = WRAPPING_ALGORITHMS[alg]
    if spec_holder.spec not in allowed:
        raise ValidationException(
            f"{alg} needs a wrapping key of spec {', '.join(allowed)}, not {spec_holder.spec}"
        )
    return alg


def _is_rsa_private_key(material: bytes) -> bool:
    from kmskit.offline.errors import KmskitError
    from kmskit.offline.keys import load_private_key

    try:
        return isinstance(load_private_key(material).key, rsa.RSAPrivateKey)
    except KmskitError:
        return False


def wrap_key_material(
    wrapping_key: PublicKey,
    material: bytes,
    wrapping_algorithm: WrappingAlgorithm | str,
    *,
    rng: Callable[[int], bytes] = secrets.token_bytes,
) -> bytes:
    """Wrap ``material`` (a raw symmetric/HMAC key, or a PKCS#8 DER private key) for import.

    Raises :class:`ValidationException` for a wrapping key of the wrong spec, an RSA private
    key with RSAES_OAEP_* (KMS requires RSA_AES_KEY_WRAP_* for those), or material too long
    for a direct OAEP or SM2PKE wrap.
    """
    alg = _checked(wrapping_key, wrapping_algorithm)
    if not material:
        raise ValidationException("key material is empty")
    if alg is WrappingAlgorithm.SM2PKE:
        return encrypt(wrapping_key, material, EncryptionAlgorithm.SM2PKE, force=True)
    oaep = WRAPPING_OAEP[alg]
    if alg not in _KEY_WRAP:
        if _is_rsa_private_key(material):
            raise ValidationException(
                f"KMS imports RSA private keys only with RSA_AES_KEY_WRAP_*, not {alg}"
            )
        # force: the wrapping key's usage is irrelevant here; KMS made it for exactly this.
        return encrypt(wrapping_key, material, oaep, force=True)
    aes_key = bytearray(rng(KEY_WRAP_AES_KEY_LENGTH))
    try:
        wrapped_material = keywrap.aes_key_wrap_with_padding(bytes(aes_key), material)
        return encrypt(wrapping_key, bytes(aes_key), oaep, force=True) + wrapped_material
    finally:
        aes_key[:] = bytes(len(aes_key))


def unwrap_key_material(
    wrapping_private_key: PrivateKey,
    wrapped: bytes,
    wrapping_algorithm: WrappingAlgorithm | str,
) -> bytearray:
    """The keystore side of ImportKeyMaterial: recover the material.

    Raises :class:`InvalidCiphertextException` when the wrapped material does not unwrap.
    """
    alg = _checked(wrapping_private_key, wrapping_algorithm)
    if alg is WrappingAlgorithm.SM2PKE:
        return bytearray(decrypt(wrapping_private_key, wrapped, EncryptionAlgorithm.SM2PKE))
    oaep = WRAPPING_OAEP[alg]
    if alg not in _KEY_WRAP:
        return bytearray(decrypt(wrapping_private_key, wrapped, oaep))
    key = wrapping_private_key.key
    assert isinstance(key, rsa.RSAPrivateKey)  # _checked allowed only RSA specs
    k = (key.key_size + 7) // 8
    if len(wrapped) <= k:
        raise InvalidCiphertextException("wrapped key material is too short")
    aes_key = bytearray(decrypt(wrapping_private_key, wrapped[:k], oaep))
    try:
        if len(aes_key) != KEY_WRAP_AES_KEY_LENGTH:
            raise InvalidCiphertextException("the wrapped AES key is not 256 bits")
        return bytearray(keywrap.aes_key_unwrap_with_padding(bytes(aes_key), wrapped[k:]))
    except keywrap.InvalidUnwrap:
        raise InvalidCiphertextException("wrapped key material does not unwrap") from None
    finally:
        aes_key[:] = bytes(len(aes_key))
