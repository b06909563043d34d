"""Key objects that carry their KMS metadata, and the loaders that detect every input format.

``load_public_key`` takes what a user downloaded from a KMS: AWS ``get-public-key`` JSON,
Alibaba ``GetPublicKey`` JSON, PEM or DER SubjectPublicKeyInfo (or that DER as base64), or an
X.509 certificate. Metadata comes from the JSON when present; otherwise the spec is inferred
from the key and the usage stays unknown (DESIGN.md, "Public keys in").
"""

from __future__ import annotations

import base64
import binascii
import re
import warnings
from typing import TYPE_CHECKING, Any, NamedTuple, Union

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, mldsa, rsa
from cryptography.utils import CryptographyDeprecationWarning

from kmskit.offline.errors import InvalidPointError, KeyFormatError, UnsupportedKeySpecError
from kmskit.offline.specs import (
    ALIBABA_KEY_USAGES,
    EncryptionAlgorithm,
    KeyAgreementAlgorithm,
    KeySpec,
    KeyUsage,
    SigningAlgorithm,
    key_spec_from_name,
    profile,
)

if TYPE_CHECKING:
    from kmskit.offline.sm2 import SM2PrivateKey, SM2PublicKey

__all__ = [
    "AnyPrivateKey",
    "AnyPublicKey",
    "PrivateKey",
    "PublicKey",
    "generate_private_key",
    "load_private_key",
    "load_public_key",
]

# The key types ``cryptography`` implements; isinstance() takes these unions directly.
PycaPublicKey = (
    rsa.RSAPublicKey
    | ec.EllipticCurvePublicKey
    | ed25519.Ed25519PublicKey
    | mldsa.MLDSA44PublicKey
    | mldsa.MLDSA65PublicKey
    | mldsa.MLDSA87PublicKey
)
PycaPrivateKey = (
    rsa.RSAPrivateKey
    | ec.EllipticCurvePrivateKey
    | ed25519.Ed25519PrivateKey
    | mldsa.MLDSA44PrivateKey
    | mldsa.MLDSA65PrivateKey
    | mldsa.MLDSA87PrivateKey
)
AnyPublicKey = Union[PycaPublicKey, "SM2PublicKey"]
AnyPrivateKey = Union[PycaPrivateKey, "SM2PrivateKey"]

# GM/T 0006: the SM2 recommended curve, as OpenSSL writes it in id-ecPublicKey parameters.
SM2_CURVE_OID = "1.2.156.10197.1.301"
_RSA_SPECS = {2048: KeySpec.RSA_2048, 3072: KeySpec.RSA_3072, 4096: KeySpec.RSA_4096}
_EC_SPECS = {
    "secp256r1": KeySpec.ECC_NIST_P256,
    "secp384r1": KeySpec.ECC_NIST_P384,
    "secp521r1": KeySpec.ECC_NIST_P521,
    "secp256k1": KeySpec.ECC_SECG_P256K1,
}
_EC_CURVES: dict[KeySpec, ec.EllipticCurve] = {
    KeySpec.ECC_NIST_P256: ec.SECP256R1(),
    KeySpec.ECC_NIST_P384: ec.SECP384R1(),
    KeySpec.ECC_NIST_P521: ec.SECP521R1(),
    KeySpec.ECC_SECG_P256K1: ec.SECP256K1(),
}
# _SERIALIZATION_NOTE: cryptography's serialization package imports its SSH key support (and
# the ciphers behind it) on import, a sizeable share of a CLI command's start-up. Modules that
# only name these key types (the keystore, for one) should not pay for it, so the functions
# that encode keys import it themselves, and the loaders come from offline/_pyca_loaders.py,
# which takes cryptography's own loader functions without that import.
#
# PublicKey and PrivateKey are NamedTuples (the spec profiles FrozenRecords), not
# dataclasses, for the same reason: importing ``dataclasses`` imports ``inspect`` (and
# ``ast``, ``dis``, ``tokenize``), about 25 ms before any work, on the path of every
# ``kmskit offline verify``.
_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.DOTALL)
# A sanity bound: no KMS public key, certificate or JSON document comes near 1 MiB.
_MAX_INPUT = 1 << 20


def _spec_of(key: AnyPublicKey) -> KeySpec:
    """Infer the KMS key spec from the key itself; raise if KMS has no such spec."""
    if isinstance(key, rsa.RSAPublicKey):
        spec = _RSA_SPECS.get(key.key_size)
        if spec is None:
            raise UnsupportedKeySpecError(
                f"RSA-{key.key_size} is not a KMS key spec (KMS uses 2048, 3072 or 4096 bits)"
            )
        return spec
    if isinstance(key, ec.EllipticCurvePublicKey):
        ec_spec = _EC_SPECS.get(key.curve.name)
        if ec_spec is None:
            raise UnsupportedKeySpecError(f"curve {key.curve.name} is not a KMS key spec")
        return ec_spec
    if isinstance(key, ed25519.Ed25519PublicKey):
        return KeySpec.ECC_NIST_EDWARDS25519
    if isinstance(key, mldsa.MLDSA44PublicKey):
        return KeySpec.ML_DSA_44
    if isinstance(key, mldsa.MLDSA65PublicKey):
        return KeySpec.ML_DSA_65
    if isinstance(key, mldsa.MLDSA87PublicKey):
        return KeySpec.ML_DSA_87
    from kmskit.offline.sm2 import SM2PublicKey

    if isinstance(key, SM2PublicKey):
        return KeySpec.SM2
    raise UnsupportedKeySpecError(f"{type(key).__name__} keys are not a KMS key spec")


class PublicKey(NamedTuple):
    """A public key with the metadata KMS attaches to it.

    ``usage`` is ``None`` when the input did not say (a bare PEM); the algorithm lists then
    hold everything the spec allows under any usage.
    """

    key: AnyPublicKey
    spec: KeySpec
    usage: KeyUsage | None = None
    key_id: str | None = None
    key_version_id: str | None = None
    signing_algorithms: tuple[SigningAlgorithm, ...] = ()
    encryption_algorithms: tuple[EncryptionAlgorithm, ...] = ()
    key_agreement_algorithms: tuple[KeyAgreementAlgorithm, ...] = ()

    @classmethod
    def from_key(
        cls,
        key: AnyPublicKey,
        *,
        usage: KeyUsage | None = None,
        key_id: str | None = None,
        key_version_id: str | None = None,
    ) -> PublicKey:
        """Wrap a key object, inferring the spec and the algorithms allowed for ``usage``."""
        spec = _spec_of(key)
        prof = profile(spec)
        if usage is not None and usage not in prof.usages:
            raise KeyFormatError(f"key usage {usage} is not possible for key spec {spec}")
        return cls(
            key=key,
            spec=spec,
            usage=usage,
            key_id=key_id,
            key_version_id=key_version_id,
            signing_algorithms=prof.signing_for(usage),
            encryption_algorithms=prof.encryption_for(usage),
            key_agreement_algorithms=prof.key_agreement_for(usage),
        )

    def spki_der(self) -> bytes:
        """The DER SubjectPublicKeyInfo, as KMS GetPublicKey returns it."""
        if not isinstance(self.key, PycaPublicKey):
            return self.key.spki_der()
        from cryptography.hazmat.primitives import serialization  # see _SERIALIZATION_NOTE

        return self.key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def spki_pem(self) -> str:
        from kmskit.offline.pem import pem_text

        return pem_text("PUBLIC KEY", self.spki_der())

    def fingerprint(self) -> str:
        """SHA-256 of the DER SubjectPublicKeyInfo, lowercase hex."""
        import hashlib  # only fingerprints need it; verify does not pay for it at start-up

        return hashlib.sha256(self.spki_der()).hexdigest()


class PrivateKey(NamedTuple):
    """A private key (for example a data key pair's) with its inferred KMS key spec."""

    key: AnyPrivateKey
    spec: KeySpec

    @classmethod
    def from_key(cls, key: AnyPrivateKey) -> PrivateKey:
        return cls(key=key, spec=_spec_of(key.public_key()))

    def public_key(self) -> PublicKey:
        return PublicKey.from_key(self.key.public_key())

    def pkcs8_der(self) -> bytes:
        """PKCS#8 DER, the form KMS GenerateDataKeyPair returns as PrivateKeyPlaintext."""
        if not isinstance(self.key, PycaPrivateKey):
            return self.key.pkcs8_der()
        from cryptography.hazmat.primitives import serialization  # see _SERIALIZATION_NOTE

        return self.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def pkcs8_pem(self) -> str:
        from kmskit.offline.pem import pem_text

        return pem_text("PRIVATE KEY", self.pkcs8_der())

    def __repr__(self) -> str:  # never show key material
        return f"PrivateKey(spec={self.spec})"


# ---------------------------------------------------------------------------------------------
# Loading public keys


def load_public_key(data: bytes) -> PublicKey:
    """Load a public key from any format a KMS hands out, detected from the content.

    Accepts AWS ``get-public-key`` JSON (``KeySpec`` or only ``CustomerMasterKeySpec``),
    Alibaba ``GetPublicKey`` JSON, PEM or DER SubjectPublicKeyInfo (or base64 DER), and X.509
    certificates (PEM or DER).

    Raises :class:`KeyFormatError` for unparseable input, and
    :class:`UnsupportedKeySpecError` for a valid key that has no KMS key spec.
    """
    if len(data) > _MAX_INPUT:
        raise KeyFormatError("input is too large to be a public key")
    if not data.strip():
        raise KeyFormatError("the public key input is empty")
    if data.startswith(b"\x30"):
        # Binary DER: never strip it, its last byte may well be a whitespace code.
        return PublicKey.from_key(_public_from_der(data))
    stripped = data.strip()
    if stripped.startswith(b"{"):
        return _load_public_json(stripped)
    if b"-----BEGIN " in stripped:
        return PublicKey.from_key(_public_from_pem(stripped))
    return PublicKey.from_key(_public_from_der(_decode_base64(stripped)))


def _decode_base64(text: bytes) -> bytes:
    compact = b"".join(text.split())
    try:
        der = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise KeyFormatError(
            "not a recognised key: expected JSON, PEM, DER or base64 DER"
        ) from None
    if not der.startswith(b"\x30"):
        raise KeyFormatError("not a recognised key: the base64 does not decode to DER")
    return der


def _public_from_pem(text: bytes) -> AnyPublicKey:
    match = _PEM_BLOCK.search(text)
    if match is None:
        raise KeyFormatError("PEM block is not terminated")
    label = match.group(1).decode("ascii")
    if "PRIVATE" in label:
        raise KeyFormatError("this is a private key; a public key or certificate was expected")
    try:
        der = base64.b64decode(b"".join(match.group(2).split()), validate=True)
    except (binascii.Error, ValueError):
        raise KeyFormatError(f"PEM {label} block is not valid base64") from None
    if label == "CERTIFICATE":
        return _public_from_certificate(der)
    if label == "RSA PUBLIC KEY":  # PKCS#1, as `openssl rsa -RSAPublicKey_out` writes it
        from kmskit.offline._pyca_loaders import load_der_public_key

        try:
            return load_der_public_key(_pkcs1_to_spki(der))  # type: ignore[return-value]
        except ValueError:
            raise KeyFormatError("malformed RSA PUBLIC KEY") from None
    if label != "PUBLIC KEY":
        raise KeyFormatError(f"unsupported PEM type {label!r}")
    return _public_from_spki(der)


def _pkcs1_to_spki(der: bytes) -> bytes:
    from asn1crypto import keys

    try:
        info = keys.PublicKeyInfo(
            {"algorithm": {"algorithm": "rsa"}, "public_key": keys.RSAPublicKey.load(der)}
        )
        return bytes(info.dump())
    except (ValueError, TypeError):
        raise KeyFormatError("malformed RSA PUBLIC KEY") from None


def _public_from_der(der: bytes) -> AnyPublicKey:
    try:
        return _public_from_spki(der)
    except KeyFormatError as spki_error:
        try:
            return _public_from_certificate(der)
        except KeyFormatError:
            raise spki_error from None


def _public_from_spki(der: bytes) -> AnyPublicKey:
    from kmskit.offline._pyca_loaders import load_der_public_key  # see _SERIALIZATION_NOTE

    try:
        key = load_der_public_key(der)
    except UnsupportedAlgorithm:
        return _public_from_unsupported_spki(der)
    except ValueError:
        raise KeyFormatError("malformed SubjectPublicKeyInfo") from None
    return key  # type: ignore[return-value]


def _public_from_unsupported_spki(der: bytes) -> AnyPublicKey:
    """Keys ``cryptography`` cannot load: route SM2 to our implementation, name the rest."""
    from kmskit.offline.sm2 import SM2PublicKey

    curve = _spki_curve_oid(der)
    if curve == SM2_CURVE_OID or _spki_algorithm_oid(der) == SM2_CURVE_OID + ".1":
        try:
            return SM2PublicKey.from_spki_der(der)
        except InvalidPointError:  # found by tests/fuzz: a key file that is not a key
            raise KeyFormatError("the SM2 public key is not a point on the curve") from None
    raise UnsupportedKeySpecError(
        f"unsupported public key algorithm (curve {curve})"
        if curve
        else "unsupported public key algorithm"
    )


def _spki_algorithm_oid(der: bytes) -> str | None:
    from asn1crypto import keys

    try:
        return str(keys.PublicKeyInfo.load(der, strict=True)["algorithm"]["algorithm"].dotted)
    except (ValueError, TypeError, KeyError):
        return None


def _spki_curve_oid(der: bytes) -> str | None:
    from asn1crypto import core, keys

    try:
        params = keys.PublicKeyInfo.load(der, strict=True)["algorithm"]["parameters"]
        if isinstance(params.chosen, core.ObjectIdentifier):
            return str(params.chosen.dotted)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return None


def _public_from_certificate(der: bytes) -> AnyPublicKey:
    # cryptography.x509 alone costs more start-up than the rest of a verify; only certificates
    # need it, so it is imported here rather than for every key.
    from cryptography import x509

    try:
        # A non-positive serial number is only a deprecation warning today (an error in a
        # later cryptography): not a second line on stderr for the CLI (found by tests/fuzz).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            cert = x509.load_der_x509_certificate(der)
    except ValueError:
        raise KeyFormatError("malformed X.509 certificate") from None
    try:
        return cert.public_key()  # type: ignore[return-value]
    except ValueError:  # found by tests/fuzz: a point off its curve escaped as ValueError
        raise KeyFormatError("the certificate's public key is invalid") from None
    except UnsupportedAlgorithm:
        from asn1crypto import x509 as asn1_x509

        try:
            spki = asn1_x509.Certificate.load(der)["tbs_certificate"]["subject_public_key_info"]
            return _public_from_unsupported_spki(bytes(spki.dump()))
        except (ValueError, TypeError, KeyError):
            raise KeyFormatError("malformed X.509 certificate") from None


def _load_public_json(text: bytes) -> PublicKey:
    import json  # only JSON inputs need it: a PEM verify does not pay for it at start-up

    try:
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise KeyFormatError("input looks like JSON but does not parse") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("PublicKey"), str):
        raise KeyFormatError("JSON has no PublicKey field (expected GetPublicKey output)")
    blob = doc["PublicKey"].encode("ascii", "replace")
    if b"-----BEGIN " in blob:
        key = _public_from_pem(blob)  # Alibaba: PEM text plus KeyVersionId
    else:
        key = _public_from_der(_decode_base64(blob))  # AWS: base64 DER SPKI
    usage = _json_usage(doc.get("KeyUsage"))
    pub = PublicKey.from_key(
        key,
        usage=usage,
        key_id=_json_str(doc, "KeyId"),
        key_version_id=_json_str(doc, "KeyVersionId"),
    )
    # AWS sends KeySpec; older SDKs and some emulators send only CustomerMasterKeySpec.
    stated = doc.get("KeySpec") or doc.get("CustomerMasterKeySpec")
    if stated is not None:
        if not isinstance(stated, str):
            raise KeyFormatError("KeySpec must be a string")
        try:
            stated_spec = key_spec_from_name(stated)
        except ValueError:  # found by tests/fuzz: ValidationException is not documented here
            raise UnsupportedKeySpecError(f"JSON names an unknown KeySpec {stated!r}") from None
        if stated_spec is not pub.spec:
            raise KeyFormatError(f"JSON says KeySpec {stated} but the key is {pub.spec}")
    return _with_json_algorithms(pub, doc)


def _json_str(doc: dict[str, Any], name: str) -> str | None:
    value = doc.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise KeyFormatError(f"{name} must be a string")
    return value


def _json_usage(value: object) -> KeyUsage | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise KeyFormatError("KeyUsage must be a string")
    if value in ALIBABA_KEY_USAGES:
        return ALIBABA_KEY_USAGES[value]
    try:
        return KeyUsage(value)
    except ValueError:
        raise KeyFormatError(f"unknown KeyUsage {value!r}") from None


def _with_json_algorithms(pub: PublicKey, doc: dict[str, Any]) -> PublicKey:
    """Take the algorithm lists from the JSON, refusing any the spec could not have."""
    lists: dict[str, Any] = {}
    for field, enum, allowed in (
        ("SigningAlgorithms", SigningAlgorithm, pub.signing_algorithms),
        ("EncryptionAlgorithms", EncryptionAlgorithm, pub.encryption_algorithms),
        ("KeyAgreementAlgorithms", KeyAgreementAlgorithm, pub.key_agreement_algorithms),
    ):
        names = doc.get(field)
        if names is None:
            continue
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise KeyFormatError(f"{field} must be a list of strings")
        try:
            parsed = tuple(enum(n) for n in names)
        except ValueError:
            raise KeyFormatError(f"{field} has an unknown algorithm: {names}") from None
        bad = [str(a) for a in parsed if a not in allowed]
        if bad:
            raise KeyFormatError(
                f"{field} lists {', '.join(bad)}, which key spec {pub.spec}"
                f" with usage {pub.usage or 'unknown'} cannot use"
            )
        key = {
            "SigningAlgorithms": "signing_algorithms",
            "EncryptionAlgorithms": "encryption_algorithms",
            "KeyAgreementAlgorithms": "key_agreement_algorithms",
        }[field]
        lists[key] = parsed
    if not lists:
        return pub
    return pub._replace(**lists)


# ---------------------------------------------------------------------------------------------
# Loading and generating private keys


def load_private_key(data: bytes) -> PrivateKey:
    """Load a private key: PKCS#8 or SEC1 (or PKCS#1 RSA), PEM or DER.

    Also accepts the JSON of KMS ``GenerateDataKeyPair`` (``PrivateKeyPlaintext``, base64
    PKCS#8 DER). Encrypted PEM is refused. Raises :class:`KeyFormatError` or
    :class:`UnsupportedKeySpecError`; messages never include key bytes.
    """
    if len(data) > _MAX_INPUT:
        raise KeyFormatError("input is too large to be a private key")
    if not data.strip():
        raise KeyFormatError("the private key input is empty")
    if data.startswith(b"\x30"):
        return _private_from_der(data)  # binary DER: never strip it
    stripped = data.strip()
    if stripped.startswith(b"{"):
        import json

        try:
            doc = json.loads(stripped)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise KeyFormatError("input looks like JSON but does not parse") from None
        blob = doc.get("PrivateKeyPlaintext") if isinstance(doc, dict) else None
        if not isinstance(blob, str):
            raise KeyFormatError("JSON has no PrivateKeyPlaintext field")
        return _private_from_der(_decode_base64(blob.encode("ascii", "replace")))
    if b"-----BEGIN " in stripped:
        match = _PEM_BLOCK.search(stripped)
        if match is None:
            raise KeyFormatError("PEM block is not terminated")
        label = match.group(1).decode("ascii")
        if label == "ENCRYPTED PRIVATE KEY" or b"Proc-Type: 4,ENCRYPTED" in match.group(2):
            raise KeyFormatError(
                "encrypted private keys are not supported; decrypt it first"
                " (openssl pkey -in KEY -out PLAIN)"
            )
        if label not in ("PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY", "SM2 PRIVATE KEY"):
            raise KeyFormatError(f"expected a private key, got PEM {label!r}")
        try:
            der = base64.b64decode(b"".join(match.group(2).split()), validate=True)
        except (binascii.Error, ValueError):
            raise KeyFormatError(f"PEM {label} block is not valid base64") from None
        return _private_from_der(der)
    return _private_from_der(_decode_base64(stripped))


def _private_from_der(der: bytes) -> PrivateKey:
    from kmskit.offline._pyca_loaders import load_der_private_key  # see _SERIALIZATION_NOTE

    try:
        key = load_der_private_key(der, password=None)
    except UnsupportedAlgorithm:
        from kmskit.offline.sm2 import SM2PrivateKey

        return PrivateKey(key=SM2PrivateKey.from_der(der), spec=KeySpec.SM2)
    except (ValueError, TypeError):
        raise KeyFormatError("malformed private key (expected PKCS#8 or SEC1)") from None
    return PrivateKey.from_key(key)  # type: ignore[arg-type]


def generate_private_key(spec: KeySpec) -> PrivateKey:
    """Generate a private key for an asymmetric key spec (what GenerateDataKeyPair does).

    Raises :class:`UnsupportedKeySpecError` for symmetric and HMAC specs.
    """
    key: AnyPrivateKey
    if spec in _EC_CURVES:
        key = ec.generate_private_key(_EC_CURVES[spec])
    elif spec in (KeySpec.RSA_2048, KeySpec.RSA_3072, KeySpec.RSA_4096):
        key = rsa.generate_private_key(public_exponent=65537, key_size=profile(spec).key_bits)
    elif spec is KeySpec.ECC_NIST_EDWARDS25519:
        key = ed25519.Ed25519PrivateKey.generate()
    elif spec is KeySpec.ML_DSA_44:
        key = mldsa.MLDSA44PrivateKey.generate()
    elif spec is KeySpec.ML_DSA_65:
        key = mldsa.MLDSA65PrivateKey.generate()
    elif spec is KeySpec.ML_DSA_87:
        key = mldsa.MLDSA87PrivateKey.generate()
    elif spec is KeySpec.SM2:
        from kmskit.offline import sm2

        key = sm2.generate_private_key()
    else:
        raise UnsupportedKeySpecError(f"{spec} is not an asymmetric key spec")
    return PrivateKey(key=key, spec=spec)
