"""The ``openssl`` command (3.0 or later) as an independent oracle for every kind.

Each case becomes one ``openssl pkeyutl`` run on files holding the test's own bytes; OpenSSL
does all parsing, hashing and arithmetic itself. How each kind is expressed:

* ``sm2-sign``: ``pkeyutl -verify -rawin -digest sm3 -pkeyopt hexdistid:ID`` for RAW, always
  with the ID spelled out (OpenSSL 3's default ID is EMPTY, not 1234567812345678); DIGEST
  verifies e directly (no ``-rawin``). ``dgst -vfyopt`` cannot set the ID in 3.0.
* ``ecdsa``, ``rsa-pkcs1``, ``rsa-pss``: ``pkeyutl -verify`` with ``-rawin -digest H`` for
  RAW and ``-pkeyopt digest:H`` for DIGEST; PSS adds ``rsa_padding_mode:pss``,
  ``rsa_pss_saltlen:digest`` (salt = hash length, strictly) and ``rsa_mgf1_md:H``.
* ``rsa-oaep``: ``pkeyutl -decrypt`` with ``rsa_oaep_md`` and ``rsa_mgf1_md``; the output
  must equal msg.
* ``sm2-encrypt``: ``pkeyutl -decrypt`` of GM/T 0009 DER. Raw C1C3C2 / C1C2C3 cases are
  re-laid out as DER here, reading the layout the case states (with or without 04, told
  apart by which reading of C1 is on the curve), with this module's own tiny encoder.
* ``ecdh``: ``pkeyutl -derive`` with a SEC1 private key built from ``private`` and the
  test's SubjectPublicKeyInfo as the peer, byte for byte.
* ``sm2-ecdh``: OpenSSL 3.0 has no derive for its SM2 key type, so both keys are re-wrapped
  in explicit curve parameters whose generator is 2·G (OpenSSL then treats it as a generic
  prime curve). The shared x-coordinate of d·P does not depend on the generator. A peer key
  on another curve is passed unchanged.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from kmskit.offline.errors import ValidationException
from kmskit.vectors._family import Verdict
from kmskit.vectors.oracles import Skip
from kmskit.vectors.oracles._sm2_layout import (
    SM2_A,
    SM2_B,
    SM2_N,
    SM2_P,
    parts_to_der,
    raw_to_parts,
    read_tlv,
    tlv,
    uint,
)

__all__ = ["KNOWN_LENIENCIES", "OpensslOracle"]

Json = Mapping[str, Any]

_DEFAULT_ID_HEX: Final = b"1234567812345678".hex()
_HASH: Final = {"SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}
_TIMEOUT: Final = 120

# G2 = 2·G on the SM2 curve, the generator of the explicit parameters used for sm2-ecdh
# (restated, like the curve itself in _sm2_layout, so the oracle shares no code with kmskit).
_SM2_G2: Final = (
    0x56CEFD60D7C87C000D58EF57FA73BA4D9C0DFA08C08A7331495C2E1DA3F2BD52,
    0x31B7E7E6CC8189F668535CE0F8EAF1BD6DE84C182F6C8E716F780D3A970A23C3,
)
_OID_EC_PUBLIC_KEY: Final = bytes.fromhex("06072a8648ce3d0201")
_OID_PRIME_FIELD: Final = bytes.fromhex("06072a8648ce3d0101")
_CURVE_OIDS: Final = {
    "secp256r1": bytes.fromhex("06082a8648ce3d030107"),
    "secp384r1": bytes.fromhex("06052b81040022"),
    "secp521r1": bytes.fromhex("06052b81040023"),
    "sm2p256v1": bytes.fromhex("06082a811ccf5501822d"),
}

# (kind, flag) -> why OpenSSL 3.0 accepts such an invalid case. Signatures are strict (OpenSSL
# re-encodes r, s and compares the DER); its SM2 decryption is not. Keep docs/vectors.md in step.
_SM2_D2I: Final = "OpenSSL 3.0 reads SM2 ciphertexts with d2i_SM2_Ciphertext"
KNOWN_LENIENCIES: Final[dict[tuple[str, str], str]] = {
    ("sm2-encrypt", "BerLongLength"): f"{_SM2_D2I}, which accepts non-minimal BER lengths",
    ("sm2-encrypt", "IntegerPadding"): f"{_SM2_D2I}; x and y are ASN.1 BIGNUMs, read without"
    " a minimality check",
    ("sm2-encrypt", "TrailingBytes"): f"{_SM2_D2I} and ignores bytes after the SEQUENCE",
    ("sm2-encrypt", "CoordinateNotReduced"): "OpenSSL 3.0 reduces C1's coordinates mod p"
    " (EC_POINT_set_affine_coordinates) instead of rejecting x >= p",
    ("sm2-encrypt", "EmptyC2"): "OpenSSL 3.0 decrypts an empty C2 to an empty plaintext;"
    " GB/T 32918.4 B4 rejects an (empty, so all-zero) KDF output and KMS plaintexts are 1 to"
    " 1024 bytes",
}


def _sm2_explicit_params() -> bytes:
    field = tlv(0x30, _OID_PRIME_FIELD + uint(SM2_P))
    curve = tlv(0x30, tlv(0x04, SM2_A.to_bytes(32, "big")) + tlv(0x04, SM2_B.to_bytes(32, "big")))
    base = b"\x04" + _SM2_G2[0].to_bytes(32, "big") + _SM2_G2[1].to_bytes(32, "big")
    return tlv(0x30, uint(1) + field + curve + tlv(0x04, base) + uint(SM2_N) + uint(1))


def _rewrap_sm2_spki(spki: bytes) -> bytes:
    """An SM2 named-curve SPKI re-wrapped with explicit parameters; anything else unchanged."""
    try:
        _, s0, _ = read_tlv(spki, 0)
        _, a0, a1 = read_tlv(spki, s0)
        if spki[a0:a1] != _OID_EC_PUBLIC_KEY + _CURVE_OIDS["sm2p256v1"]:
            return spki
        bit_string = spki[a1:]
    except (ValueError, IndexError):
        return spki
    algorithm = tlv(0x30, _OID_EC_PUBLIC_KEY + _sm2_explicit_params())
    return tlv(0x30, algorithm + bit_string)


def _sec1_private(curve: str, d: bytes) -> bytes:
    params = _sm2_explicit_params() if curve == "sm2p256v1" else _CURVE_OIDS[curve]
    return tlv(0x30, uint(1) + tlv(0x04, d) + tlv(0xA0, params))


class OpensslOracle:
    """``openssl`` 3.x driven through ``pkeyutl``; one temporary directory per case."""

    name = "openssl"

    def __init__(self, binary: str) -> None:
        self._binary = binary
        self.workers = max(2, min(8, 2 * (os.cpu_count() or 1)))

    @classmethod
    def locate(cls) -> OpensslOracle:
        """Find ``openssl`` on PATH; raises ValidationException if absent or older than 3.0."""
        binary = shutil.which("openssl")
        if binary is None:
            raise ValidationException("the openssl oracle needs the openssl command on PATH")
        proc = subprocess.run(
            [binary, "version"], capture_output=True, timeout=_TIMEOUT, check=False
        )
        words = proc.stdout.decode("ascii", "replace").split()
        if len(words) < 2 or words[0] != "OpenSSL" or not words[1][:1].isdigit():
            raise ValidationException("the openssl oracle needs OpenSSL (not LibreSSL) 3.0+")
        if int(words[1].split(".")[0]) < 3:
            raise ValidationException(f"the openssl oracle needs OpenSSL 3.0+ (found {words[1]})")
        return cls(binary)

    def leniency(self, kind: str, group: Json, test: Json) -> str | None:
        for flag in test.get("flags", []):
            reason = KNOWN_LENIENCIES.get((kind, flag))
            if reason is not None:
                return reason
        return None

    def judge(self, kind: str, group: Json, test: Json) -> Verdict | Skip:
        try:
            return self._judge(kind, group, test)
        except (OSError, subprocess.SubprocessError) as exc:
            return Verdict(False, detail=f"running openssl failed: {exc}", crashed=True)

    def _judge(self, kind: str, group: Json, test: Json) -> Verdict | Skip:
        with tempfile.TemporaryDirectory(prefix="kmskit-openssl-") as tmp:
            d = Path(tmp)
            if kind in ("sm2-sign", "ecdsa", "rsa-pss", "rsa-pkcs1"):
                return self._verify(kind, group, test, d)
            if kind in ("rsa-oaep", "sm2-encrypt"):
                return self._decrypt(kind, group, test, d)
            if kind in ("ecdh", "sm2-ecdh"):
                return self._derive(group, test, d)
        return Skip(f"the openssl oracle does not know kind {kind}")

    # --- running openssl ------------------------------------------------------------------

    def _run(self, args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [self._binary, *args], cwd=cwd, capture_output=True, timeout=_TIMEOUT, check=False
        )

    @staticmethod
    def _detail(proc: subprocess.CompletedProcess[bytes]) -> str:
        text = (proc.stdout + b"\n" + proc.stderr).decode("utf-8", "replace").strip()
        return text.splitlines()[0] if text else f"exit {proc.returncode}"

    def _verify(self, kind: str, group: Json, test: Json, d: Path) -> Verdict:
        (d / "pub.pem").write_text(group["publicKeyPem"], encoding="ascii")
        (d / "msg.bin").write_bytes(bytes.fromhex(test["msg"]))
        (d / "sig.bin").write_bytes(bytes.fromhex(test["sig"]))
        args = ["pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-in", "msg.bin"]
        args += ["-sigfile", "sig.bin"]
        digest = test.get("messageType", "RAW") == "DIGEST"
        if kind == "sm2-sign":
            if not digest:
                sm2_id = group.get("sm2Id", _DEFAULT_ID_HEX)
                args += ["-rawin", "-digest", "sm3", "-pkeyopt", f"hexdistid:{sm2_id}"]
        else:
            md = _HASH[group["sha"]]
            args += ["-pkeyopt", f"digest:{md}"] if digest else ["-rawin", "-digest", md]
            if kind == "rsa-pss":
                mgf = _HASH[group["mgfSha"]]
                args += ["-pkeyopt", "rsa_padding_mode:pss", "-pkeyopt", "rsa_pss_saltlen:digest"]
                args += ["-pkeyopt", f"rsa_mgf1_md:{mgf}"]
        proc = self._run(args, d)
        ok = proc.returncode == 0 and b"Signature Verified Successfully" in proc.stdout
        return Verdict(ok, detail="" if ok else self._detail(proc))

    def _decrypt(self, kind: str, group: Json, test: Json, d: Path) -> Verdict | Skip:
        ct = bytes.fromhex(test["ct"])
        args = ["pkeyutl", "-decrypt", "-inkey", "key.pem", "-in", "ct.bin", "-out", "pt.bin"]
        if kind == "sm2-encrypt":
            encoding = test["encoding"]
            if encoding != "DER":
                parts = raw_to_parts(ct, encoding)
                if parts is None:
                    return Skip("raw SM2 ciphertext too short to re-lay out as DER")
                ct = parts_to_der(parts)
        else:
            md, mgf = _HASH[group["sha"]], _HASH[group["mgfSha"]]
            args += ["-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", f"rsa_oaep_md:{md}"]
            args += ["-pkeyopt", f"rsa_mgf1_md:{mgf}"]
        (d / "key.pem").write_text(group["privateKeyPem"], encoding="ascii")
        (d / "ct.bin").write_bytes(ct)
        proc = self._run(args, d)
        if proc.returncode != 0:
            return Verdict(False, detail=self._detail(proc))
        return Verdict(True, output=(d / "pt.bin").read_bytes())

    def _derive(self, group: Json, test: Json, d: Path) -> Verdict:
        curve = group["curve"]
        (d / "key.der").write_bytes(_sec1_private(curve, bytes.fromhex(test["private"])))
        peer = bytes.fromhex(test["public"])
        if curve == "sm2p256v1":
            peer = _rewrap_sm2_spki(peer)
        (d / "peer.der").write_bytes(peer)
        args = ["pkeyutl", "-derive", "-keyform", "DER", "-inkey", "key.der"]
        args += ["-peerform", "DER", "-peerkey", "peer.der", "-out", "shared.bin"]
        proc = self._run(args, d)
        if proc.returncode != 0:
            return Verdict(False, detail=self._detail(proc))
        return Verdict(True, output=(d / "shared.bin").read_bytes())
