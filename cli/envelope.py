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
import errno
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
from kmskit.cli._metadata_aws import AwsMetadataLog
from kmskit.cli._pair_lists import PairListOption
from kmskit.cli._wrapping_keys import (
    SPEC_HELP,
    Role,
    SpecError,
    WrappingKeySpec,
    parse_group,
    parse_spec,
)
from kmskit.cli.keystore_admin import HOME_OPTION
from kmskit.cli.offline_output import OVERWRITE_OPTION, print_json
from kmskit.envelope.suites import (
    DEFAULT_COMMITMENT_POLICY,
    DEFAULT_FRAME_LENGTH,
    DEFAULT_MAX_ENCRYPTED_DATA_KEYS,
    CommitmentPolicy,
    EnvelopeAlgorithm,
)

if TYPE_CHECKING:
    from kmskit.envelope import MessageInfo
    from kmskit.envelope.aliyun_message import AliyunMessageInfo

__all__ = ["COMMANDS"]

# op(source, destination, hold) -> what the library returned; ``hold``: the destination is
# seen at once (stdout, a device), so nothing unverified may reach it
Operation = Callable[[Any, Any, bool], "MessageInfo | AliyunMessageInfo"]


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


def _spec_groups(
    role: Role,
) -> Callable[[click.Context, click.Parameter, tuple[tuple[str, ...], ...]], list[Any]]:
    """``-w/--wrapping-keys``: each flag is one aws-encryption-cli style group of k=v."""

    def convert(
        ctx: click.Context, param: click.Parameter, groups: tuple[tuple[str, ...], ...]
    ) -> list[WrappingKeySpec]:
        try:
            return [spec for group in groups for spec in parse_group(group, role)]
        except SpecError as exc:
            raise click.BadParameter(str(exc), ctx=ctx, param=param) from None

    return convert


def _context(
    ctx: click.Context, param: click.Parameter, groups: tuple[tuple[str, ...], ...]
) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in (v for group in groups for v in group):
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
            "--principal",
            metavar="ARN",
            default=None,
            help="Keystore keyrings call as this IAM principal (default: $KMSKIT_PRINCIPAL,"
            " else the home account's root), as kmskit kms --principal does.",
        )(f)
        f = click.option(
            "--metadata-format",
            type=click.Choice(["kmskit", "aws"]),
            default="kmskit",
            show_default=True,
            help="The shape of --metadata-output lines: kmskit's, or aws-encryption-cli's.",
        )(f)
        f = click.option(
            "-S",
            "--suppress-metadata",
            is_flag=True,
            help="Write no metadata (the default; as in aws-encryption-cli).",
        )(f)
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
        cls=PairListOption,
        metavar="K=V [K=V…]",
        callback=_context,
        help=help_text,
    )


def _wrapping_keys_option(role: Role) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return click.option(
        "-w",
        "--wrapping-keys",
        "wrapping_key_groups",
        cls=PairListOption,
        metavar="K=V [K=V…]",
        callback=_spec_groups(role),
        help="aws-encryption-cli spelling: one keyring's k=v items after one flag; key= may"
        " repeat (one wrapping key each), the other items apply to every key.",
    )


Decorator = Callable[[Callable[..., None]], Callable[..., None]]


def _commitment_policy_option(help_text: str) -> Decorator:
    return click.option(
        "--commitment-policy",
        metavar="POLICY",
        default=DEFAULT_COMMITMENT_POLICY.value,
        show_default=True,
        callback=_policy,
        help=f"{help_text} One of {', '.join(p.value for p in CommitmentPolicy)}; the"
        " aws-encryption-cli spelling (require-encrypt-allow-decrypt …) works too.",
    )


def _policy(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from kmskit.envelope.suites import parse_commitment_policy
    from kmskit.offline.errors import ValidationException

    try:
        return parse_commitment_policy(value).value
    except ValidationException as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


_LEGACY_PADDING = click.option(
    "--allow-legacy-padding",
    is_flag=True,
    help="Let raw-rsa SPECs wrap with algorithm=RSAES_PKCS1_V1_5 (decrypt-only otherwise).",
)


def _all_specs(flag_specs: list[WrappingKeySpec], group_specs: list[WrappingKeySpec]) -> list[Any]:
    specs = [*flag_specs, *group_specs]
    if not specs:
        raise click.UsageError("give at least one --wrapping-key SPEC (or -w K=V …)")
    return specs


def _metadata_log(
    path: str | None, suppress: bool, shape: str
) -> MetadataLog | AwsMetadataLog:
    if suppress and path is not None:
        raise click.UsageError("-S/--suppress-metadata and --metadata-output exclude each other")
    return AwsMetadataLog(path) if shape == "aws" else MetadataLog(path)


_FORCE = click.option(
    "--force",
    is_flag=True,
    help="Wrap to recipient keys whose usage is not ENCRYPT_DECRYPT (as force=true in every"
    " SPEC). Does not replace outputs: that is --overwrite.",
)


# -- running the jobs -----------------------------------------------------------------------


# Errors that only writing can cause. The library writes to file objects that do not know
# the output's name, so the line would otherwise blame standard output (cli.main).
_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def _named_output_error(exc: OSError, job: Job) -> OSError:
    if exc.filename is None and exc.errno in _WRITE_ERRNOS and job.target != STDIO:
        return OSError(exc.errno, exc.strerror, job.target)
    return exc


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
        try:
            info = op(src, dst, hold)
            if encode:
                dst.close()
            out.flush()
        except OSError as exc:
            raise _named_output_error(exc, job) from None
        mark = log.write(mode, job, info)
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
    suppress_metadata: bool = False,
    metadata_format: str = "kmskit",
) -> None:
    with _metadata_log(metadata_output, suppress_metadata, metadata_format) as log:
        for job in jobs:
            _run_one(mode, job, op, log, decode=decode, encode=encode, overwrite=overwrite)


_ALIYUN_DEFAULT = "AES_GCM_NOPADDING_256"


def _resolve_algorithm(message_format: str, algorithm: str | None) -> str:
    from kmskit.envelope.aliyun_message import ALIYUN_ALGORITHM_NAMES

    if message_format == "aliyun":
        if algorithm is None:
            return _ALIYUN_DEFAULT
        if algorithm not in ALIYUN_ALGORITHM_NAMES:
            raise click.BadParameter(
                f"{algorithm} is not an Alibaba Encryption SDK algorithm; one of"
                f" {', '.join(ALIYUN_ALGORITHM_NAMES)}",
                param_hint="--algorithm",
            )
        return algorithm
    if algorithm is None:
        return EnvelopeAlgorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY.value
    if algorithm in ALIYUN_ALGORITHM_NAMES:
        raise click.BadParameter(
            f"{algorithm} is an Alibaba Encryption SDK algorithm: add --format aliyun",
            param_hint="--algorithm",
        )
    return algorithm


# -- the commands ---------------------------------------------------------------------------


@click.command("encrypt", epilog=SPEC_HELP)
@_io_options("encrypt")
@click.option(
    "--wrapping-key",
    "wrapping_keys",
    metavar="SPEC",
    multiple=True,
    callback=_specs("encrypt"),
    help="A key that wraps the data key (SPEC below); repeat for several: any one decrypts.",
)
@_wrapping_keys_option("encrypt")
@_context_option("Encryption context pairs, bound to the message; several after one -c, or repeat.")
@click.option(
    "--required-context-key",
    "required_context_keys",
    metavar="K",
    multiple=True,
    help="A context key whose pair binds the message but is not stored in it (the MPL's"
    " required encryption context CMM): decrypt needs -c K=V again. Repeatable.",
)
@_commitment_policy_option(
    "REQUIRE_ENCRYPT_* (kmskit always writes a committing suite; FORBID_… is refused)."
)
@_LEGACY_PADDING
@click.option(
    "--format",
    "message_format",
    type=click.Choice(["esdk", "aliyun"]),
    default="esdk",
    show_default=True,
    help="esdk: the AWS Encryption SDK message (v2). aliyun: the Alibaba Cloud Encryption"
    " SDK message (DER, one AEAD pass, held in memory up to 64 MiB).",
)
@click.option(
    "--algorithm",
    type=click.Choice(
        [a.value for a in EnvelopeAlgorithm]
        + [
            "AES_GCM_NOPADDING_128",
            "AES_GCM_NOPADDING_256",
            "SM4_GCM_NOPADDING_128",
            "AES_GCM_128",
            "AES_GCM_256",
            "SM4_GCM",
        ]
    ),
    default=None,
    help="The algorithm suite [default: AES_256_GCM_HKDF_SHA512_COMMIT_KEY; with --format"
    " aliyun AES_GCM_NOPADDING_256 (id 2); SM4_GCM is id 9, AES_GCM_128 id 1].",
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
    suppress_metadata: bool,
    metadata_format: str,
    home: str | None,
    principal: str | None,
    wrapping_keys: list[WrappingKeySpec],
    wrapping_key_groups: list[WrappingKeySpec],
    context: dict[str, str],
    required_context_keys: tuple[str, ...],
    commitment_policy: str,
    allow_legacy_padding: bool,
    message_format: str,
    algorithm: str | None,
    frame_length: int,
    encode: bool,
    force: bool,
) -> None:
    """Encrypt IN into an envelope message (AWS Encryption SDK format v2) at OUT.

    With --format aliyun, the Alibaba Cloud Encryption SDK format instead. A fresh data
    key encrypts the data and every --wrapping-key wraps it; any one of them decrypts.
    The output appears at OUT only once it is complete.
    """
    from kmskit.envelope import encrypt_stream

    algorithm = _resolve_algorithm(message_format, algorithm)
    if message_format == "aliyun" and required_context_keys:
        raise click.UsageError("--required-context-key needs --format esdk")
    specs = _all_specs(wrapping_keys, wrapping_key_groups)
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
        keyrings = build_keyrings(
            specs,
            stack,
            home=home,
            principal=principal,
            force=force,
            allow_legacy_padding=allow_legacy_padding,
        )

        def op(src: Any, dst: Any, hold: bool) -> MessageInfo | AliyunMessageInfo:
            if message_format == "aliyun":
                from kmskit.envelope.aliyun_message import encrypt_aliyun_stream

                return encrypt_aliyun_stream(
                    src, dst, keyrings=keyrings, encryption_context=context, algorithm=algorithm
                )
            return encrypt_stream(
                src,
                dst,
                keyrings=keyrings,
                encryption_context=context,
                algorithm=algorithm,
                frame_length=frame_length,
                required_context_keys=required_context_keys,
                commitment_policy=commitment_policy,
            )

        _run_jobs(
            "encrypt",
            jobs,
            op,
            encode=encode,
            overwrite=overwrite,
            metadata_output=metadata_output,
            suppress_metadata=suppress_metadata,
            metadata_format=metadata_format,
        )


@click.command("decrypt", epilog=SPEC_HELP)
@_io_options("decrypt")
@click.option(
    "--wrapping-key",
    "wrapping_keys",
    metavar="SPEC",
    multiple=True,
    callback=_specs("decrypt"),
    help="A key that may unwrap the data key (SPEC below); repeat to try several.",
)
@_wrapping_keys_option("decrypt")
@_context_option(
    "Pairs the message's context must hold, and the required pairs it does not store"
    " (several after one -c, or repeat)."
)
@_commitment_policy_option(
    "REQUIRE_ENCRYPT_ALLOW_DECRYPT (or FORBID_ENCRYPT_ALLOW_DECRYPT) also reads message"
    " format version 1, whose suites do not commit to their key."
)
@_max_edks_option
@click.option("--decode", is_flag=True, help="IN is base64 (as written by --encode).")
def decrypt_command(
    source: str,
    out: str,
    recursive: bool,
    suffix: str,
    overwrite: bool,
    metadata_output: str | None,
    suppress_metadata: bool,
    metadata_format: str,
    home: str | None,
    principal: str | None,
    wrapping_keys: list[WrappingKeySpec],
    wrapping_key_groups: list[WrappingKeySpec],
    context: dict[str, str],
    commitment_policy: str,
    max_encrypted_data_keys: int,
    decode: bool,
) -> None:
    """Decrypt the envelope message IN into OUT.

    Either format (AWS or Alibaba Encryption SDK), told by its first byte. The output
    appears only once the whole message has verified (every frame, the signature, the end
    of input). With -o - nothing is written to stdout before that.
    """
    from kmskit.envelope import decrypt_stream

    specs = _all_specs(wrapping_keys, wrapping_key_groups)
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
        keyrings = build_keyrings(
            specs, stack, home=home, principal=principal, role="decrypt"
        )

        def op(src: Any, dst: Any, hold: bool) -> MessageInfo | AliyunMessageInfo:
            from kmskit.envelope.aliyun_message import decrypt_aliyun_stream, sniff_aliyun

            is_aliyun, src = sniff_aliyun(src)
            if is_aliyun:  # a DER SEQUENCE (0x30), not an ESDK version byte
                return decrypt_aliyun_stream(
                    src,
                    dst,
                    keyrings=keyrings,
                    required_context=context,
                    max_encrypted_data_keys=max_encrypted_data_keys,
                )
            return decrypt_stream(
                src,
                dst,
                keyrings=keyrings,
                required_context=context,
                max_encrypted_data_keys=max_encrypted_data_keys,
                verify_before_release=hold,
                commitment_policy=commitment_policy,
            )

        _run_jobs(
            "decrypt",
            jobs,
            op,
            decode=decode,
            overwrite=overwrite,
            metadata_output=metadata_output,
            suppress_metadata=suppress_metadata,
            metadata_format=metadata_format,
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
@_LEGACY_PADDING
def rewrap_command(
    source: str,
    out: str,
    recursive: bool,
    overwrite: bool,
    metadata_output: str | None,
    suppress_metadata: bool,
    metadata_format: str,
    home: str | None,
    principal: str | None,
    wrapping_keys: list[WrappingKeySpec],
    add_keys: list[WrappingKeySpec],
    remove: tuple[str, ...],
    context: dict[str, str],
    max_encrypted_data_keys: int,
    decode: bool,
    encode: bool,
    force: bool,
    allow_legacy_padding: bool,
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
        unwrapping = build_keyrings(
            wrapping_keys, stack, home=home, principal=principal, role="decrypt"
        )
        adding = build_keyrings(
            add_keys,
            stack,
            home=home,
            principal=principal,
            force=force,
            allow_legacy_padding=allow_legacy_padding,
        )

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
            suppress_metadata=suppress_metadata,
            metadata_format=metadata_format,
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
    from kmskit.envelope.aliyun_message import inspect_aliyun, sniff_aliyun
    from kmskit.envelope.armor import ArmorReader

    fin = open_input(source, "IN")
    with contextlib.ExitStack() as stack:
        if source != STDIO:
            stack.enter_context(fin)
        is_aliyun, src = sniff_aliyun(ArmorReader(fin) if decode else fin)
        if is_aliyun:
            shown = inspect_aliyun(src, max_encrypted_data_keys=max_encrypted_data_keys)
            print_json(shown.as_dict())
            return
        info = inspect(src, max_encrypted_data_keys=max_encrypted_data_keys)
    print_json(info.as_dict())


COMMANDS = (encrypt_command, decrypt_command, inspect_command, rewrap_command)
