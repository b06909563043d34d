"""Building keyrings from parsed ``--wrapping-key`` SPECs (:mod:`cli._wrapping_keys`).

Key files are read as blob arguments; the keystore is opened the way ``kmskit kms`` opens
it (``--home``, ``KMSKIT_HOME``, ``KMSKIT_PASSPHRASE`` or a prompt), once, and never
created; keystore keyrings act as ``KMSKIT_PRINCIPAL`` (else the home account's root), as
``kmskit kms`` does. The library classes are imported only when a command runs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from kmskit.cli._files import read_blob
from kmskit.cli._wrapping_keys import AWS_KMS, KEYSTORE, RAW_AES, RAW_RSA, WrappingKeySpec
from kmskit.cli.keystore_admin import open_home, principal_arn

if TYPE_CHECKING:
    from kmskit.envelope import Keyring
    from kmskit.keystore import Keystore

__all__ = ["build_keyrings"]


def _key_file(spec: WrappingKeySpec, name: str) -> bytes | None:
    path = spec.get(name)
    return None if path is None else read_blob(path, f"--wrapping-key {name}")


def build_keyrings(
    specs: Sequence[WrappingKeySpec],
    stack: contextlib.ExitStack,
    *,
    home: str | None,
    force: bool = False,
) -> list[Keyring]:
    """One keyring per SPEC; the keystore is opened once (in ``stack``) if a SPEC needs it."""
    from kmskit.envelope.keyrings import (
        AwsKmsKeyring,
        KeystoreKeyring,
        RawAesKeyring,
        RsaKeyring,
        Sm2Keyring,
    )

    keystore: Keystore | None = None
    keyrings: list[Keyring] = []
    for spec in specs:
        f = spec.fields
        if spec.provider == KEYSTORE:
            if keystore is None:
                keystore = stack.enter_context(open_home(home, create=False))
            # as kmskit kms: $KMSKIT_PRINCIPAL, else the home account's root
            principal = principal_arn(None, keystore)
            keyrings.append(KeystoreKeyring(keystore, f["key"], principal=principal))
        elif spec.provider == AWS_KMS:
            keyrings.append(
                AwsKmsKeyring(
                    f["key"],
                    region=f.get("region"),
                    profile=f.get("profile"),
                    endpoint_url=f.get("endpoint-url"),
                )
            )
        elif spec.provider == RAW_AES:
            key = read_blob(f["key-file"], "--wrapping-key key-file")
            keyrings.append(RawAesKeyring(f["namespace"], f["name"], key))
        elif spec.provider == RAW_RSA:
            keyrings.append(
                RsaKeyring(
                    f["namespace"],
                    f["name"],
                    public_key=_key_file(spec, "public-key"),
                    private_key=_key_file(spec, "private-key"),
                    algorithm=f.get("algorithm", "RSAES_OAEP_SHA_256"),
                    force=force or spec.force,
                )
            )
        else:
            keyrings.append(
                Sm2Keyring(
                    f["namespace"],
                    f["name"],
                    public_key=_key_file(spec, "public-key"),
                    private_key=_key_file(spec, "private-key"),
                    force=force or spec.force,
                )
            )
    return keyrings
