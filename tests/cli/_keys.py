"""Test keys for the CLI tests, made with ``cryptography`` (never with kmskit), and file helpers.

Every pair is written as PKCS#8 PEM (``.key``) and SPKI PEM (``.pub``). ``spki_der`` and
``fingerprint`` are computed by ``cryptography`` and ``hashlib``: an oracle independent of
kmskit's loaders.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, mldsa, padding, rsa

MESSAGE = b"Pay 100 to Alice\n"
ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
RSA_SIGNING = [
    "RSASSA_PSS_SHA_256",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PSS_SHA_512",
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
]
OAEP_HASHES = {"RSAES_OAEP_SHA_1": hashes.SHA1, "RSAES_OAEP_SHA_256": hashes.SHA256}
# The KMS plaintext maxima for RSA_2048 (issue 2, item 4), written out here on purpose rather
# than read from kmskit.offline.specs, so the table itself is under test.
OAEP_MAX_2048 = {"RSAES_OAEP_SHA_1": 214, "RSAES_OAEP_SHA_256": 190}
# click's errors (bad option values, missing options, unreadable files, existing outputs) are
# printed under this name by cli/main.py; there is no KMS name for them.
USAGE = "UsageError"


@dataclass(frozen=True)
class KeyPair:
    private: Any
    key: Path  # PKCS#8 PEM
    pub: Path  # SPKI PEM

    @property
    def spki_der(self) -> bytes:
        return bytes(
            self.private.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

    @property
    def fingerprint(self) -> str:
        return "SHA256:" + hashlib.sha256(self.spki_der).hexdigest()


def _pair(directory: Path, name: str, private: Any) -> KeyPair:
    key = directory / f"{name}.key"
    pub = directory / f"{name}.pub"
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    pub.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return KeyPair(private, key, pub)


def make_keys(directory: Path) -> dict[str, KeyPair]:
    """One pair per non-SM2 family the CLI handles; RSA is 2048 bits to keep tests fast."""
    made = {
        "rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "p256": ec.generate_private_key(ec.SECP256R1()),
        "p256b": ec.generate_private_key(ec.SECP256R1()),
        "p384": ec.generate_private_key(ec.SECP384R1()),
        "k1": ec.generate_private_key(ec.SECP256K1()),
        "ed": ed25519.Ed25519PrivateKey.generate(),
        "mldsa": mldsa.MLDSA44PrivateKey.generate(),
    }
    return {name: _pair(directory, name, private) for name, private in made.items()}


def oaep(algorithm: str) -> padding.OAEP:
    h = OAEP_HASHES[algorithm]()
    return padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None)


def write(name: str, data: bytes | str) -> Path:
    """Write ``data`` to ``name`` in the current (per-test) directory; return the full path."""
    path = Path(name).resolve()
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def aws_json(pair: KeyPair, **fields: Any) -> Path:
    """An AWS ``get-public-key`` response for ``pair`` with extra ``fields``, as a file."""
    doc = {"KeyId": ARN, "PublicKey": base64.b64encode(pair.spki_der).decode(), **fields}
    name = "-".join(str(v) for v in fields.values() if isinstance(v, str))
    return write(f"aws-{name}.json", json.dumps(doc))


def listing(directory: Path) -> dict[str, bytes]:
    """Every file in ``directory`` with its content (temporary files included)."""
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def default_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def expand(template: list[str], keys: dict[str, KeyPair]) -> list[str]:
    """Fill ``{rsa.key}``, ``{p256.pub}``, ``{msg}`` (MESSAGE) and ``{sig}`` in an argv template."""
    msg, sig = write("msg", MESSAGE), write("sig", b"\x30\x06\x02\x01\x01\x02\x01\x01")
    values = {"msg": str(msg), "sig": str(sig)}
    for name, pair in keys.items():
        values[f"{name}.key"], values[f"{name}.pub"] = str(pair.key), str(pair.pub)
    return [values[arg[1:-1]] if arg.startswith("{") else arg for arg in template]
