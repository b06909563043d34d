"""SM2 verification with a per-key comb table, against signatures made by the openssl CLI.

Many signatures under one key are what the table is for (``offline verify --batch``); every
one openssl made must verify with and without the table, and a tampered one with neither.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kmskit.offline import sm2
from kmskit.offline.errors import KMSInvalidSignatureException


def _openssl(*args: str | Path) -> bytes:
    return subprocess.run(
        ["openssl", *map(str, args)], capture_output=True, check=True, timeout=60
    ).stdout


def test_openssl_signatures_under_one_key(tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2", "-out", key)
    pub_pem = _openssl("pkey", "-in", key, "-pubout")
    warm = sm2.SM2PublicKey.from_pem(pub_pem)
    warm.precompute()
    for i in range(24):
        message = tmp_path / f"m{i}"
        message.write_bytes(b"firmware image %d\n" % i)
        der = _openssl("dgst", "-sm3", "-sign", key, "-sigopt", "distid:1234567812345678", message)
        cold = sm2.SM2PublicKey.from_pem(pub_pem)  # a fresh object: no table yet
        for pub in (cold, warm):
            assert sm2.verify(pub, message.read_bytes(), der) is True
            with pytest.raises(KMSInvalidSignatureException):
                sm2.verify(pub, message.read_bytes() + b"!", der)
    assert warm._verify_state.table is not None and cold._verify_state.table is None
