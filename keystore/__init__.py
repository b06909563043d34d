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

Names are resolved lazily (PEP 562): importing this package loads no SQLite, no
``cryptography`` and no key code until a name is used, which keeps every ``kmskit kms``
command's start-up to what that command needs.
"""

from __future__ import annotations

from kmskit.offline._lazy_names import lazy_names

# See kmskit/__init__.py: mypy treats any name TYPE_CHECKING as true; typing is not imported.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from kmskit.keystore._setup import init_home, open_audit_log, open_keystore
    from kmskit.keystore.audit import AuditLog, AuditRecord, AuditVerification
    from kmskit.keystore.home import HomeConfig, resolve_home
    from kmskit.keystore.keystore import Keystore
    from kmskit.keystore.results import KeyMetadata
    from kmskit.keystore.results_asymmetric import (
        DataKeyPairResult,
        MacResult,
        PublicKeyResult,
        SharedSecretResult,
        SignResult,
        VerifyMacResult,
        VerifyResult,
    )
    from kmskit.keystore.results_encryption import (
        DataKeyResult,
        DecryptResult,
        EncryptResult,
        ExportedDataKeyResult,
        RandomResult,
        ReEncryptResult,
    )
    from kmskit.keystore.results_key_model import (
        AliasEntry,
        AliasListPage,
        DeletionSchedule,
        KeyListEntry,
        KeyListPage,
        Tag,
        TagListPage,
    )
    from kmskit.keystore.results_material import (
        ImportKeyMaterialResult,
        ImportParameters,
        KeyRotationStatus,
        RotationEntry,
        RotationListPage,
    )

_HOMES = {
    "init_home": "_setup",
    "open_audit_log": "_setup",
    "open_keystore": "_setup",
    "AuditLog": "audit",
    "AuditRecord": "audit",
    "AuditVerification": "audit",
    "HomeConfig": "home",
    "resolve_home": "home",
    "Keystore": "keystore",
    "AliasEntry": "results_key_model",
    "AliasListPage": "results_key_model",
    "DataKeyResult": "results_encryption",
    "DecryptResult": "results_encryption",
    "DeletionSchedule": "results_key_model",
    "EncryptResult": "results_encryption",
    "ExportedDataKeyResult": "results_encryption",
    "KeyListEntry": "results_key_model",
    "KeyListPage": "results_key_model",
    "KeyMetadata": "results",
    "RandomResult": "results_encryption",
    "ReEncryptResult": "results_encryption",
    "Tag": "results_key_model",
    "TagListPage": "results_key_model",
    "DataKeyPairResult": "results_asymmetric",
    "MacResult": "results_asymmetric",
    "PublicKeyResult": "results_asymmetric",
    "SharedSecretResult": "results_asymmetric",
    "SignResult": "results_asymmetric",
    "VerifyMacResult": "results_asymmetric",
    "VerifyResult": "results_asymmetric",
    "ImportKeyMaterialResult": "results_material",
    "ImportParameters": "results_material",
    "KeyRotationStatus": "results_material",
    "RotationEntry": "results_material",
    "RotationListPage": "results_material",
}

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
    "ExportedDataKeyResult",
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


__getattr__ = lazy_names(__name__, _HOMES)
