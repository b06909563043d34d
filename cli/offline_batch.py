"""Options and printing for ``offline verify``/``sign``: --batch, --jobs, --digest-of and
--signature-format. The work is library code (:mod:`offline.batch`, :mod:`offline.file_digest`,
:mod:`offline.signature_forms`); this module only parses and prints.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import click

from kmskit.cli._files import open_input, read_blob

if TYPE_CHECKING:
    from kmskit.offline.batch import BatchOutcome
    from kmskit.offline.keys import PublicKey

EXIT_INVALID = 1
EXIT_INPUT = 2

DIGEST_OF_OPTION = click.option(
    "--digest-of",
    metavar="FILE",
    help="Instead of --message: hash FILE (any size, streamed) as the algorithm's DIGEST"
    " (SM2: e = SM3(Z_A ‖ M) with the ID; ML-DSA: external μ).",
)
SIGNATURE_FORMAT_OPTION = click.option(
    "--signature-format",
    type=click.Choice(["der", "raw", "auto"]),
    default="auto",
    show_default=True,
    help="ECDSA/SM2: DER SEQUENCE{r, s}, raw r‖s (P1363), or auto: DER if it parses as DER,"
    " raw if exactly 2×(order length) bytes, else hex or base64 text of either.",
)


def BATCH_OPTIONS(f: Callable[..., None]) -> Callable[..., None]:
    f = click.option(
        "--jobs",
        type=click.IntRange(min=1),
        help="Worker processes for --batch (default: the number of cores).",
    )(f)
    return click.option(
        "--batch",
        metavar="FILE",
        help="JSON Lines items (- for stdin); one JSON result per line on stdout.",
    )(f)


def require_option(value: str | None, flag: str) -> str:
    if value is None:
        raise click.UsageError(f"Missing option '{flag}' (or use --batch).")
    return value


def refuse_with_batch(**given: Any) -> None:
    """Per-item options belong in the JSON Lines items, not beside --batch."""
    for name, value in given.items():
        if value not in (None, False):
            flag = "--" + name.replace("_", "-")
            raise click.UsageError(f"{flag} cannot be combined with --batch (set it per item)")


def message_or_digest(
    public_key: Callable[[], PublicKey],
    signing_algorithm: str,
    message: str | None,
    digest_of: str | None,
    message_type: str | None,
    sm2_id: bytes | None,
) -> tuple[bytes, str, bytes | None]:
    """The message (or digest) to sign or verify, its message type and the ID still to apply."""
    if (message is None) == (digest_of is None):
        raise click.UsageError("give exactly one of --message and --digest-of")
    if digest_of is None:
        assert message is not None
        return read_blob(message, "--message"), message_type or "RAW", sm2_id
    if message_type is not None:
        raise click.UsageError("--digest-of sets the message type itself; drop --message-type")
    from kmskit.offline.file_digest import digest_of_stream

    key = public_key()
    with open_input(digest_of, "--digest-of") as fh:
        mtype, digest = digest_of_stream(key, signing_algorithm, fh, sm2_id=sm2_id)
    return digest, mtype.value, None


def print_batch(outcomes: Iterable[BatchOutcome]) -> int:
    """Print one JSON line per outcome and the summary (stderr); return the exit code."""
    counts: dict[str, int] = {}
    write = sys.stdout.write
    for outcome in outcomes:
        write(outcome.to_json() + "\n")
        counts[outcome.result] = counts.get(outcome.result, 0) + 1
    sys.stdout.flush()
    total = sum(counts.values())
    parts = ", ".join(
        f"{counts[k]} {k}" for k in ("valid", "signed", "invalid", "error") if k in counts
    )
    click.echo(f"{total} items: {parts or 'none'}", err=True)
    if counts.get("error"):
        return EXIT_INPUT
    if counts.get("invalid"):
        return EXIT_INVALID
    return 0
