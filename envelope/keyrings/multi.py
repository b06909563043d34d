"""The multi-keyring: wrap a data key for every keyring, unwrap with whichever matches.

:func:`envelope.encrypt_stream` and :func:`envelope.decrypt_stream` take a list of keyrings
and use this class; it is public for callers that wrap or unwrap data keys themselves (for
example to rewrap a header).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kmskit.envelope.keyrings.base import EncryptedDataKey, Keyring
from kmskit.offline.errors import KeyringMismatch, NoMatchingKeyringError, ValidationException

__all__ = ["MultiKeyring", "describe_edk"]


def describe_edk(edk: EncryptedDataKey) -> str:
    """A one-line, non-secret description of an EDK: provider id and key name."""
    from kmskit.envelope.info import edk_key_name

    return f"{edk.provider_id} {edk_key_name(edk)!r}"


class MultiKeyring:
    """A list of keyrings used together.

    Encrypt wraps the data key once per keyring, in order. Decrypt asks each keyring in
    order about each EDK in header order; the first that unwraps wins. ``KeyringMismatch``
    means "try the next"; any other exception propagates at once (STYLE 7).
    """

    def __init__(self, keyrings: Keyring | Sequence[Keyring]) -> None:
        """Raises ValidationException for an empty list, TypeError for a non-keyring."""
        children = (keyrings,) if isinstance(keyrings, Keyring) else tuple(keyrings)
        if not children:
            raise ValidationException("at least one keyring is required")
        for child in children:
            if not isinstance(child, Keyring):
                raise TypeError(f"{type(child).__name__} is not a keyring (wrap/unwrap)")
        self.keyrings: tuple[Keyring, ...] = children

    def __repr__(self) -> str:
        return f"MultiKeyring({list(self.keyrings)!r})"

    def wrap_all(
        self, data_key: bytes | bytearray, encryption_context: Mapping[str, str]
    ) -> tuple[EncryptedDataKey, ...]:
        """Return one EDK per keyring; the first failure propagates."""
        return tuple(k.wrap(data_key, encryption_context) for k in self.keyrings)

    def unwrap_any(
        self,
        edks: Sequence[EncryptedDataKey],
        encryption_context: Mapping[str, str],
        *,
        data_key_length: int | None = None,
    ) -> bytearray:
        """Return the first data key any keyring unwraps from any EDK.

        A key of the wrong length (when ``data_key_length`` is given) counts as a
        mismatch. Raises :class:`NoMatchingKeyringError` listing every attempt when no
        keyring matches; other keyring errors propagate unchanged.
        """
        attempts: list[str] = []
        for keyring in self.keyrings:
            for edk in edks:
                try:
                    key = keyring.unwrap(edk, encryption_context)
                except KeyringMismatch as why:
                    attempts.append(f"{keyring!r} on EDK {describe_edk(edk)}: {why}")
                    continue
                if data_key_length is not None and len(key) != data_key_length:
                    key[:] = bytes(len(key))
                    attempts.append(
                        f"{keyring!r} on EDK {describe_edk(edk)}: unwrapped a"
                        f" {len(key)}-byte key, the suite needs {data_key_length}"
                    )
                    continue
                return key
        raise NoMatchingKeyringError(
            f"none of the {len(self.keyrings)} keyring(s) can unwrap any of the"
            f" {len(edks)} encrypted data key(s)",
            tuple(attempts),
        )
