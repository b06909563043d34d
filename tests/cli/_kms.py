"""Helpers for the ``kmskit kms`` tests: an in-process runner bound to one home, and the
``openssl`` command line as an independent peer."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.cli._runner import Outcome, kmskit, ok


class Kms:
    """``kms("encrypt", ...)`` runs ``kmskit kms encrypt --home HOME ...``."""

    def __init__(self, home: Path, env: dict[str, str | None] | None = None) -> None:
        self.home = home
        self.env = env  # more of the environment (KMSKIT_PRINCIPAL)

    def __call__(self, operation: str, *args: object, stdin: bytes | None = None) -> Outcome:
        return kmskit(
            "kms",
            operation,
            "--home",
            self.home,
            *args,
            stdin=stdin,
            env={
                "KMSKIT_PASSPHRASE": None,
                "KMSKIT_HOME": None,
                "AWS_DEFAULT_OUTPUT": None,
                "AWS_REGION": None,
                "AWS_DEFAULT_REGION": None,
                "KMSKIT_PRINCIPAL": None,
                **(self.env or {}),
            },
        )

    def json(self, operation: str, *args: object) -> Any:
        return ok(self(operation, *args)).json()

    def key(self, *args: object) -> str:
        key_id: str = self.json("create-key", *args)["KeyMetadata"]["KeyId"]
        return key_id


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def openssl(*args: object, ok: bool = True) -> subprocess.CompletedProcess[bytes]:
    """Run the ``openssl`` CLI; fail the test on a non-zero exit unless ``ok=False``."""
    proc = subprocess.run(
        ["openssl", *map(str, args)], capture_output=True, timeout=60, check=False
    )
    if ok and proc.returncode != 0:
        pytest.fail(f"openssl {' '.join(map(str, args))}: {proc.stderr.decode()}")
    return proc
