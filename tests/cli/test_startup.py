"""The ``kmskit`` process itself: start-up stays cheap, and exit codes reach the shell.

``kmskit`` is run once per file in scripts, so it must load only what the command it runs
needs (cli/_lazy.py): ``--help`` and ``--version`` import no command group, a group's help
imports that group alone, and neither imports ``cryptography`` (or ``asn1crypto``), SQLite or
``jmespath``. Each case runs in a fresh interpreter that writes ``sys.modules`` out at exit, so
a module pulled in indirectly, or through ``importlib``, is caught too. Every probe also
asserts that a module it expects *was* imported, so a broken probe cannot pass silently.
Timings are in bench/bench_startup.py, not here.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from kmskit.cli._lazy import load_command
from kmskit.cli._root_help import short_help
from kmskit.cli.commands import COMMANDS
from kmskit.cli.main import kmskit
from tests._module_probe import MODULES_AT_EXIT
from tests.cli._keys import MESSAGE, KeyPair, write

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("cryptography", "asn1crypto")
GROUP_MODULES = {lazy.module for lazy in COMMANDS.values()}


def layer(module: str) -> str:
    """The top-level name that counts: ``kmskit.keystore.audit`` -> ``keystore``."""
    parts = module.split(".")
    return parts[1] if parts[0] == "kmskit" and len(parts) > 1 else parts[0]


_PROBE = (
    MODULES_AT_EXIT
    + """
from kmskit.cli.entry import run
sys.argv = ["kmskit", *sys.argv[2:]]
run()
"""
)


def imported_modules(
    argv: list[str], tmp_path: Path, env: dict[str, str] | None = None
) -> tuple[int, str, set[str]]:
    """Run ``kmskit ARGV`` in a fresh interpreter; return (exit code, stdout, modules loaded)."""
    dump = tmp_path / "modules.txt"
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, str(dump), *argv],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    modules = set(dump.read_text().split("\n")) if dump.exists() else set()
    assert "kmskit.cli.entry" in modules, proc.stderr  # the probe itself worked
    return proc.returncode, proc.stdout, modules


@pytest.mark.parametrize("argv", [["--help"], ["--version"], []], ids=lambda a: " ".join(a))
def test_root_help_imports_no_command_group(argv: list[str], tmp_path: Path) -> None:
    code, _stdout, modules = imported_modules(argv, tmp_path)
    assert code in (0, 2)
    loaded = sorted(GROUP_MODULES & modules)
    heavy = sorted(m for m in modules if layer(m) in (*HEAVY, "keystore", "jmespath", "sqlite3"))
    assert (loaded, heavy) == ([], []), f"kmskit {' '.join(argv)} imported {loaded + heavy}"
    if argv:  # --help and --version alone are answered without click (kmskit.cli.entry)
        assert not [m for m in modules if layer(m) in ("click", "typing")]


@pytest.mark.parametrize(
    "argv",
    [["offline", "--help"], ["offline", "verify", "--help"]],
    ids=lambda argv: " ".join(argv),
)
def test_help_does_not_import_cryptography(argv: list[str], tmp_path: Path) -> None:
    code, stdout, modules = imported_modules(argv, tmp_path)
    assert code == 0
    assert stdout.startswith("Usage: kmskit")
    assert "kmskit.cli.offline" in modules
    assert GROUP_MODULES & modules == {"kmskit.cli.offline"}
    heavy = sorted(m for m in modules if layer(m) in HEAVY)
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
def test_keystore_help_imports_neither_the_keystore_nor_jmespath(
    argv: list[str], tmp_path: Path
) -> None:
    code, stdout, modules = imported_modules(argv, tmp_path)
    assert code == 0
    assert stdout.startswith("Usage: kmskit")
    assert COMMANDS[argv[0]].module in modules
    # The operation table (kmskit.keystore.api*, and the GrantOperation names it offers)
    # describes the flags; the rest of the keystore (SQLite, sealing, the crypto) is not
    # needed for help.
    table = (
        "kmskit.keystore",
        "kmskit.keystore._grant_operations",
        "kmskit.keystore.api",
        *(
            f"kmskit.keystore.api_{n}"
            for n in ("keys", "asymmetric", "material", "authorization", "table")
        ),
    )
    heavy = sorted(
        m
        for m in modules
        if layer(m) in (*HEAVY, "keystore", "jmespath", "sqlite3") and m not in table
    )
    assert heavy == [], f"kmskit {' '.join(argv)} imported {heavy[:5]}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_lazy_summary_matches_the_command_help(name: str) -> None:
    """The root help lists commands from the lazy table; it must say what each one's own
    help says, so the listing cannot drift from the commands."""
    command = load_command(COMMANDS[name])
    for limit in (10, 45, 80):
        assert short_help(COMMANDS[name].summary, limit) == command.get_short_help_str(limit)


def test_root_help_lists_every_command_once() -> None:
    ctx = click.Context(kmskit)
    assert kmskit.list_commands(ctx) == sorted(COMMANDS)
    for name in COMMANDS:
        assert kmskit.get_command(ctx, name) is load_command(COMMANDS[name])


def test_describe_key_loads_only_what_it_needs(tmp_path: Path) -> None:
    """DescribeKey reads a row: no X.509, ASN.1, SM2 arithmetic, key parsing or jmespath."""
    env = {"KMSKIT_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    code, stdout, _ = imported_modules(
        ["kms", "create-key", "--query", "KeyMetadata.KeyId", "--output", "text"], tmp_path, env
    )
    assert code == 0
    code, stdout, modules = imported_modules(
        ["kms", "describe-key", "--key-id", stdout.strip()], tmp_path, env
    )
    assert code == 0 and '"KeyMetadata"' in stdout
    assert "kmskit.keystore.keystore" in modules
    unneeded = ("cryptography.x509", "asn1crypto", "kmskit.offline.sm2", "gmpy2", "jmespath")
    assert [m for m in modules if m.startswith(unneeded)] == []
    assert "cryptography.hazmat.primitives.serialization" not in modules


def test_probe_detects_cryptography_when_a_verb_runs(
    keys: dict[str, KeyPair], tmp_path: Path
) -> None:
    """The same probe on a real verb does see cryptography, so the tests above can fail."""
    argv = ["offline", "inspect-key", str(keys["p256"].pub)]
    _code, _stdout, modules = imported_modules(argv, tmp_path)
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
