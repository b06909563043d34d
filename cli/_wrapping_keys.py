"""Parsing ``--wrapping-key`` SPECs: comma-separated ``k=v`` naming one keyring.

Pure parsing, no kmskit library and no files read: :func:`parse_spec` checks the shape and
returns a :class:`WrappingKeySpec`; ``cli.envelope`` builds the keyring from it. The forms:

- ``key=ID`` — a key of the local keystore (key id, key ARN, alias name or alias ARN);
- ``provider=raw-aes,namespace=N,name=K,key-file=P``;
- ``provider=raw-rsa,namespace=N,name=K,public-key=P`` (decrypt: ``private-key=P``;
  optional ``algorithm=RSAES_OAEP_SHA_1``);
- ``provider=raw-sm2,namespace=N,name=K,public-key=P`` (decrypt: ``private-key=P``);
- ``provider=aws-kms,key=ARN[,region=R][,endpoint-url=U][,profile=P]`` (decrypt: also
  ``aws-kms-rsa`` EDKs for an RSA key, with ``algorithm=``);
- ``provider=aws-kms-rsa,public-key=P[,key=ARN][,algorithm=A]`` (decrypt: ``key=ARN,
  private-key=P``). A ``raw-rsa`` public key from KMS JSON writes this layout too;
- ``provider=aliyun-kms,key=ACS-ARN[,region=R][,endpoint=URL][,ca-bundle=PEM]``.

Recipient SPECs also take ``force=true`` (encrypt to a key whose known usage is not
ENCRYPT_DECRYPT). Values cannot contain commas. Every error is a :class:`SpecError` with
one line of text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

__all__ = [
    "RSA_PADDINGS",
    "SPEC_HELP",
    "Role",
    "SpecError",
    "WrappingKeySpec",
    "parse_group",
    "parse_spec",
]

Role = Literal["encrypt", "decrypt"]

KEYSTORE: Final = "keystore"
RAW_AES: Final = "raw-aes"
RAW_RSA: Final = "raw-rsa"
RAW_SM2: Final = "raw-sm2"
AWS_KMS: Final = "aws-kms"
AWS_KMS_RSA: Final = "aws-kms-rsa"
ALIYUN_KMS: Final = "aliyun-kms"
# The raw RSA keyring's paddings (envelope.keyrings.raw_rsa.RsaPadding), spelled here so
# that parsing stays free of the library.
RSA_PADDINGS: Final = (
    "RSAES_OAEP_SHA_1",
    "RSAES_OAEP_SHA_256",
    "RSAES_OAEP_SHA_384",
    "RSAES_OAEP_SHA_512",
    "RSAES_PKCS1_V1_5",
)
# The KMS RSA algorithms an aws-kms-rsa EDK may use (the MPL AWS KMS RSA keyring).
KMS_RSA_ALGORITHMS: Final = ("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256")

# provider -> (required keys, optional keys)
_FIELDS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    KEYSTORE: (("key",), ()),
    RAW_AES: (("namespace", "name", "key-file"), ()),
    # namespace= and name= are needed for the raw RSA layout only: a public key from KMS
    # JSON (with its key ARN) writes the aws-kms-rsa layout unless layout=raw-rsa.
    RAW_RSA: (
        (),
        ("namespace", "name", "public-key", "private-key", "algorithm", "force", "layout"),
    ),
    RAW_SM2: (("namespace", "name"), ("public-key", "private-key", "force")),
    AWS_KMS: (("key",), ("region", "endpoint-url", "profile", "algorithm")),
    AWS_KMS_RSA: ((), ("key", "public-key", "private-key", "algorithm", "force")),
    ALIYUN_KMS: (("key",), ("region", "endpoint", "ca-bundle")),
}
_TRUE = ("true", "yes", "1")
_FALSE = ("false", "no", "0")

SPEC_HELP: Final = """\b
SPEC is comma-separated k=v (values cannot contain commas):
  key=ID                  a keystore key: key id, key ARN, alias name or alias ARN
  provider=raw-aes,namespace=N,name=K,key-file=P     (16, 24 or 32 raw bytes)
  provider=raw-rsa,namespace=N,name=K,public-key=P   (decrypt: private-key=P)
                          [,algorithm=RSAES_OAEP_SHA_1|_256|_384|_512|RSAES_PKCS1_V1_5]
  provider=raw-sm2,namespace=N,name=K,public-key=P   (decrypt: private-key=P)
  provider=aws-kms,key=ARN[,region=R][,endpoint-url=U][,profile=P]
                          [,algorithm=RSAES_OAEP_SHA_1|_256: aws-kms-rsa EDKs]
  provider=aws-kms-rsa,public-key=KMS-JSON[,key=ARN][,algorithm=RSAES_OAEP_SHA_1|_256]
                          (decrypt: key=ARN,private-key=P)
  provider=aliyun-kms,key=acs:kms:R:UID:key/ID[,region=R][,endpoint=URL][,ca-bundle=PEM]
                          (credentials: ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET; kmskit[aliyun])
A raw-rsa public key from KMS JSON writes the aws-kms-rsa layout unless layout=raw-rsa.
Recipient SPECs take force=true to wrap to a key whose usage is not ENCRYPT_DECRYPT.
See docs/envelope-cli.md."""


class SpecError(ValueError):
    """A SPEC that does not parse; the message is one line."""


@dataclass(frozen=True)
class WrappingKeySpec:
    """One parsed SPEC: the provider and its fields (``provider`` itself not included)."""

    provider: str
    fields: dict[str, str] = field(default_factory=dict)
    text: str = ""

    def get(self, name: str) -> str | None:
        return self.fields.get(name)

    @property
    def force(self) -> bool:
        return self.fields.get("force", "false").lower() in _TRUE


def _pairs(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            raise SpecError(f"empty item in {text!r} (items are comma-separated k=v)")
        name, eq, value = item.partition("=")
        name = name.strip().lower()
        if not eq or not name:
            raise SpecError(f"{item!r} is not k=v")
        if not value:
            raise SpecError(f"{name}= has no value")
        if name in out:
            raise SpecError(f"{name}= is given twice")
        out[name] = value
    return out


def parse_spec(text: str, role: Role) -> WrappingKeySpec:
    """Parse one SPEC for ``role`` (what the keyring will do: wrap or unwrap).

    Raises :class:`SpecError` for an unknown provider or key, a missing or repeated key,
    a recipient SPEC without the key half the role needs, or a bad ``force`` value.
    """
    pairs = _pairs(text)
    provider = pairs.pop("provider", KEYSTORE).lower()
    if provider in ("kmskit-keystore", "local"):
        provider = KEYSTORE
    if provider not in _FIELDS:
        choices = ", ".join(p for p in _FIELDS if p != KEYSTORE)
        raise SpecError(f"unknown provider {provider!r}; expected {choices}, or key=ID alone")
    required, optional = _FIELDS[provider]
    unknown = sorted(set(pairs) - set(required) - set(optional))
    if unknown:
        allowed = ", ".join(f"{k}=" for k in ("provider", *required, *optional))
        raise SpecError(f"{provider}: unknown {', '.join(unknown)} (allowed: {allowed})")
    missing = [k for k in required if k not in pairs]
    if missing:
        raise SpecError(f"{provider}: missing {', '.join(f'{k}=' for k in missing)}")
    if "force" in pairs and pairs["force"].lower() not in (*_TRUE, *_FALSE):
        raise SpecError(f"force= must be true or false, not {pairs['force']!r}")
    if provider == RAW_RSA and "algorithm" in pairs:
        pairs["algorithm"] = pairs["algorithm"].upper()
        if pairs["algorithm"] not in RSA_PADDINGS:
            raise SpecError(f"raw-rsa: algorithm= must be one of {', '.join(RSA_PADDINGS)}")
    if "layout" in pairs and pairs["layout"] not in (RAW_RSA, AWS_KMS_RSA):
        raise SpecError(f"layout= must be {RAW_RSA} or {AWS_KMS_RSA}")
    if provider in (AWS_KMS, AWS_KMS_RSA) and "algorithm" in pairs:
        pairs["algorithm"] = pairs["algorithm"].upper()
        if pairs["algorithm"] not in KMS_RSA_ALGORITHMS:
            choices = ", ".join(KMS_RSA_ALGORITHMS)
            raise SpecError(f"{provider}: algorithm= must be one of {choices}")
    if provider == AWS_KMS_RSA:
        if role == "decrypt" and ("private-key" not in pairs or "key" not in pairs):
            raise SpecError(
                f"{AWS_KMS_RSA}: decrypting needs key=ARN and private-key= (or key=ID alone for"
                " a keystore key, or provider=aws-kms)"
            )
        if role == "encrypt" and "public-key" not in pairs and "private-key" not in pairs:
            raise SpecError(f"{AWS_KMS_RSA}: give public-key= (KMS get-public-key JSON)")
    if provider == RAW_RSA and role == "decrypt":
        if not ("namespace" in pairs and "name" in pairs):
            raise SpecError(f"{RAW_RSA}: missing namespace= and name=")
    if provider in (RAW_RSA, RAW_SM2):
        if role == "decrypt" and "private-key" not in pairs:
            raise SpecError(f"{provider}: decrypting needs private-key=")
        if "public-key" not in pairs and "private-key" not in pairs:
            raise SpecError(f"{provider}: give public-key= (or private-key=)")
    return WrappingKeySpec(provider, pairs, text)


def parse_group(items: tuple[str, ...], role: Role) -> list[WrappingKeySpec]:
    """Parse one ``-w/--wrapping-keys`` group, aws-encryption-cli style: ``k=v`` items, where
    ``key=`` may repeat and every other item applies to each key. Returns one SPEC per
    ``key=`` value (one SPEC when there is none, as for the raw providers). Values cannot
    contain commas. Raises :class:`SpecError`."""
    keys: list[str] = []
    shared: list[str] = []
    for item in items:
        if "," in item:
            raise SpecError(f"{item!r}: give each k=v as its own argument after -w")
        name, eq, value = item.partition("=")
        if not eq:
            raise SpecError(f"{item!r} is not k=v")
        if name.strip().lower() == "key":
            keys.append(value)
        else:
            shared.append(item)
    if not keys:
        return [parse_spec(",".join(shared), role)]
    return [parse_spec(",".join([*shared, f"key={k}"]), role) for k in keys]
