"""Parsing ``aws kms``-style arguments: flags, shorthand, JSON, ``file://`` and ``fileb://``.

The AWS CLI derives its flags from the service model: member ``EncryptionContext`` becomes
``--encryption-context``, a boolean ``DryRun`` becomes ``--dry-run``/``--no-dry-run``, and a
list member takes every following word up to the next flag (``--tag-keys a b c``). Values
are read the way AWS CLI v2 reads them:

- ``file://PATH`` is replaced by the file's text, ``fileb://PATH`` by its bytes;
- a blob given as a string is base64 (v2's ``cli_binary_format = base64``), unless
  ``--cli-binary-format raw-in-base64-out`` makes it raw UTF-8 as in v1;
- a timestamp is epoch seconds or ISO 8601, UTC when it names no offset (botocore's
  ``parse_to_aware_datetime``), and becomes an aware :class:`~datetime.datetime`;
- a map or structure is JSON when it starts with ``{`` or ``[``, otherwise shorthand
  (``k=v,k2=v2``; ``TagKey=a,TagValue=b``), with the AWS CLI's shorthand grammar
  (:mod:`cli._aws_shorthand`).

Nothing here knows about the keystore: :class:`AwsCommand` turns argv into a request dict
keyed by the API member names, plus the global options (``--output``, ``--query`` …).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import click

from kmskit.cli._aws_globals import GLOBALS, OUTPUTS, GlobalFlag, GlobalOptions, default_output
from kmskit.cli._aws_shorthand import ShorthandError, parse_shorthand
from kmskit.cli._aws_words import CommandLineError, FlagTable, flag_table, split_words
from kmskit.cli._files import load_paramfile
from kmskit.keystore.api import AwsParam, kebab

__all__ = ["AwsCommand", "AwsParam", "GlobalOptions", "kebab", "parse_request"]


class AwsCommand(click.Command):
    """A click command whose arguments are parsed the AWS CLI way (see the module doc).

    The callback receives ``request`` (member name → value, only the members given) and
    ``options`` (:class:`GlobalOptions`).
    """

    def __init__(
        self,
        name: str,
        *,
        params: Sequence[AwsParam],
        callback: Callable[..., Any],
        help: str,
        paginated: bool = False,
        api_name: str = "",
        outputs: Sequence[str] = ("json", "text"),
    ) -> None:
        super().__init__(
            name, callback=callback, help=help, short_help=api_name, add_help_option=False
        )
        self.aws_params = tuple(params)
        self.paginated = paginated
        self.api_name = api_name
        self.outputs = tuple(outputs)  # what --output takes; the first is the default

    # -- parsing -------------------------------------------------------------------------

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if any(a in ("--help", "-h") for a in args):
            click.echo(ctx.get_help(), color=ctx.color)
            ctx.exit(0)
        request, options = parse_request(self, ctx, args)
        ctx.params = {"request": request, "options": options}
        return []

    def _flags(self) -> FlagTable:
        """Every accepted flag → (what it sets, the boolean value for a boolean flag)."""
        return flag_table(self.aws_params, paginated=self.paginated)

    # -- help ------------------------------------------------------------------------------

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        pieces = [f"{p.cli_flag} {_metavar(p)}" for p in self.aws_params if p.required]
        return [*pieces, "[options]"]

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for p in self.aws_params:
            spec = p.cli_flag if p.kind == "boolean" else f"{p.cli_flag} {_metavar(p)}"
            if p.kind == "boolean":
                spec += f" | {p.cli_off_flag}"
            text = p.help
            if p.choices:
                text += f" One of: {', '.join(p.choices)}."
            if p.support == "ignored":
                text += " (Accepted and ignored offline.)"
            elif p.support == "unsupported":
                text += " (Not supported offline: refused if given.)"
            if p.required:
                text = "[required] " + text
            rows.append((spec, text))
        with formatter.section("Options"):
            formatter.write_dl(rows)
        shown = [
            g
            for g in GLOBALS
            if (self.paginated or not g.paging)
            and g.dest
            and not (g.flag == "--query" and self.outputs == ("pem",))
        ]
        with formatter.section("Global options"):
            rows = [_global_row(g, self.outputs) for g in shown]
            rows.append(("-h, --help", "Show this message and exit."))
            formatter.write_dl(rows)
        formatter.write_paragraph()
        formatter.write_text(
            "Also accepted and ignored: "
            + ", ".join(g.flag for g in GLOBALS if not g.dest)
            + ". Blob values: base64, or fileb://FILE for raw bytes; file://FILE reads any"
            " value from a text file."
        )


def _global_row(g: GlobalFlag, outputs: tuple[str, ...]) -> tuple[str, str]:
    if g.flag == "--output" and outputs != OUTPUTS:  # an operation that prints PEM
        if outputs == ("pem",):
            text = "pem, the only format: the PEM text."
        else:
            text = f"{outputs[0]} (default), {' or '.join(outputs[1:])}; pem: PEM, not JSON."
        return (f"--output {'|'.join(outputs)}", text)
    return (f"{g.flag} {g.metavar}" if g.takes_value else g.flag, g.help)


def _metavar(p: AwsParam) -> str:
    return {
        "integer": "<integer>",
        "blob": "<blob>",
        "timestamp": "<timestamp>",
        "map": "<map>",
        "structure": "<structure>",
        "list": "<value> [<value> ...]",
        "structures": "<structure> [<structure> ...]",
    }.get(p.kind, "<value>")


def parse_request(
    command: AwsCommand, ctx: click.Context, args: Sequence[str]
) -> tuple[dict[str, Any], GlobalOptions]:
    """Parse argv into (request, options), or raise a click.UsageError naming the flag."""
    try:
        split = split_words(command._flags(), args)
    except CommandLineError as exc:
        if exc.unknown is not None:
            raise click.NoSuchOption(
                exc.unknown, possibilities=exc.possibilities, ctx=ctx
            ) from None
        raise click.UsageError(str(exc), ctx=ctx) from None
    return _build(command, ctx, split.raw, split.chosen)


def _build(
    command: AwsCommand,
    ctx: click.Context,
    raw: Mapping[str, tuple[AwsParam, list[str] | bool]],
    chosen: Mapping[str, str | bool],
) -> tuple[dict[str, Any], GlobalOptions]:
    binary_format = str(chosen.get("binary_format", "base64"))
    if binary_format not in ("base64", "raw-in-base64-out"):
        raise click.BadParameter(
            "expected base64 or raw-in-base64-out", param_hint="--cli-binary-format", ctx=ctx
        )
    raw_blobs = binary_format == "raw-in-base64-out"
    by_member = {p.member: p for p in command.aws_params}
    request: dict[str, Any] = {}
    if "input_json" in chosen:
        request.update(_input_json(by_member, str(chosen["input_json"]), raw_blobs, ctx))
    for member, (param, value) in raw.items():
        if isinstance(value, bool):
            request[member] = value
        else:
            request[member] = convert(param, value, raw_blobs=raw_blobs)
    options = _global_options(command, ctx, chosen, request)
    missing = [p.cli_flag for p in command.aws_params if p.required and p.member not in request]
    if missing:
        raise click.UsageError(
            f"the following arguments are required: {', '.join(missing)}", ctx=ctx
        )
    return request, options


def _global_options(
    command: AwsCommand,
    ctx: click.Context,
    chosen: Mapping[str, str | bool],
    request: Mapping[str, Any],
) -> GlobalOptions:
    # --output wins over AWS_DEFAULT_OUTPUT, which is only read without it.
    output = str(chosen["output"] if "output" in chosen else _default_output(command.outputs))
    if output not in command.outputs:
        allowed = " or ".join(command.outputs)
        raise click.BadParameter(
            f"{output!r} is not supported; use {allowed}", param_hint="--output", ctx=ctx
        )
    query = None
    if "query" in chosen and output == "pem":
        raise click.UsageError("--query cannot be used with --output pem", ctx=ctx)
    if "query" in chosen:
        from kmskit.cli._aws_output import compile_query

        query = compile_query(str(chosen["query"]))
    # As in the AWS CLI, giving --limit or --marker yourself turns automatic paging off.
    manual = any(member in request for member in ("Limit", "Marker"))
    paginate = command.paginated and not manual and not chosen.get("no_paginate", False)
    paging = [d for d in ("starting_token", "page_size", "max_items") if d in chosen]
    if command.paginated and not paginate and paging:
        flags = ", ".join(f"--{kebab_dest(d)}" for d in paging)
        raise click.UsageError(
            f"Cannot specify --no-paginate (or --limit/--marker) along with pagination"
            f" arguments: {flags}",
            ctx=ctx,
        )
    numbers = {
        d: _integer(str(chosen[d]), f"--{kebab_dest(d)}") if d in chosen else None
        for d in ("page_size", "max_items")
    }
    home = chosen.get("home")
    region = chosen.get("region")
    principal = chosen.get("principal")
    token = chosen.get("starting_token")
    return GlobalOptions(
        output=output,
        query=query,
        home=None if home is None else str(home),
        region=None if region is None else str(region),
        principal=None if principal is None else str(principal),
        paginate=paginate,
        page_size=numbers["page_size"],
        max_items=numbers["max_items"],
        starting_token=None if token is None else str(token),
    )


def kebab_dest(dest: str) -> str:
    return dest.replace("_", "-")


def _default_output(outputs: Sequence[str]) -> str:
    """``AWS_DEFAULT_OUTPUT`` when it names a format the command prints
    (:func:`kmskit.cli._aws_globals.default_output`); a usage error for one it cannot."""
    output = default_output(outputs)
    if output is None:
        env = os.environ.get("AWS_DEFAULT_OUTPUT", "")
        raise click.UsageError(
            f"AWS_DEFAULT_OUTPUT={env} is not supported; use json or text, or pass --output"
        )
    return output


# -- values -------------------------------------------------------------------------------


def convert(param: AwsParam, values: Sequence[str], *, raw_blobs: bool = False) -> Any:
    """Turn the words after one flag into the request value (raises click.BadParameter)."""
    hint = param.cli_flag
    if param.kind in ("list", "structures"):
        # A single file:// or fileb:// word is read first, as the AWS CLI does.
        words: list[str | bytes] = list(values)
        if len(words) == 1:
            words = [load_paramfile(values[0], hint)]
        texts = [_text(w, hint) for w in words]
        if len(texts) == 1 and texts[0].strip().startswith("["):
            return _check_json(param, _json(texts[0], hint), hint)
        if param.kind == "list":
            return texts
        return [_structure(param, t, f"{hint}[{n}]") for n, t in enumerate(texts)]
    value = load_paramfile(values[0], hint)
    if param.kind == "blob":
        if isinstance(value, bytes):
            return value
        return value.encode("utf-8") if raw_blobs else decode_base64(value, hint)
    text = _text(value, hint)
    if param.kind == "integer":
        return _integer(text, hint)
    if param.kind == "timestamp":
        return parse_timestamp(text, hint)
    if param.kind in ("map", "structure"):
        looks_json = text.strip().startswith(("{", "["))
        parsed = _json(text, hint) if looks_json else _shorthand(text, hint)
        return _check_json(param, parsed, hint)
    return text


def decode_base64(text: str, hint: str) -> bytes:
    """Blob strings are base64 in AWS CLI v2. Whitespace (line wrapping) is tolerated."""
    compact = "".join(text.split())
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise click.BadParameter(
            f'Invalid base64: "{shown}" (blob values are base64, as in AWS CLI v2;'
            " use fileb://FILE for raw bytes)",
            param_hint=hint,
        ) from None


def _text(value: str | bytes, hint: str) -> str:
    if isinstance(value, str):
        return value
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise click.BadParameter("the file is not UTF-8 text", param_hint=hint) from None


_EPOCH = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def parse_timestamp(text: str, hint: str) -> datetime:
    """Epoch seconds (``1767225600``, ``1767225600.5``) or ISO 8601 (``2026-12-31``,
    ``2026-12-31T12:00:00Z``, ``…+08:00``) → an aware datetime; no offset means UTC.

    Raises click.BadParameter for anything else.
    """
    value = text.strip()
    try:
        if _EPOCH.match(value):
            return datetime.fromtimestamp(float(value), UTC)
        parsed = datetime.fromisoformat(value)
    except (ValueError, OverflowError, OSError):
        parsed = None
    if parsed is None:
        raise click.BadParameter(
            f"invalid timestamp {text!r}: use ISO 8601 (2026-12-31T00:00:00Z) or epoch seconds",
            param_hint=hint,
        )
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _integer(text: str, hint: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise click.BadParameter(f"invalid integer value: {text!r}", param_hint=hint) from None


def _json(text: str, hint: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise click.BadParameter(f"Invalid JSON: {exc}", param_hint=hint) from None


def _shorthand(text: str, hint: str) -> dict[str, Any]:
    try:
        return parse_shorthand(text)
    except ShorthandError as exc:
        raise click.BadParameter(str(exc), param_hint=hint) from None


def _structure(param: AwsParam, text: str, hint: str) -> dict[str, Any]:
    looks_json = text.strip().startswith(("{", "["))
    parsed = _json(text, hint) if looks_json else _shorthand(text, hint)
    return _check_structure(param, parsed, hint)


def _check_json(param: AwsParam, value: Any, hint: str) -> Any:
    """Check a JSON (or shorthand) value against the member's shape, AWS-style messages."""
    if param.kind == "map":
        if not isinstance(value, dict):
            raise click.BadParameter("expected a JSON object or k=v,k2=v2", param_hint=hint)
        for key, item in value.items():
            if not isinstance(item, str):
                got = (
                    "a list (quote a value that has commas: k='a,b')"
                    if isinstance(item, list)
                    else type(item).__name__
                )
                raise click.BadParameter(
                    f"the value of {key!r} must be a string, not {got}", param_hint=hint
                )
        return value
    if param.kind == "structure":
        if not isinstance(value, dict):
            raise click.BadParameter("expected a JSON object or k=v,k2=v2", param_hint=hint)
        return value
    if param.kind == "list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise click.BadParameter("expected a JSON list of strings", param_hint=hint)
        return value
    if param.kind == "structures":
        if not isinstance(value, list):
            raise click.BadParameter("expected a JSON list", param_hint=hint)
        return [_check_structure(param, v, f"{hint}[{n}]") for n, v in enumerate(value)]
    return value


def _check_structure(param: AwsParam, value: Any, hint: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise click.BadParameter("expected a structure", param_hint=hint)
    for key, item in value.items():
        if key not in param.fields:
            raise click.BadParameter(
                f'Unknown parameter "{key}", must be one of: {", ".join(param.fields)}',
                param_hint=hint,
            )
        if not isinstance(item, str):
            raise click.BadParameter(f"{key} must be a string", param_hint=hint)
    missing = [f for f in param.fields if f not in value]
    if missing:
        raise click.BadParameter(f'Missing required parameter "{missing[0]}"', param_hint=hint)
    return value


_JSON_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "integer": int,
    "boolean": bool,
    "blob": str,  # base64, or raw text with --cli-binary-format raw-in-base64-out
    "timestamp": (str, int, float),
    "map": dict,
    "structure": dict,
    "list": list,
    "structures": list,
}


def _input_json(
    by_member: Mapping[str, AwsParam], text_or_file: str, raw_blobs: bool, ctx: click.Context
) -> dict[str, Any]:
    hint = "--cli-input-json"
    doc = _json(_text(load_paramfile(text_or_file, hint), hint), hint)
    if not isinstance(doc, dict):
        raise click.BadParameter("expected a JSON object", param_hint=hint, ctx=ctx)
    request: dict[str, Any] = {}
    for member, value in doc.items():
        param = by_member.get(member)
        if param is None:
            raise click.BadParameter(
                f'Unknown parameter "{member}", must be one of: {", ".join(by_member)}',
                param_hint=hint,
                ctx=ctx,
            )
        where = f"{hint} {member}"
        if not isinstance(value, _JSON_TYPES[param.kind]) or (
            param.kind == "integer" and isinstance(value, bool)
        ):
            raise click.BadParameter(f"wrong type {type(value).__name__}", param_hint=where)
        if isinstance(value, str) and param.kind == "blob":
            value = value.encode("utf-8") if raw_blobs else decode_base64(value, where)
        elif param.kind == "timestamp":
            value = parse_timestamp(str(value), where)
        else:
            value = _check_json(param, value, where)
        request[member] = value
    return request
