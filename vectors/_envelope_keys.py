"""The keys of the envelope vectors: how they are drawn, written as a keys manifest, and read.

Keys manifest format: the AWS crypto-tools test-vector framework's ``keys`` version 3 (feature
0002-keys), which the ESDK runners read: ``key-id`` (the EDK key name), ``encrypt``,
``decrypt``, ``algorithm``, ``type``, ``bits``, ``encoding`` and ``material`` (base64 for AES,
PEM for RSA). SM2 keys use ``"algorithm": "sm2"`` with PEM material, kmskit's extension; they
are written only to ``kmskit-keys.json`` because the reference runner refuses a whole keys
manifest that names an algorithm other than ``aes`` and ``rsa`` (docs/vectors.md#keys).

Master keys (feature 0005-awses-master-key) are ``raw`` with ``provider-id``
:data:`PROVIDER_ID` and ``encryption-algorithm`` ``aes``, ``rsa`` (``oaep-mgf1`` with
``sha1`` or ``sha256``) or, as kmskit's extension, ``sm2``.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kmskit.envelope.keyrings import Keyring, RawAesKeyring, RsaKeyring, Sm2Keyring
from kmskit.offline import sm2
from kmskit.offline.errors import KmskitError, ValidationException
from kmskit.offline.pem import pem_text
from kmskit.offline.specs import EncryptionAlgorithm
from kmskit.vectors import _rsa_math
from kmskit.vectors._drbg import Drbg
from kmskit.vectors._envelope_msg import Recipient

__all__ = [
    "KEYS_VERSION",
    "PROVIDER_ID",
    "KeySet",
    "Keys",
    "keyring_for",
    "keys_manifest",
    "load_keys",
]

KEYS_VERSION: Final = 3
PROVIDER_ID: Final = "kmskit-vectors"
_OAEP: Final = {
    "sha1": ("SHA-1", EncryptionAlgorithm.RSAES_OAEP_SHA_1),
    "sha256": ("SHA-256", EncryptionAlgorithm.RSAES_OAEP_SHA_256),
}

Json = dict[str, Any]


@dataclass(frozen=True)
class KeySet:
    """The keys of one key set (``--count`` sets; set 0 has the plain names).

    Draws: AES keys ``envelope/set{i}/keys/aes-128`` (16 bytes), ``…/aes-256`` and
    ``…/aes-256-impostor`` (32); the RSA-2048 key is the one of label ``rsa-2048/key{i}``
    that the RSA kinds use; the SM2 key d = scalar(n − 2) from ``envelope/set{i}/keys/sm2``.
    """

    index: int
    aes128: bytes = field(repr=False)
    aes256: bytes = field(repr=False)
    impostor: bytes = field(repr=False)
    rsa_key: rsa.RSAPrivateKey = field(repr=False)
    sm2_key: sm2.SM2PrivateKey = field(repr=False)

    @classmethod
    def draw(cls, rng: Drbg, index: int) -> KeySet:
        keys = rng.at(f"envelope/set{index}/keys")
        return cls(
            index=index,
            aes128=keys.child("aes-128").read(16),
            aes256=keys.child("aes-256").read(32),
            impostor=keys.child("aes-256-impostor").read(32),
            rsa_key=_rsa_math.private_key(rng.at(f"rsa-2048/key{index}"), 2048),
            sm2_key=sm2.SM2PrivateKey(keys.child("sm2").scalar(sm2.N - 2)),
        )

    def name(self, base: str) -> str:
        """A key (or key id) name in this set: ``base`` for set 0, ``base-set{i}`` after."""
        return base if self.index == 0 else f"{base}-set{self.index}"

    # --- master keys (what a test lists under master-keys) ----------------------------

    def aes(self, bits: int, *, impostor: bool = False) -> Json:
        base = "aes-256-impostor" if impostor else f"aes-{bits}"
        return _raw(self.name(base), "aes")

    def rsa(self, padding_hash: str = "sha256", *, public: bool = False) -> Json:
        spec = _raw(self.name("rsa-2048-public" if public else "rsa-2048-private"), "rsa")
        return {**spec, "padding-algorithm": "oaep-mgf1", "padding-hash": padding_hash}

    def sm2(self, *, public: bool = False) -> Json:
        return _raw(self.name("sm2-public" if public else "sm2-private"), "sm2")

    # --- recipients (how the generator wraps for a master key) -------------------------

    def recipient(self, spec: Mapping[str, Any]) -> Recipient:
        """The generator-side wrapper of a master key this set wrote."""
        name, algorithm = spec["key"], spec["encryption-algorithm"]
        if algorithm == "aes":
            secret = {
                self.name("aes-128"): self.aes128,
                self.name("aes-256"): self.aes256,
                self.name("aes-256-impostor"): self.impostor,
            }[name]
            key_id = self.name("aes-256") if name == self.name("aes-256-impostor") else name
            return Recipient("aes", PROVIDER_ID, key_id, secret=secret)
        if algorithm == "rsa":
            oaep_hash = _OAEP[spec["padding-hash"]][0]
            return Recipient(
                "rsa", PROVIDER_ID, self.name("rsa-2048"), rsa_key=self.rsa_key, oaep_hash=oaep_hash
            )
        return Recipient("sm2", PROVIDER_ID, self.name("sm2"), sm2_key=self.sm2_key)

    # --- the keys manifest entries -----------------------------------------------------

    def entries(self, *, with_sm2: bool) -> dict[str, Json]:
        rsa_private = self.rsa_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        rsa_public = self.rsa_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        out = {
            self.name("aes-128"): _symmetric(self.name("aes-128"), self.aes128),
            self.name("aes-256"): _symmetric(self.name("aes-256"), self.aes256),
            # Same key id as aes-256, other material: the EDK names it, yet it cannot open it.
            self.name("aes-256-impostor"): _symmetric(self.name("aes-256"), self.impostor),
            self.name("rsa-2048-private"): _asymmetric(
                self.name("rsa-2048"), "rsa", "private", 2048, pem_text("PRIVATE KEY", rsa_private)
            ),
            self.name("rsa-2048-public"): _asymmetric(
                self.name("rsa-2048"), "rsa", "public", 2048, pem_text("PUBLIC KEY", rsa_public)
            ),
        }
        if with_sm2:
            sm2_private = pem_text("PRIVATE KEY", self.sm2_key.pkcs8_der())
            sm2_public = pem_text("PUBLIC KEY", self.sm2_key.public_key().spki_der())
            out[self.name("sm2-private")] = _asymmetric(
                self.name("sm2"), "sm2", "private", 256, sm2_private
            )
            out[self.name("sm2-public")] = _asymmetric(
                self.name("sm2"), "sm2", "public", 256, sm2_public
            )
        return out


def _raw(key: str, algorithm: str) -> Json:
    return {
        "type": "raw",
        "key": key,
        "provider-id": PROVIDER_ID,
        "encryption-algorithm": algorithm,
    }


def _symmetric(key_id: str, material: bytes) -> Json:
    return {
        "key-id": key_id,
        "encrypt": True,
        "decrypt": True,
        "algorithm": "aes",
        "type": "symmetric",
        "bits": 8 * len(material),
        "encoding": "base64",
        "material": base64.b64encode(material).decode("ascii"),
    }


def _asymmetric(key_id: str, algorithm: str, kind: str, bits: int, material: str) -> Json:
    return {
        "key-id": key_id,
        "encrypt": True,
        "decrypt": kind == "private",
        "algorithm": algorithm,
        "type": kind,
        "bits": bits,
        "encoding": "pem",
        "material": material,
    }


def keys_manifest(sets: Sequence[KeySet], *, with_sm2: bool) -> Json:
    """The keys manifest document for ``sets`` (SM2 keys only ``with_sm2``)."""
    keys: dict[str, Json] = {}
    for key_set in sets:
        keys.update(key_set.entries(with_sm2=with_sm2))
    return {"manifest": {"type": "keys", "version": KEYS_VERSION}, "keys": keys}


# --- reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Key:
    key_id: str
    algorithm: str
    kind: str
    bits: int
    material: bytes = field(repr=False)


Keys = Mapping[str, _Key]


def _fail(message: str) -> ValidationException:
    return ValidationException(f"not a kmskit envelope vector directory: {message}")


def load_keys(doc: Any, what: str) -> Keys:
    """Parse a keys manifest (version 3); raises ValidationException when malformed."""
    if not isinstance(doc, Mapping) or doc.get("manifest") != {
        "type": "keys",
        "version": KEYS_VERSION,
    }:
        raise _fail(f"{what} is not a keys manifest version {KEYS_VERSION}")
    entries = doc.get("keys")
    if not isinstance(entries, Mapping):
        raise _fail(f"{what} has no keys")
    keys = {}
    for name, entry in entries.items():
        try:
            encoding = entry["encoding"]
            text = str(entry["material"])
            material = (
                base64.b64decode(text, validate=True) if encoding == "base64" else text.encode()
            )
            if encoding not in ("base64", "pem"):
                raise ValueError(encoding)
            keys[name] = _Key(
                str(entry["key-id"]),
                str(entry["algorithm"]),
                str(entry["type"]),
                int(entry["bits"]),
                material,
            )
        except (KeyError, TypeError, ValueError):
            raise _fail(f"key {name!r} in {what} is malformed") from None
    return keys


def keyring_for(spec: Any, keys: Keys) -> Keyring:
    """The kmskit keyring for one master-key description; raises ValidationException for a
    description kmskit cannot express or a key the keys manifest lacks."""
    if not isinstance(spec, Mapping) or spec.get("type") != "raw":
        raise _fail(f"unsupported master key {spec!r} (only raw master keys)")
    key = keys.get(str(spec.get("key")))
    if key is None:
        raise _fail(f"master key names an unknown key {spec.get('key')!r}")
    provider_id = str(spec.get("provider-id"))
    algorithm = spec.get("encryption-algorithm")
    if algorithm != key.algorithm:
        raise _fail(f"master key {spec['key']!r} is not an {algorithm} key")
    private = key.kind == "private"
    try:
        if algorithm == "aes" and key.kind == "symmetric":
            return RawAesKeyring(provider_id, key.key_id, key.material)
        if algorithm == "rsa" and spec.get("padding-algorithm") == "oaep-mgf1":
            padding = _OAEP.get(str(spec.get("padding-hash")))
            if padding is not None:
                return RsaKeyring(
                    provider_id,
                    key.key_id,
                    private_key=key.material if private else None,
                    public_key=None if private else key.material,
                    algorithm=padding[1],
                )
        if algorithm == "sm2":
            return Sm2Keyring(
                provider_id,
                key.key_id,
                private_key=key.material if private else None,
                public_key=None if private else key.material,
            )
    except KmskitError as exc:
        raise _fail(f"key {spec['key']!r} does not load: {exc}") from None
    raise _fail(f"unsupported master key {dict(spec)!r}")
