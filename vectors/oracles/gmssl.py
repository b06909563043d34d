"""The pure-Python ``gmssl`` package as an SM2 oracle (default-ID signatures, decryption).

What gmssl can express, and its quirks (gmssl 3.2):

* only the default ID ``1234567812345678`` (hard-coded in ``_sm3_z``): custom-ID groups are
  skipped;
* public keys are hex ``x || y``; the constructor strips a leading "04" with
  ``lstrip("04")``, which also eats the leading 0/4 digits of an x whose hex starts with
  "04", so such keys are skipped;
* signatures go through ``asn1=True`` (pycryptodome's ``DerSequence``), gmssl's own DER
  handling; DIGEST cases call ``verify(sig, e)``, which reads e as an integer of any length;
* ``decrypt`` takes raw C1 || C3 || C2 (``mode=1``) or C1 || C2 || C3 (``mode=0``) without
  04, and never checks C1 or C3, so it cannot reject anything: invalid decryption cases are
  skipped, valid ones must decrypt to msg. DER cases are re-laid out as raw C1C3C2 here.
* no ECDH, no other algorithm: everything else is skipped.

The private scalar for decryption is read from the group's PKCS#8 PEM with kmskit's SM2 key
parser (key parsing is not what this oracle checks; the openssl oracle reads the same PEM).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from kmskit.offline.errors import ValidationException
from kmskit.vectors._family import Verdict
from kmskit.vectors.oracles import Skip
from kmskit.vectors.oracles._sm2_layout import der_to_parts, raw_to_parts

__all__ = ["KNOWN_LENIENCIES", "GmsslOracle"]

Json = Mapping[str, Any]

# (kind, flag) -> why gmssl accepts such an invalid case. Keep docs/vectors.md in step.
KNOWN_LENIENCIES: Final[dict[tuple[str, str], str]] = {
    ("sm2-sign", "IntegerPadding"): "gmssl parses DER with pycryptodome's DerSequence in"
    " non-strict mode, which accepts an INTEGER with a superfluous leading 00",
    ("sm2-sign", "WrongDigestLength"): "gmssl's verify(sig, e) reads e as an integer of any"
    " length, so 00 || e is e",
}


class GmsslOracle:
    """gmssl's ``CryptSM2``; pure Python, so cases run one at a time."""

    name = "gmssl"
    workers = 1

    def __init__(self, module: Any) -> None:
        self._sm2 = module

    @classmethod
    def locate(cls) -> GmsslOracle:
        """Import gmssl; raises ValidationException if it is not installed."""
        try:
            from gmssl import sm2 as gm_sm2
        except ImportError:
            raise ValidationException(
                "the gmssl oracle needs the gmssl package (pip install gmssl)"
            ) from None
        return cls(gm_sm2)

    def leniency(self, kind: str, group: Json, test: Json) -> str | None:
        for flag in test.get("flags", []):
            reason = KNOWN_LENIENCIES.get((kind, flag))
            if reason is not None:
                return reason
        return None

    def judge(self, kind: str, group: Json, test: Json) -> Verdict | Skip:
        if kind == "sm2-sign":
            return self._verify(group, test)
        if kind == "sm2-encrypt":
            return self._decrypt(group, test)
        return Skip("gmssl implements only SM2 signatures and encryption")

    @staticmethod
    def _public_hex(spki_hex: str) -> str | Skip:
        der = bytes.fromhex(spki_hex)
        if len(der) != 91 or der[-65] != 4:
            return Skip("gmssl needs an uncompressed SM2 public key")
        xy = der[-64:].hex()
        if xy.startswith("04"):
            return Skip("gmssl's lstrip('04') would corrupt this public key")
        return xy

    def _verify(self, group: Json, test: Json) -> Verdict | Skip:
        if "sm2Id" in group:
            return Skip("gmssl supports only the default SM2 ID")
        xy = self._public_hex(group["publicKeyDer"])
        if isinstance(xy, Skip):
            return xy
        crypt = self._sm2.CryptSM2(private_key="", public_key=xy, asn1=True)
        msg = bytes.fromhex(test["msg"])
        try:
            if test.get("messageType", "RAW") == "DIGEST":
                ok = crypt.verify(test["sig"], msg)
            else:
                ok = crypt.verify_with_sm3(test["sig"], msg)
        except Exception as exc:  # gmssl raises assorted errors on malformed input
            return Verdict(False, detail=f"{type(exc).__name__}: {exc}")
        return Verdict(bool(ok), detail="" if ok else "verify returned false")

    def _decrypt(self, group: Json, test: Json) -> Verdict | Skip:
        if test["result"] != "valid":
            return Skip("gmssl decrypt checks neither C1 nor C3, so it cannot reject")
        from kmskit.offline.sm2 import SM2PrivateKey

        d = SM2PrivateKey.from_pem(group["privateKeyPem"]).d
        ct = bytes.fromhex(test["ct"])
        encoding = test["encoding"]
        parts = der_to_parts(ct) if encoding == "DER" else raw_to_parts(ct, encoding)
        if parts is None:
            return Skip("the ciphertext cannot be re-laid out for gmssl")
        x, y, c3, c2 = parts
        raw = x.to_bytes(32, "big") + y.to_bytes(32, "big") + c3 + c2
        crypt = self._sm2.CryptSM2(private_key=f"{d:064x}", public_key="", mode=1)
        try:
            plaintext = crypt.decrypt(raw)
        except Exception as exc:
            return Verdict(False, detail=f"{type(exc).__name__}: {exc}")
        if plaintext is None:
            return Verdict(False, detail="decrypt returned None")
        return Verdict(True, output=bytes(plaintext))
