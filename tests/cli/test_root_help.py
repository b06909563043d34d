"""``kmskit --help`` without click prints exactly what click prints.

kmskit.cli.entry answers ``--help`` and ``--version`` from kmskit.cli._root_help so that
start-up does not pay for importing click. The oracle here is click itself: the root group's
real help, rendered by click at every terminal width from click's minimum to past the root
group's maximum, must match byte for byte (COLUMNS is what shutil.get_terminal_size reads).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import click
import pytest

from kmskit import __version__
from kmskit.cli._root_help import short_help
from kmskit.cli.commands import COMMANDS
from kmskit.cli.main import kmskit

# The click path of the same command: kmskit.cli.main.main is what runs for every other argv.
_CLICK_HELP = textwrap.dedent(
    """
    import sys
    from kmskit.cli.main import main
    sys.exit(main(["--help"]))
    """
)


def _run(code_or_args: list[str], columns: int) -> str:
    proc = subprocess.run(
        [sys.executable, *code_or_args],
        env={"COLUMNS": str(columns), "PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return proc.stdout


@pytest.mark.parametrize("columns", [20, 52, 60, 71, 80, 93, 101, 102, 150])
def test_fast_help_is_clicks_help(columns: int) -> None:
    fast = _run(["-m", "kmskit", "--help"], columns)
    slow = _run(["-c", _CLICK_HELP], columns)
    assert fast == slow
    assert fast.startswith("Usage: kmskit [OPTIONS] COMMAND [ARGS]...\n")


def test_every_width_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same comparison at every width, in this process (fast; the subprocess cases above
    cover the real entry point)."""
    from kmskit.cli._root_help import render_root_help
    from kmskit.cli.commands import ROOT_HELP

    summaries = [(name, COMMANDS[name].summary) for name in sorted(COMMANDS)]
    for columns in range(30, 130):
        monkeypatch.setenv("COLUMNS", str(columns))
        settings = kmskit.context_settings
        with click.Context(kmskit, info_name="kmskit", **settings) as ctx:
            expected = ctx.get_help() + "\n"
        assert render_root_help("kmskit", ROOT_HELP, summaries) == expected, columns


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_both_help_flags(flag: str) -> None:
    assert _run(["-m", "kmskit", flag], 80) == _run(["-c", _CLICK_HELP], 80)


def test_version_matches_the_installed_distribution() -> None:
    from importlib.metadata import version

    assert __version__ == version("kmskit")
    assert _run(["-m", "kmskit", "--version"], 80) == f"kmskit, version {__version__}\n"


@pytest.mark.parametrize(
    "text",
    [
        "One sentence. And another.",
        "An abbreviation vs. a sentence end. Next.",
        "No period at all but quite a long line of words that goes on and on and on",
        "Hyphenated-words-that-are-long should-not-split-in-the-middle of a word here",
        "First paragraph.\n\nSecond paragraph is ignored.",
        "",
    ],
)
@pytest.mark.parametrize("limit", [2, 3, 10, 20, 45, 80])
def test_short_help_matches_click(text: str, limit: int) -> None:
    assert short_help(text, limit) == click.Command("x", help=text).get_short_help_str(limit)
