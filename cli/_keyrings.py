"""Building keyrings from parsed ``--wrapping-key`` SPECs (:mod:`cli._wrapping_keys`).

Key files are read as blob arguments; the keystore is opened the way ``kmskit kms`` opens
it (``--home``, ``KMSKIT_HOME``, ``KMSKIT_PASSPHRASE`` or a prompt), once, and never
created; keystore keyrings act as ``--principal`` or ``KMSKIT_PRINCIPAL`` (else the home
account's root), as ``kmskit kms`` does. The library classes are imported only when a command runs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from kmskit.cli._files import read_blob
from kmskit.cli._kms_caller import principal_arn
from kmskit.cli._wrapping_keys import (
    ALIYUN_KMS,
    AWS_KMS,
    AWS_KMS_RSA,
    KEYSTORE,
    RAW_AES,
    RAW_RSA,
    Role,
    WrappingKeySpec,
)
from kmskit.cli.keystore_admin import open_home

if TYPE_CHECKING:
    from kmskit.envelope import Keyring
    from kmskit.keystore import Keystore

__all__ = ["build_keyrings"]


def _key_file(spec: WrappingKeySpec, name: str) -> bytes | None:
    path = spec.get(name)
    return None if path is None else read_blob(path, f"--wrapping-key {name}")


def _kms_public_key(spec: WrappingKeySpec) -> bool:
    """A raw-rsa SPEC for encryption whose public key names a KMS key ARN (KMS JSON): it
    writes the aws-kms-rsa layout (docs/format.md#aws-kms-rsa-keyring) unless
    layout=raw-rsa, or a private key is given (decrypting uses the raw layout)."""
    if spec.get("layout") == RAW_RSA or spec.get("private-key") is not None:
        return False
    data = _key_file(spec, "public-key")
    if data is None or not data.lstrip().startswith(b"{"):
        return spec.get("layout") == AWS_KMS_RSA
    from kmskit.offline.keys import load_public_key

    key_id = load_public_key(data).key_id
    return spec.get("layout") == AWS_KMS_RSA or bool(key_id and key_id.startswith("arn:"))


def _act_in_the_arns_region(
    keystore: Keystore, specs: Sequence[WrappingKeySpec], stack: contextlib.ExitStack
) -> None:
    """``kmskit serve`` names its keys in the region each client signs for
    (docs/server.md), so a message made through it names e.g. an eu-west-1 ARN while the
    home's region is us-east-1. A keystore ``key=`` ARN therefore selects the region the
    keystore acts in for this command, as ``kmskit kms --region`` does; ARNs of two regions
    in one command are refused, since the keystore answers as one caller at a time."""
    regions = {
        spec.fields["key"].split(":")[3]
        for spec in specs
        if spec.provider == KEYSTORE
        and spec.fields["key"].startswith("arn:")
        and spec.fields["key"].count(":") >= 5
    }
    if len(regions) > 1:
        raise click.UsageError(
            "--wrapping-key: keystore key ARNs of one command must name one region, not "
            + ", ".join(sorted(regions))
        )
    if regions and regions != {keystore.config.region}:
        stack.enter_context(keystore.as_caller(region=regions.pop()))


def build_keyrings(
    specs: Sequence[WrappingKeySpec],
    stack: contextlib.ExitStack,
    *,
    home: str | None,
    principal: str | None = None,
    force: bool = False,
    role: Role = "encrypt",
    allow_legacy_padding: bool = False,
) -> list[Keyring]:
    """One keyring per SPEC (two for ``provider=aws-kms`` when decrypting: its EDKs may be
    ``aws-kms`` or ``aws-kms-rsa``); the keystore is opened once (in ``stack``) if a SPEC
    needs it. A keystore RSA key of usage ENCRYPT_DECRYPT wraps with the aws-kms-rsa
    layout; a raw-rsa public key from KMS JSON too, unless ``layout=raw-rsa``."""
    from kmskit.envelope.keyrings import (
        AwsKmsKeyring,
        AwsKmsRsaKeyring,
        KeystoreKeyring,
        RawAesKeyring,
        RsaKeyring,
        Sm2Keyring,
    )
    from kmskit.envelope.keyrings.aws_kms_rsa import KMS_RSA_ALGORITHMS

    keystore: Keystore | None = None
    keyrings: list[Keyring] = []
    for spec in specs:
        f = spec.fields
        if spec.provider == KEYSTORE:
            if keystore is None:
                keystore = stack.enter_context(open_home(home, create=False))
                _act_in_the_arns_region(keystore, specs, stack)
            # as kmskit kms: --principal, else $KMSKIT_PRINCIPAL, else the account's root
            caller = principal_arn(principal, keystore)
            with keystore.as_caller(principal=caller), keystore.authorizing(
                "DescribeKey", {"KeyId": f["key"]}
            ):
                meta = keystore.describe_key(f["key"])
            if meta.key_spec.startswith("RSA_") and meta.key_usage == "ENCRYPT_DECRYPT":
                keyrings.append(
                    AwsKmsRsaKeyring.with_keystore(keystore, meta.arn, principal=caller)
                )
            else:
                keyrings.append(KeystoreKeyring(keystore, f["key"], principal=caller))
        elif spec.provider == AWS_KMS:
            kms = AwsKmsKeyring(
                f["key"],
                region=f.get("region"),
                profile=f.get("profile"),
                endpoint_url=f.get("endpoint-url"),
            )
            keyrings.append(kms)
            if role == "decrypt" and f["key"].startswith("arn:"):
                algorithms = (f["algorithm"],) if "algorithm" in f else KMS_RSA_ALGORITHMS
                keyrings.append(
                    AwsKmsRsaKeyring(f["key"], algorithms=algorithms, decrypt=kms.rsa_decrypt)
                )
        elif spec.provider == ALIYUN_KMS:
            from kmskit.envelope.keyrings.aliyun_kms import AliyunKmsKeyring

            keyrings.append(
                AliyunKmsKeyring(
                    f["key"],
                    region=f.get("region"),
                    endpoint=f.get("endpoint"),
                    ca_bundle=f.get("ca-bundle"),
                )
            )
        elif spec.provider == AWS_KMS_RSA:
            algorithm = f.get("algorithm", "RSAES_OAEP_SHA_256")
            private = _key_file(spec, "private-key")
            if private is not None:
                algorithms = (algorithm,) if "algorithm" in f else KMS_RSA_ALGORITHMS
                keyrings.append(
                    AwsKmsRsaKeyring.with_private_key(f["key"], private, algorithms=algorithms)
                )
            else:
                keyrings.append(
                    AwsKmsRsaKeyring.from_public_key(
                        _key_file(spec, "public-key") or b"",
                        key_arn=f.get("key"),
                        algorithm=algorithm,
                        force=force or spec.force,
                    )
                )
        elif spec.provider == RAW_RSA and _kms_public_key(spec):
            keyrings.append(
                AwsKmsRsaKeyring.from_public_key(
                    _key_file(spec, "public-key") or b"",
                    algorithm=f.get("algorithm", "RSAES_OAEP_SHA_256"),
                    force=force or spec.force,
                )
            )
        elif spec.provider == RAW_AES:
            key = read_blob(f["key-file"], "--wrapping-key key-file")
            keyrings.append(RawAesKeyring(f["namespace"], f["name"], key))
        elif spec.provider == RAW_RSA:
            if "namespace" not in f or "name" not in f:
                raise click.UsageError(
                    f"--wrapping-key {spec.text}: the raw RSA layout needs namespace= and name="
                    " (a public key from KMS get-public-key JSON uses the aws-kms-rsa layout"
                    " without them)"
                )
            keyrings.append(
                RsaKeyring(
                    f["namespace"],
                    f["name"],
                    public_key=_key_file(spec, "public-key"),
                    private_key=_key_file(spec, "private-key"),
                    algorithm=f.get("algorithm", "RSAES_OAEP_SHA_256"),
                    force=force or spec.force,
                    allow_legacy_padding=allow_legacy_padding,
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
