"""Shared pieces of the envelope CLI tests: inputs, wrapping-key SPECs, the failure check."""

from __future__ import annotations

import os
from pathlib import Path

from tests.cli._keys import listing, write
from tests.cli._runner import Outcome, assert_one_line_error

DATA = os.urandom(200_000) + b"end"
AES_KEY = b"0123456789abcdef0123456789abcdef"  # 32 bytes, also valid UTF-8 for transcripts
AES = "provider=raw-aes,namespace=ns,name=aes-key,key-file=aes.key"
AES2 = "provider=raw-aes,namespace=ns,name=aes-key-2,key-file=aes2.key"
SUITES = [
    "AES_256_GCM_HKDF_SHA512_COMMIT_KEY",
    "AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384",
    "SM4_GCM_HKDF_SM3_COMMIT_KEY",
    "SM4_GCM_HKDF_SM3_COMMIT_KEY_SM2",
]


def write_inputs() -> None:
    """data.bin and two raw AES key files in the current (per-test) directory."""
    write("data.bin", DATA)
    write("aes.key", AES_KEY)
    write("aes2.key", bytes(range(32)))


def failed(result: Outcome, code: int, name: str, work: Path, before: set[str]) -> str:
    """One error line, and no new file (no output, no temporary file) in ``work``."""
    message = assert_one_line_error(result, code, name)
    assert set(listing(work)) == before, sorted(set(listing(work)) - before)
    return message
