"""The KMS API operations of asymmetric and HMAC keys: sign, verify,
get-public-key, derive-shared-secret, generate-mac, verify-mac, the data key pairs, and
Alibaba's generate-csr.

Each row makes one keystore call (docs/keystore.md, "Asymmetric operations", "HMAC
operations", "Data key pairs", "Certificate signing requests"). A signature or MAC that
does not verify is an error (exit 1), never ``"SignatureValid": false``, as in KMS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kmskit.keystore.api import (
    CONTEXT,
    DRY_RUN,
    GRANT_TOKENS,
    ID_HELP,
    RECIPIENT,
    AwsParam,
    Operation,
    PemText,
    Result,
    key_id,
    kwargs,
)
from kmskit.offline.specs import (
    DATA_KEY_PAIR_SPECS,
    KeyAgreementAlgorithm,
    MacAlgorithm,
    MessageType,
    SigningAlgorithm,
)

if TYPE_CHECKING:
    from kmskit.keystore import Keystore

_SIGNING = tuple(a.value for a in SigningAlgorithm)
_MESSAGE_TYPES = tuple(m.value for m in MessageType)
_MACS = tuple(a.value for a in MacAlgorithm)
_PAIR_SPECS = tuple(s.value for s in DATA_KEY_PAIR_SPECS)

_MESSAGE = AwsParam(
    "Message",
    "blob",
    "The message (1-4096 bytes), or its digest with --message-type DIGEST: fileb://FILE,"
    " or base64.",
    required=True,
)
_MESSAGE_TYPE = AwsParam(
    "MessageType",
    "string",
    "RAW (default; hashed here), DIGEST (the hash, exactly its length) or EXTERNAL_MU"
    " (ML-DSA's 64-byte mu). SM2DSA RAW uses the default ID 1234567812345678.",
    choices=_MESSAGE_TYPES,
)
_SIGNING_ALGORITHM = AwsParam(
    "SigningAlgorithm", "string", "An algorithm of the key's spec.", required=True, choices=_SIGNING
)
_MAC_MESSAGE = AwsParam(
    "Message", "blob", "The message, 1-4096 bytes: fileb://FILE, or base64.", required=True
)
_MAC_ALGORITHM = AwsParam(
    "MacAlgorithm", "string", "The algorithm of the key's HMAC spec.", required=True, choices=_MACS
)
_PAIR_SPEC = AwsParam(
    "KeyPairSpec",
    "string",
    "The data key pair's spec (ML-KEM is not supported).",
    required=True,
    choices=_PAIR_SPECS,
)
_SYMMETRIC_KEY = f"The symmetric encryption key that encrypts the private key: {ID_HELP}"


def _sign(ks: Keystore, r: dict[str, Any]) -> Result:
    return ks.sign(
        r["KeyId"],
        r["Message"],
        signing_algorithm=r["SigningAlgorithm"],
        **kwargs(r, MessageType="message_type"),
    )


def _verify(ks: Keystore, r: dict[str, Any]) -> Result:
    return ks.verify(
        r["KeyId"],
        r["Message"],
        r["Signature"],
        signing_algorithm=r["SigningAlgorithm"],
        **kwargs(r, MessageType="message_type"),
    )


def _derive(ks: Keystore, r: dict[str, Any]) -> Result:
    return ks.derive_shared_secret(
        r["KeyId"], r["PublicKey"], key_agreement_algorithm=r["KeyAgreementAlgorithm"]
    )


def _generate_mac(ks: Keystore, r: dict[str, Any]) -> Result:
    return ks.generate_mac(r["KeyId"], r["Message"], mac_algorithm=r["MacAlgorithm"])


def _verify_mac(ks: Keystore, r: dict[str, Any]) -> Result:
    return ks.verify_mac(r["KeyId"], r["Message"], r["Mac"], mac_algorithm=r["MacAlgorithm"])


def _key_pair(ks: Keystore, r: dict[str, Any]) -> Result:
    return ks.generate_data_key_pair(
        r["KeyId"],
        key_pair_spec=r["KeyPairSpec"],
        **kwargs(r, EncryptionContext="encryption_context"),
    )


def _key_pair_without_plaintext(ks: Keystore, r: dict[str, Any]) -> Result:
    return ks.generate_data_key_pair_without_plaintext(
        r["KeyId"],
        key_pair_spec=r["KeyPairSpec"],
        **kwargs(r, EncryptionContext="encryption_context"),
    )


def _generate_csr(ks: Keystore, r: dict[str, Any]) -> Result:
    pem = ks.generate_csr(
        r["KeyId"],
        common_name=r["CommonName"],
        **kwargs(
            r,
            Organization="organization",
            OrganizationalUnit="organizational_unit",
            State="state",
            Locality="locality",
            Country="country",
            Email="email",
            SigningAlgorithm="signing_algorithm",
        ),
    )
    return PemText("Csr", pem)


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "sign",
        "Sign",
        "Sign a message or digest with an asymmetric SIGN_VERIFY key (Signature is base64:"
        " --query Signature --output text | base64 -d > sig).",
        (
            key_id(),
            _MESSAGE,
            _MESSAGE_TYPE,
            GRANT_TOKENS,
            _SIGNING_ALGORITHM,
            DRY_RUN,
        ),
        _sign,
    ),
    Operation(
        "verify",
        "Verify",
        "Verify a signature with an asymmetric SIGN_VERIFY key; an invalid signature is"
        " KMSInvalidSignatureException (exit 1).",
        (
            key_id(),
            _MESSAGE,
            _MESSAGE_TYPE,
            AwsParam(
                "Signature",
                "blob",
                "The signature (DER for ECDSA and SM2DSA): fileb://FILE, or base64.",
                required=True,
            ),
            _SIGNING_ALGORITHM,
            GRANT_TOKENS,
            DRY_RUN,
        ),
        _verify,
    ),
    Operation(
        "derive-shared-secret",
        "DeriveSharedSecret",
        "ECDH between a KEY_AGREEMENT key and a peer's public key: SharedSecret is the raw"
        " x-coordinate, base64 (no KDF applied).",
        (
            key_id(),
            AwsParam(
                "KeyAgreementAlgorithm",
                "string",
                "The key agreement algorithm.",
                required=True,
                choices=tuple(a.value for a in KeyAgreementAlgorithm),
            ),
            AwsParam(
                "PublicKey",
                "blob",
                "The peer's public key, DER SubjectPublicKeyInfo: fileb://FILE, or base64.",
                required=True,
            ),
            GRANT_TOKENS,
            DRY_RUN,
            RECIPIENT,
        ),
        _derive,
    ),
    Operation(
        "generate-mac",
        "GenerateMac",
        "HMAC of a message under a GENERATE_VERIFY_MAC key (Mac is base64).",
        (_MAC_MESSAGE, key_id(), _MAC_ALGORITHM, GRANT_TOKENS, DRY_RUN),
        _generate_mac,
    ),
    Operation(
        "verify-mac",
        "VerifyMac",
        "Check an HMAC under a GENERATE_VERIFY_MAC key; a wrong MAC is KMSInvalidMacException"
        " (exit 1).",
        (
            _MAC_MESSAGE,
            key_id(),
            _MAC_ALGORITHM,
            AwsParam("Mac", "blob", "The MAC: fileb://FILE, or base64.", required=True),
            GRANT_TOKENS,
            DRY_RUN,
        ),
        _verify_mac,
    ),
    Operation(
        "get-public-key",
        "GetPublicKey",
        "Print an asymmetric key's public key (base64 DER SubjectPublicKeyInfo) with its spec,"
        " usage and algorithms; kmskit offline verify/encrypt read this JSON as it is."
        " --output pem prints the public key as PEM instead.",
        (key_id(), GRANT_TOKENS),
        lambda ks, r: ks.get_public_key(r["KeyId"]),
        outputs=("json", "text", "pem"),
    ),
    Operation(
        "generate-data-key-pair",
        "GenerateDataKeyPair",
        "Make a key pair: PrivateKeyPlaintext (PKCS #8 DER), PublicKey (DER SPKI) and"
        " PrivateKeyCiphertextBlob (the private key encrypted under the KMS key), all base64.",
        (CONTEXT, key_id(_SYMMETRIC_KEY), _PAIR_SPEC, GRANT_TOKENS, RECIPIENT, DRY_RUN),
        _key_pair,
    ),
    Operation(
        "generate-data-key-pair-without-plaintext",
        "GenerateDataKeyPairWithoutPlaintext",
        "Make a key pair and print only its PublicKey and PrivateKeyCiphertextBlob (decrypt"
        " the blob when the private key is needed).",
        (CONTEXT, key_id(_SYMMETRIC_KEY), _PAIR_SPEC, GRANT_TOKENS, DRY_RUN),
        _key_pair_without_plaintext,
    ),
    Operation(
        "generate-csr",
        "GenerateCsr",
        "Print a PEM certificate signing request (PKCS #10) for an asymmetric SIGN_VERIFY"
        " key, signed by the key, as Alibaba Cloud KMS makes them. (Not an aws kms"
        " operation.)",
        (
            key_id(),
            AwsParam("CommonName", "string", "Subject CN, at most 64 characters.", required=True),
            AwsParam("Organization", "string", "Subject O, at most 64 characters."),
            AwsParam("OrganizationalUnit", "string", "Subject OU, at most 64 characters."),
            AwsParam("State", "string", "Subject ST, at most 128 characters."),
            AwsParam("Locality", "string", "Subject L, at most 128 characters."),
            AwsParam("Country", "string", "Subject C, two letters."),
            AwsParam("Email", "string", "Subject emailAddress, ASCII, at most 255 characters."),
            AwsParam(
                "SigningAlgorithm",
                "string",
                "RSA: RSA_PKCS1_SHA_256 (default) or RSA_PSS_SHA_256 (or the AWS names);"
                " ECC: the curve's ECDSA_SHA_*; SM2: SM2DSA (SM2-with-SM3, default ID).",
            ),
            AwsParam(
                "Out",
                "string",
                "Write the PEM to FILE instead of stdout.",
                flag="--out",
                cli_only=True,
            ),
            AwsParam(
                "Overwrite",
                "boolean",
                "Replace --out if it exists.",
                flag="--overwrite",
                cli_only=True,
            ),
        ),
        _generate_csr,
        outputs=("pem",),
    ),
)
