"""Transcript tests: ``tests/cli/scripts/*.txt`` replayed against ``kmskit``, in the style of age.

Each script runs in its own empty directory. Lines are read top to bottom:

    # comment                     (blank lines are ignored too)
    > NAME: TEXT                  write TEXT to NAME (UTF-8, exactly as written, no newline)
    > NAME * N: TEXT              write TEXT repeated N times
    $ kmskit ARGS                 run kmskit; ARGS are split like a shell (shlex)
    $ kmskit ARGS < NAME          ... with NAME on stdin (for '-' arguments)
    exit N                        the command's exit code; required once after every command
    stdout TEXT                   stdout contains TEXT
    stderr TEXT                   stderr contains TEXT
    error NAME                    the stderr line starts with "NAME: " (the KMS error name),
                                  or is kmskit kms's "An error occurred (NAME) when ..."
    json KEY                      stdout is a JSON object with KEY
    json KEY=VALUE                ... and KEY's value equals the JSON literal VALUE
    json-keys K1 K2 ...           the JSON object has exactly these keys
    file NAME                     NAME exists
    same A B                      files A and B have the same bytes
    ! CHECK ...                   the negation of any check above

Checks apply to the last command. Every command is also held to DESIGN.md's error rules: no
traceback on stderr, an empty stderr on exit 0, and exactly one stderr line otherwise.
Scripts assert on messages, exit codes and shapes, never on values kmskit computes
(signatures, ciphertexts, fingerprints), so they stay valid with fresh random keys.

Commands go through ``cli.main.main`` in-process (``tests/cli/_runner.py``): the same error
mapping as the console script, about 100 times faster than a subprocess per line.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.cli._runner import Outcome, kmskit

SCRIPTS = Path(__file__).parent / "scripts"
_WRITE = re.compile(r"^> (?P<name>[^*:]+?)(?: \* (?P<count>\d+))?: (?P<text>.*)$")


class TranscriptError(AssertionError):
    """A script line failed; the message names the script and line."""


@dataclass
class _State:
    where: str
    last: Outcome | None = None
    exit_checked: bool = True
    log: list[str] = field(default_factory=list)

    def fail(self, lineno: int, message: str) -> TranscriptError:
        context = "\n".join(self.log[-6:])
        return TranscriptError(f"{self.where}:{lineno}: {message}\n--- recent ---\n{context}")


def run_transcript(text: str, directory: Path, where: str = "<script>") -> int:
    """Replay ``text`` in ``directory`` (the current directory); return the commands run."""
    state = _State(where)
    commands = 0
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("> "):
            match = _WRITE.match(line)
            if match is None:
                raise state.fail(lineno, f"bad file line {line!r}")
            content = match["text"] * int(match["count"] or 1)
            (directory / match["name"]).write_bytes(content.encode("utf-8"))
            continue
        if line.startswith("$ "):
            if not state.exit_checked:
                raise state.fail(lineno, "the previous command has no 'exit N' line")
            state.last = _run(line[2:], directory, state, lineno)
            state.exit_checked = False
            commands += 1
            continue
        _check(line, directory, state, lineno)
    if not state.exit_checked:
        raise state.fail(len(text.splitlines()), "the last command has no 'exit N' line")
    return commands


def _run(command: str, directory: Path, state: _State, lineno: int) -> Outcome:
    words = shlex.split(command)
    stdin = None
    if len(words) >= 2 and words[-2] == "<":
        stdin = (directory / words[-1]).read_bytes()
        words = words[:-2]
    if not words or words[0] != "kmskit":
        raise state.fail(lineno, f"commands must start with kmskit: {command!r}")
    result = kmskit(*words[1:], stdin=stdin)
    state.log.append(f"$ {command}\n[exit {result.code}] {result.stderr.strip()}")
    if "Traceback" in result.stderr:
        raise state.fail(lineno, f"traceback on stderr:\n{result.stderr}")
    lines = result.stderr.splitlines()
    if result.code == 0 and lines:
        raise state.fail(lineno, f"exit 0 with stderr {lines!r}")
    if result.code != 0 and len(lines) != 1:
        raise state.fail(lineno, f"exit {result.code} needs one stderr line, got {lines!r}")
    return result


def _check(line: str, directory: Path, state: _State, lineno: int) -> None:
    negate = line.startswith("! ")
    verb, _, arg = line.removeprefix("! ").partition(" ")
    result = state.last
    if result is None:
        raise state.fail(lineno, f"{verb!r} before any command")
    if verb == "exit":
        if negate:
            raise state.fail(lineno, "'! exit' is not supported")
        state.exit_checked = True
        holds = result.code == int(arg)
        detail = f"exit {result.code}, stderr {result.stderr.strip()!r}"
    elif verb in ("stdout", "stderr"):
        stream = result.stdout.decode("utf-8", "replace") if verb == "stdout" else result.stderr
        holds = arg in stream
        detail = f"{verb} was {stream!r}"
    elif verb == "error":
        first = result.stderr.partition("\n")[0]
        holds = first.startswith(f"{arg}: ") or first.startswith(f"An error occurred ({arg}) ")
        detail = f"stderr was {result.stderr!r}"
    elif verb in ("json", "json-keys"):
        try:
            doc = json.loads(result.stdout)
        except ValueError:
            raise state.fail(lineno, f"stdout is not JSON: {result.stdout!r}") from None
        if not isinstance(doc, dict):
            raise state.fail(lineno, f"stdout is not a JSON object: {doc!r}")
        if verb == "json-keys":
            holds = sorted(doc) == sorted(arg.split())
        else:
            key, eq, value = arg.partition("=")
            holds = key in doc and (not eq or doc[key] == json.loads(value))
        detail = f"JSON was {doc!r}"
    elif verb == "file":
        holds = (directory / arg).exists()
        detail = f"files: {sorted(p.name for p in directory.iterdir())}"
    elif verb == "same":
        a, b = arg.split()
        holds = (directory / a).read_bytes() == (directory / b).read_bytes()
        detail = f"{a} and {b} compared"
    else:
        raise state.fail(lineno, f"unknown line {line!r}")
    if holds == negate:
        raise state.fail(lineno, f"check failed: {line!r} ({detail})")


def _scripts() -> list[Path]:
    return sorted(SCRIPTS.glob("*.txt"))


@pytest.mark.parametrize("script", _scripts(), ids=lambda p: p.stem)
def test_transcript(script: Path, work: Path) -> None:
    commands = run_transcript(script.read_text("utf-8"), work, where=script.name)
    assert commands >= 3, f"{script.name} runs only {commands} commands"


def test_scripts_exist() -> None:
    assert len(_scripts()) >= 3


# The runner must be able to fail, or the transcripts prove nothing.
_SIGN = (
    "$ kmskit offline generate-key-pair --key-pair-spec ECC_NIST_P256"
    " --private-key-out k --public-key-out p\nexit 0\n"
)


@pytest.mark.parametrize(
    ("script", "complaint"),
    [
        (_SIGN + "exit 1\n", "check failed: 'exit 1'"),
        (_SIGN + "stdout no such text\n", "check failed"),
        (_SIGN + "! stdout key pair\n", "check failed"),
        (_SIGN + "! file k\n", "check failed"),
        (_SIGN + "json KeyPairSpec\n", "not JSON"),
        (_SIGN + "> a: 1\n> b: 2\nsame a b\n", "check failed"),
        ("$ kmskit offline inspect-key nope\n", "no 'exit N' line"),
        ("$ kmskit offline inspect-key nope\nexit 2\nerror KeyFormatError\n", "check failed"),
        ("$ kmskit offline inspect-key nope\nexit 2\n! error UsageError\n", "check failed"),
        ("stdout x\n", "before any command"),
        ("$ ls\nexit 0\n", "must start with kmskit"),
        (_SIGN + "frobnicate\n", "unknown line"),
        (
            "$ kmskit offline generate-key-pair --key-pair-spec ECC_NIST_P256 --private-key-out k"
            " --public-key-out p --output json\nexit 0\njson-keys KeyPairSpec PublicKey\n",
            "check failed",
        ),
    ],
)
def test_runner_reports_failures(script: str, complaint: str, work: Path) -> None:
    with pytest.raises(TranscriptError, match=re.escape(complaint)):
        run_transcript(script, work)


def test_runner_passes_a_correct_script(work: Path) -> None:
    script = (
        _SIGN
        + "file k\n! file nope\n> m * 3: ab\n> n: ababab\nsame m n\n"
        + "$ kmskit offline inspect-key p --output json\nexit 0\n"
        + 'json KeySpec="ECC_NIST_P256"\n! json KeyUsage\njson Fingerprint\n'
        + "$ kmskit offline inspect-key - < p\nexit 0\nstdout ECC_NIST_P256\n"
    )
    assert run_transcript(script, work) == 3
