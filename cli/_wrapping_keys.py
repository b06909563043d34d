"""Parsing ``--wrapping-key`` SPECs: comma-separated ``k=v`` naming one keyring.

Pure parsing, no kmskit library and no files read: :func:`parse_spec` checks the shape and
returns a :class:`WrappingKeySpec`; ``cli.envelope`` builds the keyring from it. The forms:

- ``key=ID`` — a key of the local keystore (key id, key ARN, alias name or alias ARN);
- ``provider=raw-aes,namespace=N,name=K,key-file=P``;
- ``provider=raw-rsa,namespace=N,name=K,public-key=P`` (decrypt: ``private-key=P``;
  optional ``algorithm=RSAES_OAEP_SHA_1``);
- ``provider=raw-sm2,namespace=N,name=K,public-key=P`` (decrypt: ``private-key=P``);
- ``provider=aws-kms,key=ARN[,region=R][,endpoint-url=U][,profile=P]``.

Recipient SPECs also take ``force=true`` (encrypt to a key whose known usage is not
ENCRYPT_DECRYPT). Values cannot contain commas. Every error is a :class:`SpecError` with
one line of text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

__all__ = ["SPEC_HELP", "Role", "SpecError", "WrappingKeySpec", "parse_spec"]

Role = Literal["encrypt", "decrypt"]

KEYSTORE: Final = "keystore"
RAW_AES: Final = "raw-aes"
RAW_RSA: Final = "raw-rsa"
RAW_SM2: Final = "raw-sm2"
AWS_KMS: Final = "aws-kms"

# provider -> (required keys, optional keys)
_FIELDS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    KEYSTORE: (("key",), ()),
    RAW_AES: (("namespace", "name", "key-file"), ()),
    RAW_RSA: (("namespace", "name"), ("public-key", "private-key", "algorithm", "force")),
    RAW_SM2: (("namespace", "name"), ("public-key", "private-key", "force")),
    AWS_KMS: (("key",), ("region", "endpoint-url", "profile")),
}
_TRUE = ("true", "yes", "1")
_FALSE = ("false", "no", "0")

SPEC_HELP: Final = """\b
SPEC is comma-separated k=v (values cannot contain commas):
  key=ID                  a keystore key: key id, key ARN, alias name or alias ARN
  provider=raw-aes,namespace=N,name=K,key-file=P     (16, 24 or 32 raw bytes)
  provider=raw-rsa,namespace=N,name=K,public-key=P   (decrypt: private-key=P)
                          [,algorithm=RSAES_OAEP_SHA_1]
  provider=raw-sm2,namespace=N,name=K,public-key=P   (decrypt: private-key=P)
  provider=aws-kms,key=ARN[,region=R][,endpoint-url=U][,profile=P]
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
    if provider in (RAW_RSA, RAW_SM2):
        if role == "decrypt" and "private-key" not in pairs:
            raise SpecError(f"{provider}: decrypting needs private-key=")
        if "public-key" not in pairs and "private-key" not in pairs:
            raise SpecError(f"{provider}: give public-key= (or private-key=)")
    return WrappingKeySpec(provider, pairs, text)
