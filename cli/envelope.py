"""``kmskit encrypt|decrypt|inspect|rewrap``: envelope messages in files, trees and pipes.

Each command parses its arguments (``--wrapping-key`` SPECs in :mod:`cli._wrapping_keys`,
files and outputs in :mod:`cli._file_jobs`), builds the keyrings (:mod:`cli._keyrings`),
and calls one library function per file (:func:`envelope.encrypt_stream`,
:func:`envelope.decrypt_stream`, :func:`envelope.rewrap_stream`, :func:`envelope.inspect`).
Outputs are unnamed until the operation succeeded (:mod:`kmskit.offline.output_file`), so
plaintext never appears at the final path unless the whole message verified; with ``-o -``
(or a device or FIFO) decrypt and rewrap hold every byte back until then, spooled encrypted
under a one-time key (:mod:`kmskit.envelope._io`).
``--force`` only overrides key-usage refusals of recipient keys; replacing outputs is
``--overwrite``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from kmskit.cli._file_jobs import (
    DEFAULT_SUFFIX,
    STDIO,
    Job,
    MetadataLog,
    Mode,
    pending_output,
    plan,
)
from kmskit.cli._file_jobs import progress as progress_bar
from kmskit.cli._files import open_input, stdout_buffer
from kmskit.cli._keyrings import build_keyrings
from kmskit.cli._wrapping_keys import (
    SPEC_HELP,
    Role,
    SpecError,
    WrappingKeySpec,
    parse_spec,
)
from kmskit.cli.keystore_admin import HOME_OPTION
from kmskit.cli.offline_output import OVERWRITE_OPTION, print_json
from kmskit.envelope.suites import (
    DEFAULT_FRAME_LENGTH,
    DEFAULT_MAX_ENCRYPTED_DATA_KEYS,
    EnvelopeAlgorithm,
)

if TYPE_CHECKING:
    from kmskit.envelope import MessageInfo

__all__ = ["COMMANDS"]

# op(source, destination, hold) -> what the library returned; ``hold``: the destination is
# seen at once (stdout, a device), so nothing unverified may reach it
Operation = Callable[[Any, Any, bool], "MessageInfo"]


# -- option parsing -------------------------------------------------------------------------


def _specs(role: Role) -> Callable[[click.Context, click.Parameter, tuple[str, ...]], list[Any]]:
    def convert(
        ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
    ) -> list[WrappingKeySpec]:
        try:
            return [parse_spec(v, role) for v in values]
        except SpecError as exc:
            raise click.BadParameter(str(exc), ctx=ctx, param=param) from None

    return convert


def _context(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in values:
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise click.BadParameter(f"{item!r} is not k=v", ctx=ctx, param=param)
        if key in pairs:
            raise click.BadParameter(f"{key!r} is given twice", ctx=ctx, param=param)
        pairs[key] = value
    return pairs


def _io_options(mode: Mode) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """IN, -o, -r, --suffix, --overwrite, --metadata-output (and --home)."""
    verb = {"encrypt": "encrypted", "decrypt": "decrypted", "rewrap": "rewrapped"}[mode]
    naming = {
        "encrypt": "Appended to file names with -r or an output directory.",
        "decrypt": "Stripped from file names with -r or an output directory; a name without"
        " it gets .decrypted.",
        "rewrap": "",
    }[mode]

    def decorate(f: Callable[..., None]) -> Callable[..., None]:
        f = HOME_OPTION(f)
        f = click.option(
            "--metadata-output",
            metavar="FILE",
            help="Append one JSON line per file done (mode, input, output, header); - is stdout.",
        )(f)
        f = OVERWRITE_OPTION(f)
        if naming:  # rewrap keeps file names
            f = click.option("--suffix", default=DEFAULT_SUFFIX, show_default=True, help=naming)(f)
        f = click.option(
            "-r",
            "--recursive",
            is_flag=True,
            help="IN is a directory: process every file, mirroring the tree under OUT.",
        )(f)
        f = click.option(
            "-o",
            "--out",
            "out",
            metavar="OUT",
            required=True,
            help=f"Where the {verb} output goes: a file, a directory, or - for stdout.",
        )(f)
        return click.argument("source", metavar="IN")(f)

    return decorate


def _max_edks_option(f: Callable[..., None]) -> Callable[..., None]:
    return click.option(
        "--max-encrypted-data-keys",
        type=click.IntRange(1, 65535),
        default=DEFAULT_MAX_ENCRYPTED_DATA_KEYS,
        show_default=True,
        help="Refuse messages with more encrypted data keys than this.",
    )(f)


def _context_option(help_text: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return click.option(
        "-c",
        "--encryption-context",
        "context",
        metavar="K=V",
        multiple=True,
        callback=_context,
        help=help_text,
    )


_FORCE = click.option(
    "--force",
    is_flag=True,
    help="Wrap to recipient keys whose usage is not ENCRYPT_DECRYPT (as force=true in every"
    " SPEC). Does not replace outputs: that is --overwrite.",
)


# -- running the jobs -----------------------------------------------------------------------


def _run_one(
    mode: Mode,
    job: Job,
    op: Operation,
    log: MetadataLog,
    *,
    decode: bool,
    encode: bool,
    overwrite: bool,
) -> None:
    """Run one job; its output and its metadata line appear together or not at all."""
    from kmskit.envelope.armor import ArmorReader, ArmorWriter

    fin = open_input(job.source, "IN")
    with contextlib.ExitStack() as stack:
        if job.source != STDIO:
            stack.enter_context(fin)
        src: Any = stack.enter_context(progress_bar(fin, job.source))
        if decode:
            src = ArmorReader(src)
        output = None
        if job.target == STDIO:
            out = stdout_buffer()
            hold = True  # a reader sees stdout at once
        else:
            output = stack.enter_context(
                pending_output(job, overwrite=overwrite, secret=mode == "decrypt")
            )
            out = output.file
            hold = output.in_place  # a device or FIFO, like stdout
        dst: Any = ArmorWriter(out) if encode else out
        info = op(src, dst, hold)
        if encode:
            dst.close()
        out.flush()
        mark = log.write(mode, job, info.as_dict())
        if output is not None:
            try:
                output.publish()
            except BaseException:
                log.take_back(mark)
                raise


def _run_jobs(
    mode: Mode,
    jobs: list[Job],
    op: Operation,
    *,
    decode: bool = False,
    encode: bool = False,
    overwrite: bool,
    metadata_output: str | None,
) -> None:
    with MetadataLog(metadata_output) as log:
        for job in jobs:
            _run_one(mode, job, op, log, decode=decode, encode=encode, overwrite=overwrite)


# -- the commands ---------------------------------------------------------------------------


@click.command("encrypt", epilog=SPEC_HELP)
@_io_options("encrypt")
@click.option(
    "--wrapping-key",
    "wrapping_keys",
    metavar="SPEC",
    multiple=True,
    required=True,
    callback=_specs("encrypt"),
    help="A key that wraps the data key (SPEC below); repeat for several: any one decrypts.",
)
@_context_option("An encryption context pair, bound to the message; repeat for more.")
@click.option(
    "--algorithm",
    type=click.Choice([a.value for a in EnvelopeAlgorithm]),
    default=EnvelopeAlgorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY.value,
    show_default=True,
    help="The algorithm suite.",
)
@click.option(
    "--frame-length",
    type=int,
    default=DEFAULT_FRAME_LENGTH,
    show_default=True,
    help="Plaintext bytes per frame.",
)
@click.option("--encode", is_flag=True, help="Base64-encode the message (one line).")
@_FORCE
def encrypt_command(
    source: str,
    out: str,
    recursive: bool,
    suffix: str,
    overwrite: bool,
    metadata_output: str | None,
    home: str | None,
    wrapping_keys: list[WrappingKeySpec],
    context: dict[str, str],
    algorithm: str,
    frame_length: int,
    encode: bool,
    force: bool,
) -> None:
    """Encrypt IN into an envelope message (AWS Encryption SDK format v2) at OUT.

    A fresh data key encrypts the data and every --wrapping-key wraps it; any one of them
    decrypts. The output appears at OUT only once it is complete.
    """
    from kmskit.envelope import encrypt_stream

    jobs = plan(
        source,
        out,
        mode="encrypt",
        recursive=recursive,
        suffix=suffix,
        overwrite=overwrite,
        metadata_output=metadata_output,
    )
    with contextlib.ExitStack() as stack:
        keyrings = build_keyrings(wrapping_keys, stack, home=home, force=force)

        def op(src: Any, dst: Any, hold: bool) -> MessageInfo:
            return encrypt_stream(
                src,
                dst,
                keyrings=keyrings,
                encryption_context=context,
                algorithm=algorithm,
                frame_length=frame_length,
            )

        _run_jobs(
            "encrypt",
            jobs,
            op,
            encode=encode,
            overwrite=overwrite,
            metadata_output=metadata_output,
        )


@click.command("decrypt", epilog=SPEC_HELP)
@_io_options("decrypt")
@click.option(
    "--wrapping-key",
    "wrapping_keys",
    metavar="SPEC",
    multiple=True,
    required=True,
    callback=_specs("decrypt"),
    help="A key that may unwrap the data key (SPEC below); repeat to try several.",
)
@_context_option("A pair the message's encryption context must contain (k=v); repeat for more.")
@_max_edks_option
@click.option("--decode", is_flag=True, help="IN is base64 (as written by --encode).")
def decrypt_command(
    source: str,
    out: str,
    recursive: bool,
    suffix: str,
    overwrite: bool,
    metadata_output: str | None,
    home: str | None,
    wrapping_keys: list[WrappingKeySpec],
    context: dict[str, str],
    max_encrypted_data_keys: int,
    decode: bool,
) -> None:
    """Decrypt the envelope message IN into OUT.

    The output appears only once the whole message has verified (every frame, the
    signature, the end of input). With -o - nothing is written to stdout before that.
    """
    from kmskit.envelope import decrypt_stream

    jobs = plan(
        source,
        out,
        mode="decrypt",
        recursive=recursive,
        suffix=suffix,
        overwrite=overwrite,
        metadata_output=metadata_output,
    )
    with contextlib.ExitStack() as stack:
        keyrings = build_keyrings(wrapping_keys, stack, home=home)

        def op(src: Any, dst: Any, hold: bool) -> MessageInfo:
            return decrypt_stream(
                src,
                dst,
                keyrings=keyrings,
                required_context=context,
                max_encrypted_data_keys=max_encrypted_data_keys,
                verify_before_release=hold,
            )

        _run_jobs(
            "decrypt",
            jobs,
            op,
            decode=decode,
            overwrite=overwrite,
            metadata_output=metadata_output,
        )


@click.command("rewrap", epilog=SPEC_HELP)
@_io_options("rewrap")
@click.option(
    "--wrapping-key",
    "wrapping_keys",
    metavar="SPEC",
    multiple=True,
    required=True,
    callback=_specs("decrypt"),
    help="A key that unwraps the data key (as for decrypt).",
)
@click.option(
    "--add-wrapping-key",
    "add_keys",
    metavar="SPEC",
    multiple=True,
    callback=_specs("encrypt"),
    help="A key to wrap the data key for, added to the message (as for encrypt).",
)
@click.option(
    "--remove-wrapping-key",
    "remove",
    metavar="NAME",
    multiple=True,
    help="Drop the encrypted data keys with this key name, or PROVIDER/NAME, as inspect"
    " shows them.",
)
@_context_option("A pair the message's encryption context must contain (k=v).")
@_max_edks_option
@click.option("--decode", is_flag=True, help="IN is base64.")
@click.option("--encode", is_flag=True, help="Base64-encode the new message.")
@_FORCE
def rewrap_command(
    source: str,
    out: str,
    recursive: bool,
    overwrite: bool,
    metadata_output: str | None,
    home: str | None,
    wrapping_keys: list[WrappingKeySpec],
    add_keys: list[WrappingKeySpec],
    remove: tuple[str, ...],
    context: dict[str, str],
    max_encrypted_data_keys: int,
    decode: bool,
    encode: bool,
    force: bool,
) -> None:
    """Give the message IN new wrapping keys without re-encrypting it (unsigned suites).

    The header's encrypted data keys change and its tag is recomputed; the body is copied
    byte for byte after it verifies. Rotate a root key with --add-wrapping-key NEW and
    --remove-wrapping-key OLD.
    """
    from kmskit.envelope import rewrap_stream

    if not add_keys and not remove:
        raise click.UsageError("give --add-wrapping-key or --remove-wrapping-key")
    jobs = plan(
        source,
        out,
        mode="rewrap",
        recursive=recursive,
        suffix="",
        overwrite=overwrite,
        metadata_output=metadata_output,
    )
    with contextlib.ExitStack() as stack:
        unwrapping = build_keyrings(wrapping_keys, stack, home=home)
        adding = build_keyrings(add_keys, stack, home=home, force=force)

        def op(src: Any, dst: Any, hold: bool) -> MessageInfo:
            return rewrap_stream(
                src,
                dst,
                keyrings=unwrapping,
                add_keyrings=adding,
                remove=remove,
                required_context=context,
                max_encrypted_data_keys=max_encrypted_data_keys,
                verify_before_release=hold,
            )

        _run_jobs(
            "rewrap",
            jobs,
            op,
            decode=decode,
            encode=encode,
            overwrite=overwrite,
            metadata_output=metadata_output,
        )


@click.command("inspect")
@click.argument("source", metavar="IN")
@_max_edks_option
@click.option("--decode", is_flag=True, help="IN is base64.")
def inspect_command(source: str, max_encrypted_data_keys: int, decode: bool) -> None:
    """Print the header of the message IN as JSON; no key needed.

    Nothing shown is authenticated until a decrypt succeeds.
    """
    from kmskit.envelope import inspect
    from kmskit.envelope.armor import ArmorReader

    fin = open_input(source, "IN")
    with contextlib.ExitStack() as stack:
        if source != STDIO:
            stack.enter_context(fin)
        src: Any = ArmorReader(fin) if decode else fin
        info = inspect(src, max_encrypted_data_keys=max_encrypted_data_keys)
    print_json(info.as_dict())


COMMANDS = (encrypt_command, decrypt_command, inspect_command, rewrap_command)
