"""Run ``kmskit`` in-process through ``cli.main.main``, the function the console script calls.

``main(argv)`` is where exceptions become exit codes and one-line messages, so calling it
(rather than ``CliRunner.invoke`` on the click group, which would bypass that mapping)
tests exactly what a user sees. click's ``CliRunner.isolation`` swaps stdin, stdout and
stderr for byte buffers and sets the environment, so stdin blobs (``-``), raw bytes written
to stdout (``--out -``) and the stderr line are all captured separately.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from click.testing import CliRunner

from kmskit.cli.main import main


@dataclass(frozen=True)
class Outcome:
    """What one ``kmskit`` invocation did: exit code, raw stdout bytes, stderr text."""

    code: int
    stdout: bytes
    stderr: str

    @property
    def out(self) -> str:
        return self.stdout.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.stdout)


def kmskit(
    *args: object,
    stdin: bytes | None = None,
    env: Mapping[str, str | None] | None = None,
) -> Outcome:
    """Run ``kmskit ARGS`` in-process and return its exit code and output.

    ``KMSKIT_DEBUG`` is unset unless ``env`` sets it, so a developer's shell does not turn
    the one-line errors into tracebacks.
    """
    environment: dict[str, str | None] = {"KMSKIT_DEBUG": None}
    environment.update(env or {})
    runner = CliRunner()
    with runner.isolation(input=stdin, env=environment) as (out, err, _mixed):
        code = main([str(a) for a in args])
        sys.stdout.flush()
        sys.stderr.flush()
        return Outcome(code, out.getvalue(), err.getvalue().decode("utf-8"))


def assert_one_line_error(result: Outcome, code: int, name: str) -> str:
    """Check the DESIGN.md error contract and return the message after ``name: ``.

    Exactly one line on stderr, starting with the error name; no traceback; nothing on
    stdout (no partial result leaks); the expected exit code.
    """
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"expected one stderr line, got {lines!r}"
    assert result.stderr.endswith("\n")
    assert result.code == code, (result.code, lines[0])
    assert result.stdout == b"", result.stdout
    return error_message(lines[0], name)


_AWS_CLI_ERROR = re.compile(r"An error occurred \((\w+)\) when calling the \w+ operation: ")


def error_message(line: str, name: str) -> str:
    """The message of the stderr line ``NAME: message``, or of the AWS CLI's service error
    line ``An error occurred (NAME) when calling the Op operation: message``
    (``kmskit kms``), after checking it names ``name``."""
    aws = _AWS_CLI_ERROR.match(line)
    if aws is not None:
        assert aws.group(1) == name, line
        return line[aws.end() :]
    assert line.startswith(f"{name}: "), line
    return line[len(name) + 2 :]


def ok(result: Outcome) -> Outcome:
    """Check a success: exit 0 and nothing on stderr."""
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    return result
