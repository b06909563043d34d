"""GenerateMac and VerifyMac with HMAC KMS keys (RFC 2104, the hash of the key spec).

spec: docs/keystore.md#hmac-operations
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hmac

from kmskit.keystore import _params
from kmskit.keystore._base import KeystoreBase
from kmskit.keystore._keys import KeyRow
from kmskit.keystore._wipe import wipe
from kmskit.offline.errors import InvalidKeyUsageException, KMSInvalidMacException
from kmskit.offline.specs import MAC_HASH, KeyUsage, MacAlgorithm, profile

# Loaded when a MAC operation runs: every Keystore carries this mixin (see asymmetric.py).
if TYPE_CHECKING:
    from kmskit.keystore.results_asymmetric import MacResult, VerifyMacResult

__all__ = ["MacOperations"]


class MacOperations(KeystoreBase):
    """GenerateMac, VerifyMac."""

    def generate_mac(self, key_id: str, message: bytes, *, mac_algorithm: str) -> MacResult:
        """The HMAC of a 1–4096 byte message under an HMAC key.

        Raises :class:`ValidationException` (message length, unknown algorithm),
        :class:`NotFoundException`, :class:`DisabledException`,
        :class:`KMSInvalidStateException`, :class:`InvalidKeyUsageException` (not a
        GENERATE_VERIFY_MAC key, or not the algorithm of its spec).
        """
        with self._operation("GenerateMac", KeyId=key_id, MacAlgorithm=mac_algorithm) as op:
            algorithm = _params.mac_algorithm(mac_algorithm)
            data = _params.message(message)
            row = self._resolve(op, key_id)
            mac = self._mac(row, algorithm, data).finalize()
            from kmskit.keystore.results_asymmetric import MacResult

            return MacResult(mac, algorithm.value, self.config.key_arn(row.key_id))

    def verify_mac(
        self, key_id: str, message: bytes, mac: bytes, *, mac_algorithm: str
    ) -> VerifyMacResult:
        """Check a MAC in constant time, like KMS VerifyMac: returns a result with
        ``MacValid`` true, or raises :class:`KMSInvalidMacException`.

        Raises as :meth:`generate_mac` otherwise (``mac`` must be 1–6144 bytes).
        """
        with self._operation("VerifyMac", KeyId=key_id, MacAlgorithm=mac_algorithm) as op:
            algorithm = _params.mac_algorithm(mac_algorithm)
            data = _params.message(message)
            given = _params.signature_or_mac(mac, "Mac")
            row = self._resolve(op, key_id)
            try:
                self._mac(row, algorithm, data).verify(given)  # constant time
            except InvalidSignature:
                raise KMSInvalidMacException(
                    "the MAC is not valid for this key, message and MAC algorithm"
                ) from None
            from kmskit.keystore.results_asymmetric import VerifyMacResult

            return VerifyMacResult(self.config.key_arn(row.key_id), algorithm.value)

    def _mac(self, row: KeyRow, algorithm: MacAlgorithm, data: bytes) -> hmac.HMAC:
        """The HMAC of ``data``, to finalize or verify (the key is wiped already)."""
        self._require_usage(row, KeyUsage.GENERATE_VERIFY_MAC)
        if algorithm not in profile(row.key_spec).mac:
            raise InvalidKeyUsageException(
                f"{self.config.key_arn(row.key_id)} does not support {algorithm}"
            )
        from kmskit.offline.hashing import pyca_hash

        key, _ = self._current_material(row)
        try:
            mac = hmac.HMAC(key, pyca_hash(MAC_HASH[algorithm]))
        finally:
            wipe(key)
        mac.update(data)
        return mac
