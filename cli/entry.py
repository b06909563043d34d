"""The ``kmskit`` console script and ``python -m kmskit``.

``kmskit --help`` and ``kmskit --version`` alone are answered here without importing click
(:mod:`kmskit.cli._root_help`), and so are a plain ``kmskit offline verify`` that succeeds
(:mod:`kmskit.cli.verify_fast_path`) and a plain ``kmskit kms OPERATION``
(:mod:`kmskit.cli.kms_fast_path`); everything else goes to :func:`kmskit.cli.main.run`,
which loads only the command group it runs.

Ctrl-C while the rest of the CLI is still being imported (click, the command group: up to
about 100 ms) would print a KeyboardInterrupt traceback. This module is imported only by the
console script and ``python -m kmskit``, never by a program using the library, so it can set
SIGINT to exit quietly with 130 until :func:`kmskit.cli.main.run` takes over.
"""

from __future__ import annotations

import os
import signal
import sys


def _exit_on_early_interrupt(signum: int, frame: object) -> None:
    os.write(2, b"Interrupted.\n")
    os._exit(130)


signal.signal(signal.SIGINT, _exit_on_early_interrupt)

from kmskit import __version__  # noqa: E402

_HELP_FLAGS = (["--help"], ["-h"])


def _write_and_exit(text: str) -> None:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `kmskit --help | head -1`: quiet, as Unix tools are
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(141)
    sys.exit(0)


def run() -> None:
    argv = sys.argv[1:]
    if argv in _HELP_FLAGS:
        from kmskit.cli._root_help import render_root_help
        from kmskit.cli.commands import COMMANDS, ROOT_HELP

        summaries = [(name, COMMANDS[name].summary) for name in sorted(COMMANDS)]
        _write_and_exit(render_root_help("kmskit", ROOT_HELP, summaries))
    if argv == ["--version"]:
        _write_and_exit(f"kmskit, version {__version__}\n")
    if argv[:2] == ["offline", "verify"]:
        from kmskit.cli.verify_fast_path import try_verify

        code = try_verify(argv[2:])
        if code is not None:
            sys.exit(code)
    elif argv[:1] == ["kms"]:
        from kmskit.cli.kms_fast_path import try_kms

        code = try_kms(argv[1:])
        if code is not None:
            sys.exit(code)
    from kmskit.cli.main import run as run_cli

    run_cli()
