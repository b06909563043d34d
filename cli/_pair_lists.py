"""Options that take several ``k=v`` values after one flag, as aws-encryption-cli's do.

aws-encryption-cli (argparse, ``nargs='+'``) reads ``-c a=1 b=2`` and
``-w key=K1 key=K2 provider=aws-kms``. click takes one value per flag, so
:class:`PairListOption` extends its parser option: after the first value, every following
argument that looks like ``k=v`` (has ``=``, does not start with ``-``) belongs to the same
flag. The first argument that does not look like that (an option, or IN) ends the list, so
``kmskit encrypt -c a=1 b=2 report.pdf -o out`` still finds IN. A file name with ``=`` in it
goes before the flag, or after ``--``.

The callback receives one tuple per flag occurrence, each a tuple of its values.
"""

from __future__ import annotations

from typing import Any

import click

__all__ = ["PairListOption", "looks_like_pair"]


def looks_like_pair(arg: str) -> bool:
    return "=" in arg and not arg.startswith("-") and arg.partition("=")[0] != ""


class PairListOption(click.Option):
    """A repeatable option whose every occurrence takes one or more ``k=v`` values."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("multiple", True)
        super().__init__(*args, **kwargs)

    def add_to_parser(self, parser: Any, ctx: click.Context) -> None:
        super().add_to_parser(parser, ctx)
        # click 8's parser keeps its options in _long_opt/_short_opt; each has a process()
        # that stores one value. Wrap it so the value becomes the whole run of pairs.
        for name in self.opts:
            target = parser._long_opt.get(name) or parser._short_opt.get(name)
            if target is None or getattr(target, "_pair_list", False):
                continue
            original = target.process

            def process(value: Any, state: Any, _original: Any = original) -> None:
                values = [value]
                while state.rargs and looks_like_pair(state.rargs[0]):
                    values.append(state.rargs.pop(0))
                _original(tuple(values), state)

            target.process = process
            target._pair_list = True

    def type_cast_value(self, ctx: click.Context, value: Any) -> Any:
        # Each occurrence is a tuple of strings already; keep the nesting, convert nothing.
        if value is None:
            return ()
        return tuple(tuple(str(v) for v in group) for group in value)
