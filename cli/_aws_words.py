"""How ``kmskit kms`` splits its words into flags and values, as the AWS CLI does.

One splitter for both front ends of the command line: the click command
(:func:`kmskit.cli._aws_args.parse_request`, which turns a :class:`CommandLineError` into
click's usage errors) and the click-free fast path (:mod:`kmskit.cli.kms_fast_path`, which
leaves any such error to the click command). Free of click for that reason.
"""

from __future__ import annotations

from collections.abc import Sequence

from kmskit.cli._aws_globals import GLOBALS, GlobalFlag, is_flag
from kmskit.keystore.api import AwsParam
from kmskit.offline._record import FrozenRecord

__all__ = ["CommandLineError", "FlagTable", "SplitWords", "flag_table", "split_words"]

FlagTable = dict[str, tuple[AwsParam | GlobalFlag, bool]]


class CommandLineError(Exception):
    """A word that does not fit the flags. ``unknown`` is set for an unknown flag, with the
    closest known one in ``possibilities``."""

    def __init__(
        self, message: str, *, unknown: str | None = None, possibilities: Sequence[str] = ()
    ) -> None:
        super().__init__(message)
        self.unknown = unknown
        self.possibilities = list(possibilities)


class SplitWords(FrozenRecord):
    """``raw``: member → (parameter, its words, or the boolean a boolean flag sets);
    ``chosen``: global option destination → its word (True for a flag); ``repeated``: some
    member or option was given more than once (the last one counts, as in the AWS CLI)."""

    raw: dict[str, tuple[AwsParam, list[str] | bool]]
    chosen: dict[str, str | bool]
    repeated: bool


def flag_table(params: Sequence[AwsParam], *, paginated: bool) -> FlagTable:
    """Every accepted flag → (what it sets, the boolean value for a boolean flag)."""
    table: FlagTable = {}
    for g in GLOBALS:
        if paginated or not g.paging:
            table[g.flag] = (g, True)
    for p in params:
        table[p.cli_flag] = (p, True)
        if p.kind == "boolean":
            table[p.cli_off_flag] = (p, False)
    return table


def split_words(flags: FlagTable, args: Sequence[str]) -> SplitWords:
    """Split argv by ``flags``; raise :class:`CommandLineError` for a word that does not fit."""
    raw: dict[str, tuple[AwsParam, list[str] | bool]] = {}
    chosen: dict[str, str | bool] = {}
    repeated = False
    tokens = list(args)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if not is_flag(token):
            raise CommandLineError(f"Unknown options: {token}")
        name, eq, inline = token.partition("=")
        if name not in flags:
            import difflib  # only for the error's hint

            close = difflib.get_close_matches(name, list(flags), n=1)
            raise CommandLineError(f"No such option: {name}", unknown=name, possibilities=close)
        target, positive = flags[name]
        many = isinstance(target, AwsParam) and target.kind in ("list", "structures")
        takes_value = (
            target.takes_value if isinstance(target, GlobalFlag) else target.kind != "boolean"
        )
        values: list[str] = []
        if eq:
            if not takes_value:
                raise CommandLineError(f"{name} takes no value")
            values.append(inline)
        if takes_value:
            while i < len(tokens) and not is_flag(tokens[i]) and (many or not values):
                values.append(tokens[i])
                i += 1
            if not values:
                raise CommandLineError(f"argument {name}: expected a value")
        if isinstance(target, GlobalFlag):
            if target.dest:
                repeated = repeated or target.dest in chosen
                chosen[target.dest] = values[0] if takes_value else True
        else:
            repeated = repeated or target.member in raw
            raw[target.member] = (target, values if takes_value else positive)
    return SplitWords(raw, chosen, repeated)
