"""``kmskit kms OPERATION`` answers the same with and without its click-free fast path.

cli/kms_fast_path.py parses plain invocations itself and leaves the rest to the click
command. Each case runs the real ``kmskit`` entry point (fast path first) and the click
command alone (``kmskit.cli.main``) in fresh interpreters, each on its own copy of one
keystore home, and compares the exit status, stdout, stderr and the audit record each run
appended (times and hashes aside). It also checks which path answered: click must not be
imported for a handled form, and must be for every form left to it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

_PROBE = """
import atexit, sys
_modules = sys.argv.pop(1)
atexit.register(lambda: open(_modules, "w").write(" ".join(sorted(sys.modules))))
sys.argv = ["kmskit", *sys.argv[1:]]
from kmskit.cli.{module} import run
run()
"""
_ENTRY = _PROBE.replace("{module}", "entry")
_CLICK_ONLY = _PROBE.replace("{module}", "main")
ROLE = "arn:aws:iam::111122223333:role/Auditor"


class Home:
    """A keystore home made by the CLI, with one key, an alias and a tag."""

    def __init__(self, path: Path) -> None:
        self.path = path
        env = self.env(path)
        run = [sys.executable, "-m", "kmskit", "kms"]
        made = subprocess.run(
            [*run, "create-key", "--description", "fast path"],
            env=env,
            capture_output=True,
            check=True,
            text=True,
        )
        self.key_id = json.loads(made.stdout)["KeyMetadata"]["KeyId"]
        subprocess.run(
            [*run, "create-alias", "--alias-name", "alias/fast", "--target-key-id", self.key_id],
            env=env,
            capture_output=True,
            check=True,
        )

    @staticmethod
    def env(home: Path, **extra: str) -> dict[str, str]:
        return {
            "PATH": "/usr/bin:/bin",
            "HOME": str(home.parent),
            "KMSKIT_HOME": str(home),
            "LC_ALL": "C.UTF-8",
            **extra,
        }


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    return Home(tmp_path_factory.mktemp("kmsfast") / "home")


def _audit(home: Path) -> list[dict[str, Any]]:
    out = subprocess.run(
        [sys.executable, "-m", "kmskit", "audit", "list", "--home", str(home)],
        env=Home.env(home),
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    records = [json.loads(line) for line in out.splitlines()]
    for record in records:
        for varying in ("Time", "Hash"):
            record.pop(varying, None)
    return records


def _both(
    home: Home, tmp_path: Path, argv: list[str], extra_env: dict[str, str] | None = None
) -> tuple[tuple[int, bytes, bytes, bool, list[dict[str, Any]]], ...]:
    """Run ``kmskit ARGV`` through the entry point and through click alone, each on a copy
    of the home; return (status, stdout, stderr, imported click, new audit records) each."""
    results = []
    for name, code in (("entry", _ENTRY), ("click", _CLICK_ONLY)):
        copy = tmp_path / name / "home"
        shutil.copytree(home.path, copy)
        before = len(_audit(copy))
        modules = tmp_path / f"{name}.modules"
        proc = subprocess.run(
            [sys.executable, "-c", code, str(modules), *argv],
            env=Home.env(copy, **(extra_env or {})),
            capture_output=True,
            timeout=60,
        )
        records = _audit(copy)[before:]
        out = proc.stdout.replace(str(copy).encode(), b"HOME")
        err = proc.stderr.replace(str(copy).encode(), b"HOME")
        # Which path answered: the click command's module is loaded only when click ran it
        # (a failure on the fast path imports click for its error line, not the command).
        by_click = "kmskit.cli.kms" in modules.read_text().split()
        results.append((proc.returncode, out, err, by_click, records))
    return tuple(results)


HANDLED = {
    "describe-key": ["kms", "describe-key", "--key-id", "{key}"],
    "describe-key-by-alias": ["kms", "describe-key", "--key-id", "alias/fast"],
    "describe-key-text": ["kms", "describe-key", "--key-id", "{key}", "--output", "text"],
    "describe-key-equals": ["kms", "describe-key", "--key-id={key}", "--output=json"],
    "describe-key-ignored-globals": [
        "kms",
        "describe-key",
        "--key-id",
        "{key}",
        "--profile",
        "p",
        "--no-cli-pager",
        "--endpoint-url",
        "https://kms.example",
        "--debug",
    ],
    "describe-key-region": ["kms", "describe-key", "--key-id", "{key}", "--region", "eu-west-1"],
    "describe-key-not-found": ["kms", "describe-key", "--key-id", "1234abcd-0000"],
    "describe-key-denied": [
        "kms",
        "describe-key",
        "--key-id",
        "{key}",
        "--principal",
        ROLE,
    ],
    "describe-key-bad-principal": [
        "kms",
        "describe-key",
        "--key-id",
        "{key}",
        "--principal",
        "not-an-arn",
    ],
    "get-key-policy": ["kms", "get-key-policy", "--key-id", "{key}"],
    "get-key-rotation-status": ["kms", "get-key-rotation-status", "--key-id", "{key}"],
    "enable-key-rotation": ["kms", "enable-key-rotation", "--key-id", "{key}"],
    "disable-key": ["kms", "disable-key", "--key-id", "{key}"],
    "cancel-key-deletion-not-pending": ["kms", "cancel-key-deletion", "--key-id", "{key}"],
    "create-alias": [
        "kms",
        "create-alias",
        "--alias-name",
        "alias/second",
        "--target-key-id",
        "{key}",
    ],
    "create-alias-exists": [
        "kms",
        "create-alias",
        "--alias-name",
        "alias/fast",
        "--target-key-id",
        "{key}",
    ],
    "unsupported-parameter": [
        "kms",
        "create-key",
        "--custom-key-store-id",
        "cks-1234567890abcdef0",
    ],
    "dry-run": [
        "kms",
        "generate-data-key",
        "--key-id",
        "{key}",
        "--key-spec",
        "AES_256",
        "--dry-run",
    ],
}
LEFT_TO_CLICK = {
    "help": ["kms", "describe-key", "--help"],
    "query": ["kms", "describe-key", "--key-id", "{key}", "--query", "KeyMetadata.KeyId"],
    "output-table": ["kms", "describe-key", "--key-id", "{key}", "--output", "table"],
    "missing-key-id": ["kms", "describe-key"],
    "unknown-flag": ["kms", "describe-key", "--key-id", "{key}", "--bogus"],
    "repeated-flag": ["kms", "describe-key", "--key-id", "nope", "--key-id", "{key}"],
    "positional": ["kms", "describe-key", "--key-id", "{key}", "extra"],
    "file-value": ["kms", "describe-key", "--key-id", "file://nowhere"],
    "list-operation": ["kms", "list-aliases"],
    "blob-parameter": ["kms", "encrypt", "--key-id", "{key}", "--plaintext", "aGk="],
    "cli-input-json": ["kms", "describe-key", "--cli-input-json", '{{"KeyId": "{key}"}}'],
    "unknown-operation": ["kms", "describe-keys", "--key-id", "{key}"],
    "group-option-first": ["kms", "--principal", ROLE, "describe-key", "--key-id", "{key}"],
}


def _expand(argv: list[str], home: Home) -> list[str]:
    return [
        word.replace("{key}", home.key_id).replace("{{", "{").replace("}}", "}") for word in argv
    ]


@pytest.mark.parametrize("name", sorted(HANDLED))
def test_handled_forms_print_and_audit_what_click_does(
    name: str, home: Home, tmp_path: Path
) -> None:
    entry, click_only = _both(home, tmp_path, _expand(HANDLED[name], home))
    assert entry[:3] == click_only[:3]
    assert entry[4] == click_only[4]  # the same audit record (or none, for a refusal)
    assert click_only[3] and not entry[3], "the fast path did not answer"


@pytest.mark.parametrize("name", sorted(LEFT_TO_CLICK))
def test_other_forms_are_left_to_click(name: str, home: Home, tmp_path: Path) -> None:
    entry, click_only = _both(home, tmp_path, _expand(LEFT_TO_CLICK[name], home))
    if name == "blob-parameter":  # a fresh IV each time: the ciphertexts differ
        entry, click_only = entry[:1] + entry[2:], click_only[:1] + click_only[2:]
    assert entry == click_only
    assert entry[-2], "click did not answer"


@pytest.mark.parametrize(
    ("name", "env"),
    [("text", {"AWS_DEFAULT_OUTPUT": "text"}), ("yaml", {"AWS_DEFAULT_OUTPUT": "yaml"})],
)
def test_aws_default_output(name: str, env: dict[str, str], home: Home, tmp_path: Path) -> None:
    argv = _expand(["kms", "describe-key", "--key-id", "{key}"], home)
    entry, click_only = _both(home, tmp_path, argv, env)
    assert entry[:3] + entry[4:] == click_only[:3] + click_only[4:]
    assert entry[3] == (name == "yaml")  # an unsupported format is click's to refuse


def test_a_passphrase_home_without_a_passphrase_is_left_to_click(tmp_path: Path) -> None:
    sealed = tmp_path / "sealed"
    subprocess.run(
        [sys.executable, "-m", "kmskit", "init", "--home", str(sealed), "--passphrase"],
        env=Home.env(sealed, KMSKIT_PASSPHRASE="correct horse"),
        capture_output=True,
        check=True,
    )
    modules = tmp_path / "modules"
    proc = subprocess.run(
        [sys.executable, "-c", _ENTRY, str(modules), "kms", "describe-key", "--key-id", "x"],
        env=Home.env(sealed),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 253, proc.stderr  # the AWS CLI's configuration error
    assert "KMSKIT_PASSPHRASE" in proc.stderr
    assert "kmskit.cli.kms" in modules.read_text().split()
