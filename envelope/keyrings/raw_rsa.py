"""The RSA recipient keyring: the ESDK raw RSA keyring format with a KMS RSA public key.

EDK ciphertext = RSAES-OAEP of the data key (SHA-256 with MGF1-SHA-256 by default, SHA-1
allowed), exactly what KMS Decrypt with that algorithm unwraps. Interoperable with the ESDK
raw RSA keyring / ``RawMasterKey`` with ``RSA_OAEP_SHA256_MGF1`` (or ``_SHA1_``).
"""

from __future__ import annotations

from kmskit.envelope.keyrings._recipient import RecipientKeyring
from kmskit.offline.errors import ValidationException
from kmskit.offline.keys import PrivateKey, PublicKey
from kmskit.offline.specs import OAEP_HASH, EncryptionAlgorithm, KeySpec

__all__ = ["RsaKeyring"]


class RsaKeyring(RecipientKeyring):
    """Wrap data keys to an RSA public key in any format ``load_public_key`` takes.

    ``private_key`` (any format ``load_private_key`` takes) enables unwrap. A key whose
    known usage is not ENCRYPT_DECRYPT is refused unless ``force``. Raises
    :class:`InvalidKeyUsageException` or :class:`ValidationException`.
    """

    _kind = "RSA"
    _specs = (KeySpec.RSA_2048, KeySpec.RSA_3072, KeySpec.RSA_4096)

    def __init__(
        self,
        namespace: str,
        name: str,
        *,
        public_key: PublicKey | bytes | None = None,
        private_key: PrivateKey | bytes | None = None,
        algorithm: EncryptionAlgorithm | str = EncryptionAlgorithm.RSAES_OAEP_SHA_256,
        force: bool = False,
    ) -> None:
        try:
            alg = EncryptionAlgorithm(algorithm)
        except ValueError:
            alg = None
        if alg not in OAEP_HASH:
            choices = ", ".join(a.value for a in OAEP_HASH)
            raise ValidationException(f"RSA keyring algorithm must be one of: {choices}")
        assert alg is not None
        super().__init__(
            namespace,
            name,
            public_key=public_key,
            private_key=private_key,
            algorithm=alg,
            force=force,
        )
