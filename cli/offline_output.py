"""Output conventions shared by the ``kmskit offline`` verbs: --output, --out and blobs.

A blob result goes to ``--out`` as raw bytes; without ``--out`` it is printed base64 (text)
or inside the AWS-shaped JSON response (``--output json``). Outputs are checked before any
work is done, so a refused ``--out`` never costs a private-key operation.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import click

from kmskit.cli._files import check_output_path, write_output


def names_choice(enum: type[StrEnum]) -> click.Choice[str]:
    return click.Choice([m.value for m in enum])


OUTPUT_OPTION = click.option(
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people; json for the AWS-shaped response.",
)
OVERWRITE_OPTION = click.option(
    "--overwrite", is_flag=True, help="Replace the output file if it exists."
)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def print_json(doc: dict[str, Any]) -> None:
    click.echo(json.dumps({k: v for k, v in doc.items() if v is not None}, indent=2))


# The FILE options the offline verbs read: --out must never name one of them.
INPUT_OPTIONS = (
    "private_key",
    "public_key",
    "message",
    "signature",
    "plaintext",
    "ciphertext",
    "key_material",
    "wrapping_key",
)


def blob_output(help_text: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Add ``--out``, ``--overwrite`` and ``--output`` to a command, checked up front."""

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(command)
        def checked(*args: Any, **kwargs: Any) -> None:
            out, output = kwargs["out"], kwargs["output"]
            if out == "-" and output == "json":
                raise click.UsageError("--out - and --output json would both write to stdout")
            if out is not None:
                inputs = [kwargs.get(name) for name in INPUT_OPTIONS]
                check_output_path(out, overwrite=kwargs["overwrite"], inputs=inputs)
            command(*args, **kwargs)

        checked = OUTPUT_OPTION(checked)
        checked = OVERWRITE_OPTION(checked)
        return click.option("--out", metavar="FILE", help=help_text)(checked)

    return decorate


def emit_blob(
    data: bytes,
    field: str,
    response: dict[str, Any],
    *,
    out: str | None,
    output: str,
    overwrite: bool,
    secret: bool = False,
) -> None:
    """Write a blob result to --out, or print it; the JSON response carries it base64."""
    if out is not None:
        write_output(out, data, overwrite=overwrite, secret=secret)
    if output == "json":
        print_json({**response, field: b64(data)})
    elif out is None:
        click.echo(b64(data))


def sm2_id_from_options(text: str | None, hex_id: str | None) -> bytes | None:
    """--sm2-id / --sm2-id-hex (:func:`kmskit.cli._sm2_id_options.sm2_id_bytes`), with
    click's usage errors."""
    from kmskit.cli._sm2_id_options import BothSm2IdsGiven, Sm2IdNotHex, sm2_id_bytes

    try:
        return sm2_id_bytes(text, hex_id)
    except BothSm2IdsGiven as exc:
        raise click.UsageError(str(exc)) from None
    except Sm2IdNotHex as exc:
        raise click.BadParameter(str(exc), param_hint="--sm2-id-hex") from None


def with_sm2_id_options(f: Callable[..., None]) -> Callable[..., None]:
    f = click.option("--sm2-id-hex", metavar="HEX", help="SM2 distinguishing ID as hex bytes.")(f)
    return click.option(
        "--sm2-id",
        metavar="TEXT",
        help="SM2 distinguishing ID (UTF-8) for SM2DSA RAW; default 1234567812345678.",
    )(f)
