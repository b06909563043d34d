"""ECDH key agreement, as KMS DeriveSharedSecret performs it.

The result is the raw shared secret: the x-coordinate of d·Q, as long as the field (SEC 1
§3.3.1; for SM2 the same on the SM2 curve). No KDF is applied, exactly like KMS; callers
derive keys from it themselves. Peer points are validated (on the curve, not infinity) when
they are loaded.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec

from kmskit.offline import _checks
from kmskit.offline.errors import ValidationException
from kmskit.offline.keys import PrivateKey, PublicKey
from kmskit.offline.specs import KeyAgreementAlgorithm, KeyUsage, profile

__all__ = ["derive_shared_secret"]


def derive_shared_secret(
    private_key: PrivateKey,
    peer_public_key: PublicKey,
    key_agreement_algorithm: KeyAgreementAlgorithm | str = KeyAgreementAlgorithm.ECDH,
    *,
    force: bool = False,
) -> bytes:
    """Derive the ECDH shared secret between a local private key and a peer public key.

    ``force`` overrides only the refusal of a peer key whose known usage is not
    KEY_AGREEMENT (its KMS side could never derive the same secret). Raises
    :class:`InvalidKeyUsageException` for specs KMS does not allow for key agreement and
    :class:`ValidationException` when the two keys are on different curves.
    """
    alg = _checks.parse_name(
        KeyAgreementAlgorithm, key_agreement_algorithm, "key agreement algorithm"
    )
    _checks.require_algorithm(private_key.spec, alg, profile(private_key.spec).key_agreement)
    if peer_public_key.spec is not private_key.spec:
        raise ValidationException(
            f"the peer key is {peer_public_key.spec} but the private key is {private_key.spec};"
            " both must be on the same curve"
        )
    _checks.require_usage(
        peer_public_key.usage,
        KeyUsage.KEY_AGREEMENT,
        "key agreement",
        force=force,
        why="the peer's KMS key could never derive the same secret",
    )
    key = private_key.key
    if isinstance(key, ec.EllipticCurvePrivateKey):
        peer = peer_public_key.key
        if not isinstance(peer, ec.EllipticCurvePublicKey):
            raise ValidationException("the peer key is not an elliptic-curve key")
        return key.exchange(ec.ECDH(), peer)
    from kmskit.offline import sm2

    return sm2.derive_shared_secret(key, peer_public_key.key)  # type: ignore[arg-type]
