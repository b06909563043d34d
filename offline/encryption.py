"""Encrypt to a KMS public key and decrypt with a local private key, with KMS algorithms.

RSAES_OAEP_SHA_1 and RSAES_OAEP_SHA_256 use MGF1 with the same hash and an empty label
(PKCS #1 v2.2 §7.1, as KMS does). SM2PKE produces GM/T 0009 DER, the form KMS Decrypt takes.
Ciphertext made here is exactly what KMS Decrypt unwraps, so encryption refuses anything
that KMS could not decrypt: a key whose usage is known not to be ENCRYPT_DECRYPT (unless
forced), an algorithm the spec lacks, or a plaintext over the KMS maximum.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import padding, rsa

from kmskit.offline import _checks
from kmskit.offline.errors import InvalidCiphertextException, ValidationException
from kmskit.offline.hashing import pyca_hash
from kmskit.offline.keys import PrivateKey, PublicKey
from kmskit.offline.specs import (
    OAEP_HASH,
    EncryptionAlgorithm,
    KeySpec,
    KeyUsage,
    KmsApi,
    max_plaintext,
    profile,
)

__all__ = ["decrypt", "encrypt"]

def _oaep(algorithm: EncryptionAlgorithm) -> padding.OAEP:
    h = pyca_hash(OAEP_HASH[algorithm])
    return padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None)


def _checked_algorithm(spec: KeySpec, algorithm: EncryptionAlgorithm | str) -> EncryptionAlgorithm:
    alg = _checks.parse_name(EncryptionAlgorithm, algorithm, "encryption algorithm")
    allowed = tuple(
        a for a in profile(spec).encryption if a is not EncryptionAlgorithm.SYMMETRIC_DEFAULT
    )
    _checks.require_algorithm(spec, alg, allowed)
    return alg


def encrypt(
    public_key: PublicKey,
    plaintext: bytes,
    encryption_algorithm: EncryptionAlgorithm | str,
    *,
    force: bool = False,
    api: KmsApi = "aws",
) -> bytes:
    """Encrypt ``plaintext`` so that the KMS key behind ``public_key`` can decrypt it.

    ``force`` overrides only the refusal of a key whose known usage is SIGN_VERIFY or
    KEY_AGREEMENT. ``api="alibaba"`` applies Alibaba KMS's plaintext limits (SM2PKE: 6047
    bytes, which its AsymmetricDecrypt takes; AWS KMS's is 1024). Raises
    :class:`InvalidKeyUsageException` (usage or algorithm) and :class:`ValidationException`
    (empty or over-long plaintext).
    """
    alg = _checked_algorithm(public_key.spec, encryption_algorithm)
    _checks.require_usage(
        public_key.usage,
        KeyUsage.ENCRYPT_DECRYPT,
        "encryption",
        force=force,
        why="KMS could never decrypt the result",
    )
    limit = max_plaintext(public_key.spec, alg, api=api)
    if not 1 <= len(plaintext) <= limit:
        raise ValidationException(
            f"{alg} with {public_key.spec} takes 1 to {limit} bytes of plaintext"
            f" (got {len(plaintext)})"
        )
    key = public_key.key
    if isinstance(key, rsa.RSAPublicKey):
        return key.encrypt(plaintext, _oaep(alg))
    from kmskit.offline import sm2

    return sm2.encrypt(key, plaintext)  # type: ignore[arg-type]


def decrypt(
    private_key: PrivateKey,
    ciphertext: bytes,
    encryption_algorithm: EncryptionAlgorithm | str,
) -> bytes:
    """Decrypt a ciphertext made by KMS Encrypt (or :func:`encrypt`) with a local private key.

    Raises :class:`InvalidCiphertextException` when it does not decrypt, without saying why
    (an OAEP padding oracle must not learn which check failed).
    """
    alg = _checked_algorithm(private_key.spec, encryption_algorithm)
    key = private_key.key
    if isinstance(key, rsa.RSAPrivateKey):
        if len(ciphertext) != (key.key_size + 7) // 8:
            raise InvalidCiphertextException("ciphertext length does not match the RSA key")
        try:
            return key.decrypt(ciphertext, _oaep(alg))
        except ValueError:
            raise InvalidCiphertextException("ciphertext does not decrypt with this key") from None
    from kmskit.offline import sm2

    return sm2.decrypt(key, ciphertext)  # type: ignore[arg-type]
