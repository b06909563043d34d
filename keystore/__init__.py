"""kmskit's keystore layer: a local KMS on an embedded SQLite store.

KMS keys with specs, usages, states, aliases, tags and deletion windows; Encrypt, Decrypt,
ReEncrypt, GenerateDataKey(WithoutPlaintext) and GenerateRandom; Sign, Verify, GetPublicKey,
DeriveSharedSecret, GenerateMac, VerifyMac and GenerateDataKeyPair(WithoutPlaintext) with
asymmetric and HMAC keys; importing key material; rotation; CSRs for signing keys. All with
KMS semantics and KMS error names; key material sealed under a master key; a hash-chained
audit log. Results print as ``aws kms`` responses through ``to_response()``. The spec is
docs/keystore.md.

    with open_keystore() as ks:
        key = ks.create_key(description="app root key")
        ks.create_alias("alias/app", key.key_id)
        data_key = ks.generate_data_key("alias/app", key_spec="AES_256",
                                        encryption_context={"purpose": "demo"})
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kmskit.keystore._setup import init_home, open_audit_log, open_keystore
    from kmskit.keystore.audit import AuditLog, AuditRecord, AuditVerification
    from kmskit.keystore.home import HomeConfig, resolve_home
    from kmskit.keystore.keystore import Keystore
    from kmskit.keystore.results import (
        AliasEntry,
        AliasListPage,
        DataKeyResult,
        DecryptResult,
        DeletionSchedule,
        EncryptResult,
        KeyListEntry,
        KeyListPage,
        KeyMetadata,
        RandomResult,
        ReEncryptResult,
        Tag,
        TagListPage,
    )
    from kmskit.keystore.results_asymmetric import (
        DataKeyPairResult,
        MacResult,
        PublicKeyResult,
        SharedSecretResult,
        SignResult,
        VerifyMacResult,
        VerifyResult,
    )
    from kmskit.keystore.results_material import (
        ImportKeyMaterialResult,
        ImportParameters,
        KeyRotationStatus,
        RotationEntry,
        RotationListPage,
    )

# Loaded on first use (PEP 562), so that importing the operation table
# (kmskit.keystore.api_table) for ``kmskit kms --help`` loads neither SQLite nor the crypto.
_HOMES: dict[str, str] = {
    "AliasEntry": "kmskit.keystore.results",
    "AliasListPage": "kmskit.keystore.results",
    "AuditLog": "kmskit.keystore.audit",
    "AuditRecord": "kmskit.keystore.audit",
    "AuditVerification": "kmskit.keystore.audit",
    "DataKeyPairResult": "kmskit.keystore.results_asymmetric",
    "DataKeyResult": "kmskit.keystore.results",
    "DecryptResult": "kmskit.keystore.results",
    "DeletionSchedule": "kmskit.keystore.results",
    "EncryptResult": "kmskit.keystore.results",
    "HomeConfig": "kmskit.keystore.home",
    "ImportKeyMaterialResult": "kmskit.keystore.results_material",
    "ImportParameters": "kmskit.keystore.results_material",
    "KeyListEntry": "kmskit.keystore.results",
    "KeyListPage": "kmskit.keystore.results",
    "KeyMetadata": "kmskit.keystore.results",
    "KeyRotationStatus": "kmskit.keystore.results_material",
    "Keystore": "kmskit.keystore.keystore",
    "MacResult": "kmskit.keystore.results_asymmetric",
    "PublicKeyResult": "kmskit.keystore.results_asymmetric",
    "RandomResult": "kmskit.keystore.results",
    "ReEncryptResult": "kmskit.keystore.results",
    "RotationEntry": "kmskit.keystore.results_material",
    "RotationListPage": "kmskit.keystore.results_material",
    "SharedSecretResult": "kmskit.keystore.results_asymmetric",
    "SignResult": "kmskit.keystore.results_asymmetric",
    "Tag": "kmskit.keystore.results",
    "TagListPage": "kmskit.keystore.results",
    "VerifyMacResult": "kmskit.keystore.results_asymmetric",
    "VerifyResult": "kmskit.keystore.results_asymmetric",
    "init_home": "kmskit.keystore._setup",
    "open_audit_log": "kmskit.keystore._setup",
    "open_keystore": "kmskit.keystore._setup",
    "resolve_home": "kmskit.keystore.home",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'kmskit.keystore' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "AliasEntry",
    "AliasListPage",
    "AuditLog",
    "AuditRecord",
    "AuditVerification",
    "DataKeyPairResult",
    "DataKeyResult",
    "DecryptResult",
    "DeletionSchedule",
    "EncryptResult",
    "HomeConfig",
    "ImportKeyMaterialResult",
    "ImportParameters",
    "KeyListEntry",
    "KeyListPage",
    "KeyMetadata",
    "KeyRotationStatus",
    "Keystore",
    "MacResult",
    "PublicKeyResult",
    "RandomResult",
    "ReEncryptResult",
    "RotationEntry",
    "RotationListPage",
    "SharedSecretResult",
    "SignResult",
    "Tag",
    "TagListPage",
    "VerifyMacResult",
    "VerifyResult",
    "init_home",
    "open_audit_log",
    "open_keystore",
    "resolve_home",
]
