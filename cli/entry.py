"""The ``kmskit`` console script and ``python -m kmskit``.

``kmskit --help`` and ``kmskit --version`` alone are answered here without importing click
(:mod:`kmskit.cli._root_help`); everything else goes to :func:`kmskit.cli.main.main`, which
loads only the command group it runs.
"""

from __future__ import annotations

import sys

from kmskit import __version__
from kmskit.cli.commands import COMMANDS, ROOT_HELP

_HELP_FLAGS = (["--help"], ["-h"])


def run() -> None:
    argv = sys.argv[1:]
    if argv in _HELP_FLAGS:
        from kmskit.cli._root_help import render_root_help

        summaries = [(name, COMMANDS[name].summary) for name in sorted(COMMANDS)]
        sys.stdout.write(render_root_help("kmskit", ROOT_HELP, summaries))
        sys.exit(0)
    if argv == ["--version"]:
        sys.stdout.write(f"kmskit, version {__version__}\n")
        sys.exit(0)
    from kmskit.cli.main import main

    sys.exit(main())
