"""Subcommands that are imported only when they run.

``kmskit`` is run once per file in scripts, so its start-up is paid again and again. Each
group's module pulls in its own dependencies (``cryptography``, SQLite, ``jmespath``); a root
group that imported every one of them made ``kmskit --help`` about 6.5x ``python -c pass``.
:class:`LazyGroup` knows each command by name, module and one-line summary (the table is
:mod:`kmskit.cli.commands`), lists them from it, and imports a module only when its command
is invoked (or asked for ``--help``).
``tests/cli/test_startup.py`` checks that every summary matches its command's own help.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence

import click

from kmskit.cli.commands import LazyCommand


def load_command(lazy: LazyCommand) -> click.Command:
    """Import the module a table entry names and return its command."""
    command = getattr(importlib.import_module(lazy.module), lazy.attribute)
    if not isinstance(command, click.Command):  # a wrong table entry: a bug, not input
        raise TypeError(f"{lazy.module}.{lazy.attribute} is not a click command")
    return command


class LazyGroup(click.Group):
    """A click group whose commands come from a table of :class:`LazyCommand`."""

    def __init__(
        self, *args: object, lazy_commands: Mapping[str, LazyCommand], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy_commands = dict(lazy_commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        lazy = self.lazy_commands.get(cmd_name)
        if lazy is not None and cmd_name not in self.commands:
            self.add_command(load_command(lazy), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # As click.Group.format_commands, but the summaries come from the table, so listing the
        # commands imports none of them.
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows: Sequence[tuple[str, str]] = [
            (name, self._short_help(ctx, name, limit)) for name in names
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def _short_help(self, ctx: click.Context, name: str, limit: int) -> str:
        if name in self.commands or name not in self.lazy_commands:
            command = super().get_command(ctx, name)
            return command.get_short_help_str(limit) if command is not None else ""
        from kmskit.cli._root_help import short_help  # only listings need textwrap

        return short_help(self.lazy_commands[name].summary, limit)
