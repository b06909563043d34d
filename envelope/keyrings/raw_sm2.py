"""The SM2 recipient keyring: the raw RSA keyring's shape with SM2PKE.

EDK ciphertext = SM2PKE of the data key as GM/T 0009 DER, exactly what KMS Decrypt with an
SM2 key and SM2PKE unwraps (and what :func:`offline.encryption.encrypt` makes).
"""

from __future__ import annotations

from kmskit.envelope.keyrings._recipient import RecipientKeyring
from kmskit.offline.keys import PrivateKey, PublicKey
from kmskit.offline.specs import EncryptionAlgorithm, KeySpec

__all__ = ["Sm2Keyring"]


class Sm2Keyring(RecipientKeyring):
    """Wrap data keys to an SM2 public key in any format ``load_public_key`` takes.

    ``private_key`` enables unwrap. A key whose known usage is not ENCRYPT_DECRYPT is
    refused unless ``force``. Raises :class:`InvalidKeyUsageException`.
    """

    _kind = "SM2"
    _specs = (KeySpec.SM2,)

    def __init__(
        self,
        namespace: str,
        name: str,
        *,
        public_key: PublicKey | bytes | None = None,
        private_key: PrivateKey | bytes | None = None,
        force: bool = False,
    ) -> None:
        super().__init__(
            namespace,
            name,
            public_key=public_key,
            private_key=private_key,
            algorithm=EncryptionAlgorithm.SM2PKE,
            force=force,
        )
