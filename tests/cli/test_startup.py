"""The ``kmskit`` process itself: help stays cheap, and exit codes reach the shell.

``kmskit`` is run once per file in scripts, so ``--help`` and ``--version`` must not import
``cryptography`` (or ``asn1crypto``): the verbs import them lazily. Each case runs in a fresh
interpreter with ``-X importtime``, which lists every module imported, so a module pulled in
indirectly is caught too. The probe also asserts that ``cli.offline`` *was* imported, so a
broken probe cannot pass silently.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from tests.cli._keys import MESSAGE, KeyPair, write

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("cryptography", "asn1crypto")


def _imported_modules(argv: list[str]) -> tuple[int, str, set[str]]:
    code = f"import sys; from cli.main import run; sys.argv = ['kmskit', *{argv!r}]; run()"
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    modules = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            modules.add(line.rsplit("|", 1)[1].strip())
    return proc.returncode, proc.stdout, modules


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["offline", "--help"], ["offline", "verify", "--help"], ["--version"]],
    ids=lambda argv: " ".join(argv),
)
def test_help_does_not_import_cryptography(argv: list[str]) -> None:
    code, stdout, modules = _imported_modules(argv)
    assert code == 0
    assert stdout.startswith(("Usage: kmskit", "kmskit, version"))
    assert "cli.offline" in modules  # the probe sees imports
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert heavy == [], f"kmskit {' '.join(argv)} imported {heavy[:5]}"


@pytest.mark.parametrize(
    "argv",
    [
        ["kms", "--help"],
        ["kms", "encrypt", "--help"],
        ["init", "--help"],
        ["audit", "list", "--help"],
    ],
    ids=lambda argv: " ".join(argv),
)
def test_keystore_help_imports_neither_the_keystore_nor_jmespath(argv: list[str]) -> None:
    code, stdout, modules = _imported_modules(argv)
    assert code == 0
    assert stdout.startswith("Usage: kmskit")
    assert "cli.kms" in modules
    heavy = sorted(
        m for m in modules if m.split(".")[0] in (*HEAVY, "keystore", "jmespath", "sqlite3")
    )
    assert heavy == [], f"kmskit {' '.join(argv)} imported {heavy[:5]}"


def test_probe_detects_cryptography_when_a_verb_runs(keys: dict[str, KeyPair]) -> None:
    """The same probe on a real verb does see cryptography, so the test above can fail."""
    _code, _stdout, modules = _imported_modules(["offline", "inspect-key", str(keys["p256"].pub)])
    assert "cryptography" in modules


def _console_script() -> str:
    beside = Path(sys.executable).with_name("kmskit")
    found = str(beside) if beside.exists() else shutil.which("kmskit")
    if found is None:
        pytest.fail("the kmskit console script is not installed (run `make test`)")
    return found


def test_console_script_exit_codes_reach_the_shell(keys: dict[str, KeyPair]) -> None:
    script = _console_script()
    p256 = keys["p256"]
    signature = write("sig", p256.private.sign(MESSAGE, ec.ECDSA(hashes.SHA256())))
    base = [script, "offline", "verify", "--public-key", str(p256.pub)]
    base += ["--signing-algorithm", "ECDSA_SHA_256", "--signature", str(signature)]

    good = subprocess.run(
        [*base, "--message", "-"], input=MESSAGE, capture_output=True, timeout=60, check=False
    )
    assert (good.returncode, good.stderr) == (0, b"")
    assert good.stdout == b"Signature is valid (ECDSA_SHA_256).\n"

    bad = subprocess.run(
        [*base, "--message", "-"], input=b"tampered", capture_output=True, timeout=60, check=False
    )
    assert bad.returncode == 1
    assert len(bad.stderr.splitlines()) == 1
    assert bad.stderr.startswith(b"KMSInvalidSignatureException: ")

    usage = subprocess.run(
        [script, "offline", "verify", "--bogus"], capture_output=True, timeout=60, check=False
    )
    assert usage.returncode == 2
    assert len(usage.stderr.splitlines()) == 1 and b"Traceback" not in usage.stderr
