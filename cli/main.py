"""The ``kmskit`` command: the root group and the one place that maps errors to exit codes.

Exit codes (DESIGN.md, "Command line"): 0 ok; 1 the operation ran and failed (an invalid
signature, a ciphertext that does not decrypt); 2 a usage or input error. Errors are one
line on stderr naming the KMS error where there is one; ``KMSKIT_DEBUG=1`` adds the
traceback. ``kmskit kms`` fails as ``aws kms`` does instead: the AWS CLI's error line and
return codes (:mod:`cli._kms_errors`).
"""

from __future__ import annotations

import os
import sys

import click

from kmskit import __version__
from kmskit.cli._kms_errors import AWS_CLI_OTHER, AWS_CLI_SYNTAX, KmsCallFailed
from kmskit.cli._lazy import LazyGroup
from kmskit.cli.commands import COMMANDS, ROOT_HELP
from kmskit.offline.errors import (
    AccessDeniedException,
    AlreadyExistsException,
    AwsClientError,
    AwsConfigurationError,
    AwsKmsServiceError,
    DisabledException,
    EnvelopeError,
    ExpiredImportTokenException,
    IncorrectKeyException,
    IncorrectKeyMaterialException,
    IncorrectPassphraseError,
    InvalidCiphertextException,
    InvalidImportTokenException,
    KeystoreError,
    KMSInvalidMacException,
    KMSInvalidSignatureException,
    KMSInvalidStateException,
    KmskitError,
    LimitExceededException,
    NotFoundException,
    PassphraseRequiredError,
    VectorCheckFailed,
)

# click >= 8.2 raises this for a group called with no arguments; older click prints help.
_NoArgsIsHelp: type[click.ClickException] = getattr(
    click.exceptions, "NoArgsIsHelpError", type("_NeverRaised", (click.ClickException,), {})
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

# These mean "the request was well-formed and the answer is no".
_OPERATION_FAILURES = (
    KMSInvalidSignatureException,
    KMSInvalidMacException,
    InvalidCiphertextException,
    IncorrectKeyException,
    InvalidImportTokenException,  # altered, or made for another key or keystore
    ExpiredImportTokenException,
    IncorrectKeyMaterialException,  # unwrapped fine, but not this key's material
    DisabledException,
    KMSInvalidStateException,
    NotFoundException,
    AlreadyExistsException,
    LimitExceededException,
    IncorrectPassphraseError,
    KeystoreError,
    VectorCheckFailed,
    EnvelopeError,  # a message that does not parse, authenticate or unwrap
    AccessDeniedException,
    AwsKmsServiceError,
    AwsClientError,  # AWS KMS unreachable (AwsConnectionError) or the SDK failed
)
# ... except these: the user must supply something (a usage error, like a missing flag).
_USAGE_ERRORS = (PassphraseRequiredError, AwsConfigurationError)


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    help=ROOT_HELP,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(version=__version__, prog_name="kmskit")
def kmskit() -> None:
    """The root group; its help is ROOT_HELP (kmskit.cli.commands), which ``kmskit --help``
    prints without click (kmskit.cli.entry)."""


def _one_line(text: str) -> str:
    """Fold a multi-line error (NoMatchingKeyringError lists every attempt) into one line."""
    first, *rest = text.splitlines() or [""]
    details = [line.strip().removeprefix("- ") for line in rest if line.strip()]
    return f"{first}: {'; '.join(details)}" if details else first


def _print_traceback() -> None:
    import traceback  # only with KMSKIT_DEBUG=1: it costs start-up for every command

    traceback.print_exc()


def exit_code_for(error: KmskitError) -> int:
    if isinstance(error, _USAGE_ERRORS):
        return EXIT_USAGE
    return EXIT_FAILED if isinstance(error, _OPERATION_FAILURES) else EXIT_USAGE


# Groups that fail as the AWS CLI does (cli/_kms_errors.py).
_AWS_CLI_GROUPS = ("kms",)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return the exit code (the console script calls ``sys.exit`` on it)."""
    debug = os.environ.get("KMSKIT_DEBUG") == "1"
    args = sys.argv[1:] if argv is None else argv
    aws_cli = bool(args) and args[0] in _AWS_CLI_GROUPS
    try:
        # With standalone_mode=False click returns ctx.exit(n)'s code instead of raising.
        returned = kmskit.main(args=argv, prog_name="kmskit", standalone_mode=False)
        if isinstance(returned, int) and returned != EXIT_OK:
            return returned
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_USAGE
    except _NoArgsIsHelp as exc:  # `kmskit offline` alone: show the help, as git does
        click.echo(exc.format_message(), err=True)
        return EXIT_USAGE
    except click.ClickException as exc:
        # One line, not click's three: scripts grep stderr, people read the hint.
        ctx = getattr(exc, "ctx", None)
        message = " ".join(exc.format_message().split()).rstrip(".")
        where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        click.echo(f"UsageError: {message}{where}", err=True)
        return AWS_CLI_SYNTAX if aws_cli else EXIT_USAGE
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except KmsCallFailed as exc:
        if debug:
            _print_traceback()
        click.echo(exc.line(_one_line(str(exc.error))), err=True)
        return exc.exit_code
    except KmskitError as exc:
        if debug:
            _print_traceback()
        click.echo(f"{exc.code}: {_one_line(str(exc))}", err=True)
        return exit_code_for(exc)
    except BrokenPipeError:
        # `kmskit ... | head`: the reader went away; that is not our error.
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except Exception as exc:  # a bug: still one line, unless debugging
        if debug:
            _print_traceback()
        click.echo(
            f"InternalError: {type(exc).__name__}: {exc} (KMSKIT_DEBUG=1 shows more)", err=True
        )
        return AWS_CLI_OTHER if aws_cli else EXIT_USAGE
    return EXIT_OK


def run() -> None:
    """The console script's entry before kmskit.cli.entry; kept for scripts that import it."""
    from kmskit.cli.entry import run as entry_run

    entry_run()
