"""The algorithm tables: every KMS key spec, usage, algorithm and size limit, in one place.

This is the single source of truth (DESIGN.md, "One source of truth for algorithms"). No
other module spells out a limit, a digest length or which algorithm a spec allows; they read
these tables. Names are the KMS strings themselves, so ``SigningAlgorithm("SM2DSA")`` parses
what a user typed on the command line or what ``GetPublicKey`` returned.

Sources: AWS KMS Developer Guide, "Key spec reference" (asymmetric RSA, ECC, ML-DSA, SM2 and
HMAC key specs) and the API reference for Sign, Verify, Encrypt and DeriveSharedSecret;
Alibaba Cloud KMS "Key types" for the Alibaba spelling of the same specs.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from kmskit.offline._record import FrozenRecord
from kmskit.offline.errors import ValidationException

__all__ = [
    "ALIBABA_ALGORITHM_NAMES",
    "ALIBABA_KEY_SPECS",
    "ALIBABA_KEY_USAGES",
    "ALIBABA_SM2PKE_MAX_CIPHERTEXT",
    "ALIBABA_SM2PKE_MAX_PLAINTEXT",
    "CUSTOMER_MASTER_KEY_SPECS",
    "DATA_KEY_PAIR_SPECS",
    "EXTERNAL_MU_LENGTH",
    "HMAC_KEY_MATERIAL_LENGTHS",
    "KEY_WRAP_AES_KEY_LENGTH",
    "MAC_HASH",
    "MAX_CIPHERTEXT_BLOB",
    "MAX_NUMBER_OF_BYTES",
    "MAX_PUBLIC_KEY",
    "MAX_RAW_MESSAGE",
    "OAEP_HASH",
    "SM2PKE_MAX_PLAINTEXT",
    "SYMMETRIC_ENCRYPTION_SPECS",
    "WRAPPING_ALGORITHMS",
    "WRAPPING_KEY_SPECS",
    "WRAPPING_OAEP",
    "DataKeySpec",
    "EncryptionAlgorithm",
    "HashName",
    "KeyAgreementAlgorithm",
    "KeySpec",
    "KeyUsage",
    "KmsApi",
    "MacAlgorithm",
    "MessageType",
    "SigningAlgorithm",
    "SigningProfile",
    "SpecProfile",
    "WrappingAlgorithm",
    "key_spec_from_name",
    "max_plaintext",
    "profile",
    "signing_profile",
]


# Whose rules a limit follows: AWS KMS's, or Alibaba KMS's (kmskit serve's Alibaba API).
KmsApi = Literal["aws", "alibaba"]


class KeySpec(StrEnum):
    SYMMETRIC_DEFAULT = "SYMMETRIC_DEFAULT"
    SM4 = "SM4"  # our GM symmetric spec (Alibaba Aliyun_SM4); AWS has no SM4 key spec
    # AES-128-GCM (Alibaba Aliyun_AES_128). AWS's KeySpec has no 128-bit symmetric spec
    # (SYMMETRIC_DEFAULT is AES-256-GCM), so this one is ours, named after its cipher as SM4
    # is; docs/server.md ("Key specs") says why.
    AES_128 = "AES_128"
    RSA_2048 = "RSA_2048"
    RSA_3072 = "RSA_3072"
    RSA_4096 = "RSA_4096"
    ECC_NIST_P256 = "ECC_NIST_P256"
    ECC_NIST_P384 = "ECC_NIST_P384"
    ECC_NIST_P521 = "ECC_NIST_P521"
    ECC_SECG_P256K1 = "ECC_SECG_P256K1"
    ECC_NIST_EDWARDS25519 = "ECC_NIST_EDWARDS25519"
    ML_DSA_44 = "ML_DSA_44"
    ML_DSA_65 = "ML_DSA_65"
    ML_DSA_87 = "ML_DSA_87"
    SM2 = "SM2"
    HMAC_224 = "HMAC_224"
    HMAC_256 = "HMAC_256"
    HMAC_384 = "HMAC_384"
    HMAC_512 = "HMAC_512"


class KeyUsage(StrEnum):
    ENCRYPT_DECRYPT = "ENCRYPT_DECRYPT"
    SIGN_VERIFY = "SIGN_VERIFY"
    GENERATE_VERIFY_MAC = "GENERATE_VERIFY_MAC"
    KEY_AGREEMENT = "KEY_AGREEMENT"


class SigningAlgorithm(StrEnum):
    RSASSA_PSS_SHA_256 = "RSASSA_PSS_SHA_256"
    RSASSA_PSS_SHA_384 = "RSASSA_PSS_SHA_384"
    RSASSA_PSS_SHA_512 = "RSASSA_PSS_SHA_512"
    RSASSA_PKCS1_V1_5_SHA_256 = "RSASSA_PKCS1_V1_5_SHA_256"
    RSASSA_PKCS1_V1_5_SHA_384 = "RSASSA_PKCS1_V1_5_SHA_384"
    RSASSA_PKCS1_V1_5_SHA_512 = "RSASSA_PKCS1_V1_5_SHA_512"
    ECDSA_SHA_256 = "ECDSA_SHA_256"
    ECDSA_SHA_384 = "ECDSA_SHA_384"
    ECDSA_SHA_512 = "ECDSA_SHA_512"
    ED25519_SHA_512 = "ED25519_SHA_512"
    ED25519_PH_SHA_512 = "ED25519_PH_SHA_512"
    ML_DSA_SHAKE_256 = "ML_DSA_SHAKE_256"
    SM2DSA = "SM2DSA"


class EncryptionAlgorithm(StrEnum):
    SYMMETRIC_DEFAULT = "SYMMETRIC_DEFAULT"
    RSAES_OAEP_SHA_1 = "RSAES_OAEP_SHA_1"
    RSAES_OAEP_SHA_256 = "RSAES_OAEP_SHA_256"
    SM2PKE = "SM2PKE"


class KeyAgreementAlgorithm(StrEnum):
    ECDH = "ECDH"


class MacAlgorithm(StrEnum):
    HMAC_SHA_224 = "HMAC_SHA_224"
    HMAC_SHA_256 = "HMAC_SHA_256"
    HMAC_SHA_384 = "HMAC_SHA_384"
    HMAC_SHA_512 = "HMAC_SHA_512"


class WrappingAlgorithm(StrEnum):
    """How key material is wrapped for ImportKeyMaterial (KMS GetParametersForImport)."""

    RSAES_OAEP_SHA_1 = "RSAES_OAEP_SHA_1"
    RSAES_OAEP_SHA_256 = "RSAES_OAEP_SHA_256"
    RSA_AES_KEY_WRAP_SHA_1 = "RSA_AES_KEY_WRAP_SHA_1"
    RSA_AES_KEY_WRAP_SHA_256 = "RSA_AES_KEY_WRAP_SHA_256"
    SM2PKE = "SM2PKE"


class MessageType(StrEnum):
    RAW = "RAW"
    DIGEST = "DIGEST"
    EXTERNAL_MU = "EXTERNAL_MU"


class HashName(StrEnum):
    """Hash functions named as ``hashlib`` names them, with their output length."""

    SHA1 = "sha1"
    SHA224 = "sha224"
    SHA256 = "sha256"
    SHA384 = "sha384"
    SHA512 = "sha512"
    SM3 = "sm3"
    SHAKE256 = "shake_256"

    @property
    def digest_size(self) -> int:
        return _DIGEST_SIZES[self]


_DIGEST_SIZES = {
    HashName.SHA1: 20,
    HashName.SHA224: 28,
    HashName.SHA256: 32,
    HashName.SHA384: 48,
    HashName.SHA512: 64,
    HashName.SM3: 32,
    HashName.SHAKE256: 64,  # ML-DSA's μ is SHAKE256 with 64 bytes of output (FIPS 204 §6.2)
}

# KMS Sign/Verify: "Message ... up to 4096 bytes" when MessageType is RAW.
MAX_RAW_MESSAGE = 4096
# FIPS 204 §6.2 / KMS EXTERNAL_MU: μ is exactly 64 bytes.
EXTERNAL_MU_LENGTH = 64
# KMS Encrypt with SM2PKE (China Regions): 1024-byte plaintext.
SM2PKE_MAX_PLAINTEXT = 1024
# Alibaba KMS AsymmetricEncrypt with SM2PKE: "the plaintext ... up to 6047 bytes" (its API
# reference, Plaintext; 6047 = 6144 − 97, the C1 ‖ C3 of a raw SM2 ciphertext).
ALIBABA_SM2PKE_MAX_PLAINTEXT = 6047
# The longest GM/T 0009 DER ciphertext of that plaintext: SEQUENCE header 4, INTEGER x and y
# up to 2 + 33 each, OCTET STRING C3 2 + 32, OCTET STRING C2 4 + n: n + 112 bytes. Alibaba's
# AsymmetricDecrypt must take it, though it is over KMS's 6144-byte CiphertextType.
ALIBABA_SM2PKE_MAX_CIPHERTEXT = ALIBABA_SM2PKE_MAX_PLAINTEXT + 112
# KMS GenerateDataKey* and GenerateRandom "NumberOfBytes": 1 to 1024.
MAX_NUMBER_OF_BYTES = 1024
# KMS "CiphertextBlob" (Decrypt, ReEncrypt): at most 6144 bytes.
MAX_CIPHERTEXT_BLOB = 6144
# KMS "PublicKeyType" (DeriveSharedSecret PublicKey, GetPublicKey): at most 8192 bytes.
MAX_PUBLIC_KEY = 8192


class DataKeySpec(StrEnum):
    """GenerateDataKey ``KeySpec``: the length of the data key."""

    AES_256 = "AES_256"
    AES_128 = "AES_128"

    @property
    def length(self) -> int:
        """The data key length in bytes."""
        return 32 if self is DataKeySpec.AES_256 else 16


class SigningProfile(FrozenRecord):
    """How a KMS signing algorithm hashes, and which message types KMS accepts for it.

    ``digest_length`` is the exact length of a DIGEST (or EXTERNAL_MU) input.
    """

    hash: HashName
    message_types: tuple[MessageType, ...]
    digest_length: int


_RAW_OR_DIGEST = (MessageType.RAW, MessageType.DIGEST)

_SIGNING: dict[SigningAlgorithm, SigningProfile] = {
    SigningAlgorithm.RSASSA_PSS_SHA_256: SigningProfile(HashName.SHA256, _RAW_OR_DIGEST, 32),
    SigningAlgorithm.RSASSA_PSS_SHA_384: SigningProfile(HashName.SHA384, _RAW_OR_DIGEST, 48),
    SigningAlgorithm.RSASSA_PSS_SHA_512: SigningProfile(HashName.SHA512, _RAW_OR_DIGEST, 64),
    SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_256: SigningProfile(HashName.SHA256, _RAW_OR_DIGEST, 32),
    SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_384: SigningProfile(HashName.SHA384, _RAW_OR_DIGEST, 48),
    SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_512: SigningProfile(HashName.SHA512, _RAW_OR_DIGEST, 64),
    SigningAlgorithm.ECDSA_SHA_256: SigningProfile(HashName.SHA256, _RAW_OR_DIGEST, 32),
    SigningAlgorithm.ECDSA_SHA_384: SigningProfile(HashName.SHA384, _RAW_OR_DIGEST, 48),
    SigningAlgorithm.ECDSA_SHA_512: SigningProfile(HashName.SHA512, _RAW_OR_DIGEST, 64),
    # KMS API reference, Sign "MessageType": ED25519_SHA_512 requires RAW (pure Ed25519,
    # RFC 8032 §5.1) and ED25519_PH_SHA_512 requires DIGEST, a 64-byte SHA-512 digest that
    # "KMS still prehashes" (FIPS 186-5 §7.8.1 step 1): the input is hashed twice, so the
    # Ed25519ph message is the caller's digest itself. "Not interchangeable."
    SigningAlgorithm.ED25519_SHA_512: SigningProfile(HashName.SHA512, (MessageType.RAW,), 64),
    SigningAlgorithm.ED25519_PH_SHA_512: SigningProfile(
        HashName.SHA512, (MessageType.DIGEST,), 64
    ),
    # ML-DSA: RAW is pure ML-DSA with an empty context; EXTERNAL_MU passes μ (FIPS 204 §6.2).
    SigningAlgorithm.ML_DSA_SHAKE_256: SigningProfile(
        HashName.SHAKE256, (MessageType.RAW, MessageType.EXTERNAL_MU), EXTERNAL_MU_LENGTH
    ),
    # SM2DSA DIGEST is e = SM3(Z_A ‖ M) (GB/T 32918.2 §6.1), Z_A from the distinguishing ID.
    SigningAlgorithm.SM2DSA: SigningProfile(HashName.SM3, _RAW_OR_DIGEST, 32),
}


class SpecProfile(FrozenRecord):
    """What KMS allows for one key spec, per key usage."""

    usages: tuple[KeyUsage, ...]
    signing: tuple[SigningAlgorithm, ...] = ()
    encryption: tuple[EncryptionAlgorithm, ...] = ()
    key_agreement: tuple[KeyAgreementAlgorithm, ...] = ()
    mac: tuple[MacAlgorithm, ...] = ()
    # Bits of the RSA modulus, or of the curve order; 0 for symmetric specs.
    key_bits: int = 0

    def signing_for(self, usage: KeyUsage | None) -> tuple[SigningAlgorithm, ...]:
        return self.signing if usage in (None, KeyUsage.SIGN_VERIFY) else ()

    def encryption_for(self, usage: KeyUsage | None) -> tuple[EncryptionAlgorithm, ...]:
        return self.encryption if usage in (None, KeyUsage.ENCRYPT_DECRYPT) else ()

    def key_agreement_for(self, usage: KeyUsage | None) -> tuple[KeyAgreementAlgorithm, ...]:
        return self.key_agreement if usage in (None, KeyUsage.KEY_AGREEMENT) else ()

    def mac_for(self, usage: KeyUsage | None) -> tuple[MacAlgorithm, ...]:
        return self.mac if usage in (None, KeyUsage.GENERATE_VERIFY_MAC) else ()


_RSA_SIGNING = (
    SigningAlgorithm.RSASSA_PSS_SHA_256,
    SigningAlgorithm.RSASSA_PSS_SHA_384,
    SigningAlgorithm.RSASSA_PSS_SHA_512,
    SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_256,
    SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_384,
    SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_512,
)
_RSA_ENCRYPTION = (EncryptionAlgorithm.RSAES_OAEP_SHA_1, EncryptionAlgorithm.RSAES_OAEP_SHA_256)
_RSA_USAGES = (KeyUsage.ENCRYPT_DECRYPT, KeyUsage.SIGN_VERIFY)
_ECDH = (KeyAgreementAlgorithm.ECDH,)
_NIST_USAGES = (KeyUsage.SIGN_VERIFY, KeyUsage.KEY_AGREEMENT)


def _rsa(bits: int) -> SpecProfile:
    return SpecProfile(_RSA_USAGES, _RSA_SIGNING, _RSA_ENCRYPTION, key_bits=bits)


def _hmac(alg: MacAlgorithm, bits: int) -> SpecProfile:
    return SpecProfile((KeyUsage.GENERATE_VERIFY_MAC,), mac=(alg,), key_bits=bits)


_SPECS: dict[KeySpec, SpecProfile] = {
    KeySpec.SYMMETRIC_DEFAULT: SpecProfile(
        (KeyUsage.ENCRYPT_DECRYPT,),
        encryption=(EncryptionAlgorithm.SYMMETRIC_DEFAULT,),
        key_bits=256,
    ),
    KeySpec.SM4: SpecProfile(
        (KeyUsage.ENCRYPT_DECRYPT,),
        encryption=(EncryptionAlgorithm.SYMMETRIC_DEFAULT,),
        key_bits=128,
    ),
    KeySpec.AES_128: SpecProfile(
        (KeyUsage.ENCRYPT_DECRYPT,),
        encryption=(EncryptionAlgorithm.SYMMETRIC_DEFAULT,),
        key_bits=128,
    ),
    KeySpec.RSA_2048: _rsa(2048),
    KeySpec.RSA_3072: _rsa(3072),
    KeySpec.RSA_4096: _rsa(4096),
    # KMS pairs each NIST curve with the hash of matching strength, and nothing else.
    KeySpec.ECC_NIST_P256: SpecProfile(
        _NIST_USAGES, (SigningAlgorithm.ECDSA_SHA_256,), key_agreement=_ECDH, key_bits=256
    ),
    KeySpec.ECC_NIST_P384: SpecProfile(
        _NIST_USAGES, (SigningAlgorithm.ECDSA_SHA_384,), key_agreement=_ECDH, key_bits=384
    ),
    KeySpec.ECC_NIST_P521: SpecProfile(
        _NIST_USAGES, (SigningAlgorithm.ECDSA_SHA_512,), key_agreement=_ECDH, key_bits=521
    ),
    # secp256k1 is SIGN_VERIFY only in KMS (no KEY_AGREEMENT).
    KeySpec.ECC_SECG_P256K1: SpecProfile(
        (KeyUsage.SIGN_VERIFY,), (SigningAlgorithm.ECDSA_SHA_256,), key_bits=256
    ),
    KeySpec.ECC_NIST_EDWARDS25519: SpecProfile(
        (KeyUsage.SIGN_VERIFY,),
        (SigningAlgorithm.ED25519_SHA_512, SigningAlgorithm.ED25519_PH_SHA_512),
        key_bits=255,
    ),
    KeySpec.ML_DSA_44: SpecProfile(
        (KeyUsage.SIGN_VERIFY,), (SigningAlgorithm.ML_DSA_SHAKE_256,), key_bits=0
    ),
    KeySpec.ML_DSA_65: SpecProfile(
        (KeyUsage.SIGN_VERIFY,), (SigningAlgorithm.ML_DSA_SHAKE_256,), key_bits=0
    ),
    KeySpec.ML_DSA_87: SpecProfile(
        (KeyUsage.SIGN_VERIFY,), (SigningAlgorithm.ML_DSA_SHAKE_256,), key_bits=0
    ),
    # SM2 (China Regions): one spec, three usages.
    KeySpec.SM2: SpecProfile(
        (KeyUsage.ENCRYPT_DECRYPT, KeyUsage.SIGN_VERIFY, KeyUsage.KEY_AGREEMENT),
        (SigningAlgorithm.SM2DSA,),
        (EncryptionAlgorithm.SM2PKE,),
        _ECDH,
        key_bits=256,
    ),
    KeySpec.HMAC_224: _hmac(MacAlgorithm.HMAC_SHA_224, 224),
    KeySpec.HMAC_256: _hmac(MacAlgorithm.HMAC_SHA_256, 256),
    KeySpec.HMAC_384: _hmac(MacAlgorithm.HMAC_SHA_384, 384),
    KeySpec.HMAC_512: _hmac(MacAlgorithm.HMAC_SHA_512, 512),
}

# The symmetric encryption keys: the specs whose algorithm is SYMMETRIC_DEFAULT (AES-256,
# SM4, AES-128), taken from the table above. KeySpec members equal their names, so
# ``"SM4" in SYMMETRIC_ENCRYPTION_SPECS`` holds for the strings of stored rows too.
SYMMETRIC_ENCRYPTION_SPECS: frozenset[KeySpec] = frozenset(
    spec
    for spec, prof in _SPECS.items()
    if EncryptionAlgorithm.SYMMETRIC_DEFAULT in prof.encryption
)

# KMS Encrypt, "Plaintext" limits for RSAES_OAEP: k − 2·hLen − 2 bytes (RFC 8017 §7.1.1), as
# the KMS Developer Guide tabulates them per key spec.
_OAEP_MAX_PLAINTEXT: dict[tuple[KeySpec, EncryptionAlgorithm], int] = {
    (KeySpec.RSA_2048, EncryptionAlgorithm.RSAES_OAEP_SHA_1): 214,
    (KeySpec.RSA_2048, EncryptionAlgorithm.RSAES_OAEP_SHA_256): 190,
    (KeySpec.RSA_3072, EncryptionAlgorithm.RSAES_OAEP_SHA_1): 342,
    (KeySpec.RSA_3072, EncryptionAlgorithm.RSAES_OAEP_SHA_256): 318,
    (KeySpec.RSA_4096, EncryptionAlgorithm.RSAES_OAEP_SHA_1): 470,
    (KeySpec.RSA_4096, EncryptionAlgorithm.RSAES_OAEP_SHA_256): 446,
}

OAEP_HASH: dict[EncryptionAlgorithm, HashName] = {
    EncryptionAlgorithm.RSAES_OAEP_SHA_1: HashName.SHA1,
    EncryptionAlgorithm.RSAES_OAEP_SHA_256: HashName.SHA256,
}

# KMS "Select a wrapping algorithm": the RSA algorithms need an RSA wrapping key, SM2PKE an
# SM2 one (China Regions). RSA_AES_KEY_WRAP_* wrap a fresh 256-bit AES key with RSA-OAEP
# (same hash for OAEP and MGF1) and the material with AES-KWP (RFC 5649).
WRAPPING_KEY_SPECS: tuple[KeySpec, ...] = (
    KeySpec.RSA_2048,
    KeySpec.RSA_3072,
    KeySpec.RSA_4096,
    KeySpec.SM2,
)
WRAPPING_ALGORITHMS: dict[WrappingAlgorithm, tuple[KeySpec, ...]] = {
    WrappingAlgorithm.RSAES_OAEP_SHA_1: WRAPPING_KEY_SPECS[:3],
    WrappingAlgorithm.RSAES_OAEP_SHA_256: WRAPPING_KEY_SPECS[:3],
    WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1: WRAPPING_KEY_SPECS[:3],
    WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256: WRAPPING_KEY_SPECS[:3],
    WrappingAlgorithm.SM2PKE: (KeySpec.SM2,),
}
# The OAEP step of each RSA wrapping algorithm is the KMS encryption algorithm of that name.
WRAPPING_OAEP: dict[WrappingAlgorithm, EncryptionAlgorithm] = {
    WrappingAlgorithm.RSAES_OAEP_SHA_1: EncryptionAlgorithm.RSAES_OAEP_SHA_1,
    WrappingAlgorithm.RSAES_OAEP_SHA_256: EncryptionAlgorithm.RSAES_OAEP_SHA_256,
    WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1: EncryptionAlgorithm.RSAES_OAEP_SHA_1,
    WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256: EncryptionAlgorithm.RSAES_OAEP_SHA_256,
}
# The ephemeral AES key of RSA_AES_KEY_WRAP_* is AES-256.
KEY_WRAP_AES_KEY_LENGTH = 32

# KMS GenerateMac/VerifyMac: each MAC algorithm is HMAC (RFC 2104) with this hash.
MAC_HASH: dict[MacAlgorithm, HashName] = {
    MacAlgorithm.HMAC_SHA_224: HashName.SHA224,
    MacAlgorithm.HMAC_SHA_256: HashName.SHA256,
    MacAlgorithm.HMAC_SHA_384: HashName.SHA384,
    MacAlgorithm.HMAC_SHA_512: HashName.SHA512,
}

# KMS "Requirements for imported key material": HMAC key material from the hash's output
# length up to its block size, in bytes (inclusive). Generated HMAC keys are key_bits / 8.
HMAC_KEY_MATERIAL_LENGTHS: dict[KeySpec, tuple[int, int]] = {
    KeySpec.HMAC_224: (28, 64),
    KeySpec.HMAC_256: (32, 64),
    KeySpec.HMAC_384: (48, 128),
    KeySpec.HMAC_512: (64, 128),
}

# KMS GenerateDataKeyPair "KeyPairSpec" (DataKeyPairSpec), the specs kmskit can generate:
# the ML-KEM specs of the KMS enum have no KeySpec here.
DATA_KEY_PAIR_SPECS: tuple[KeySpec, ...] = (
    KeySpec.RSA_2048,
    KeySpec.RSA_3072,
    KeySpec.RSA_4096,
    KeySpec.ECC_NIST_P256,
    KeySpec.ECC_NIST_P384,
    KeySpec.ECC_NIST_P521,
    KeySpec.ECC_SECG_P256K1,
    KeySpec.ECC_NIST_EDWARDS25519,
    KeySpec.SM2,
)

# KeyMetadata.CustomerMasterKeySpec is deprecated and its enum stops at the specs KMS had when
# KeySpec replaced it; KMS leaves it out for newer specs. SM4 is ours and mirrors KeySpec.
CUSTOMER_MASTER_KEY_SPECS: frozenset[KeySpec] = frozenset(KeySpec) - {
    KeySpec.ECC_NIST_EDWARDS25519,
    KeySpec.ML_DSA_44,
    KeySpec.ML_DSA_65,
    KeySpec.ML_DSA_87,
}

# Alibaba Cloud KMS spellings (KeySpec, KeyUsage, Algorithm) mapped to the AWS names.
ALIBABA_KEY_SPECS: dict[str, KeySpec] = {
    "Aliyun_AES_256": KeySpec.SYMMETRIC_DEFAULT,
    "Aliyun_AES_128": KeySpec.AES_128,
    "Aliyun_SM4": KeySpec.SM4,
    "EC_SM2": KeySpec.SM2,
    "EC_P256": KeySpec.ECC_NIST_P256,
    "EC_P256K": KeySpec.ECC_SECG_P256K1,
    "RSA_2048": KeySpec.RSA_2048,
    "RSA_3072": KeySpec.RSA_3072,
    "RSA_4096": KeySpec.RSA_4096,
}
ALIBABA_KEY_USAGES: dict[str, KeyUsage] = {
    "ENCRYPT/DECRYPT": KeyUsage.ENCRYPT_DECRYPT,
    "SIGN/VERIFY": KeyUsage.SIGN_VERIFY,
}
ALIBABA_ALGORITHM_NAMES: dict[str, SigningAlgorithm | EncryptionAlgorithm] = {
    "RSA_PSS_SHA_256": SigningAlgorithm.RSASSA_PSS_SHA_256,
    "RSA_PKCS1_SHA_256": SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_256,
    "ECDSA_SHA_256": SigningAlgorithm.ECDSA_SHA_256,
    "SM2DSA": SigningAlgorithm.SM2DSA,
    "RSAES_OAEP_SHA_1": EncryptionAlgorithm.RSAES_OAEP_SHA_1,
    "RSAES_OAEP_SHA_256": EncryptionAlgorithm.RSAES_OAEP_SHA_256,
    "SM2PKE": EncryptionAlgorithm.SM2PKE,
}


def profile(spec: KeySpec) -> SpecProfile:
    """Return what KMS allows for ``spec``."""
    return _SPECS[spec]


def signing_profile(algorithm: SigningAlgorithm) -> SigningProfile:
    """Return the hash, message types and digest length of a KMS signing algorithm."""
    return _SIGNING[algorithm]


def max_plaintext(
    spec: KeySpec, algorithm: EncryptionAlgorithm, *, api: KmsApi = "aws"
) -> int:
    """Return the largest plaintext KMS Encrypt accepts for this spec and algorithm, by
    the rules of ``api``: AWS KMS's, or Alibaba KMS's where they differ (SM2PKE: 6047).

    Raises :class:`ValidationException` when the pair is not a KMS combination.
    """
    if algorithm is EncryptionAlgorithm.SM2PKE and spec is KeySpec.SM2:
        return ALIBABA_SM2PKE_MAX_PLAINTEXT if api == "alibaba" else SM2PKE_MAX_PLAINTEXT
    if algorithm is EncryptionAlgorithm.SYMMETRIC_DEFAULT and spec in SYMMETRIC_ENCRYPTION_SPECS:
        return MAX_RAW_MESSAGE
    try:
        return _OAEP_MAX_PLAINTEXT[(spec, algorithm)]
    except KeyError:
        raise ValidationException(f"{algorithm} is not valid for key spec {spec}") from None


def key_spec_from_name(name: str) -> KeySpec:
    """Parse a key spec written the AWS way (``ECC_NIST_P256``) or the Alibaba way (``EC_P256``).

    Raises :class:`ValidationException` for an unknown name.
    """
    if name in ALIBABA_KEY_SPECS:
        return ALIBABA_KEY_SPECS[name]
    try:
        return KeySpec(name)
    except ValueError:
        raise ValidationException(f"unknown key spec {name!r}") from None
