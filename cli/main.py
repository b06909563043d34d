"""The ``kmskit`` command: the root group and the one place that maps errors to exit codes.

Exit codes (DESIGN.md, "Command line"): 0 ok; 1 the operation ran and failed (an invalid
signature, a ciphertext that does not decrypt); 2 a usage or input error. Errors are one
line on stderr naming the KMS error where there is one; ``KMSKIT_DEBUG=1`` adds the
traceback. ``kmskit kms`` fails as ``aws kms`` does instead: the AWS CLI's error line and
return codes (:mod:`cli._kms_errors`).
"""

from __future__ import annotations

import errno
import os
import signal
import sys
from types import FrameType

import click

from kmskit import __version__
from kmskit.cli._kms_errors import AWS_CLI_OTHER, AWS_CLI_SYNTAX, KmsCallFailed, one_line
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
    FileAccessError,
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
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports it
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what `cat` in `cat big | head` ends with

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
    FileAccessError,  # permission denied, no space left: the command ran and failed
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


def _print_traceback(exc: BaseException) -> None:
    import traceback  # only with KMSKIT_DEBUG=1: it costs start-up for every command

    traceback.print_exception(exc)


def exit_code_for(error: KmskitError) -> int:
    if isinstance(error, _USAGE_ERRORS):
        return EXIT_USAGE
    return EXIT_FAILED if isinstance(error, _OPERATION_FAILURES) else EXIT_USAGE


def _quiet_broken_pipe() -> int:
    """The reader of stdout went away (``kmskit … | head``): stop quietly, as Unix tools do.
    stdout is pointed at /dev/null so that the interpreter's final flush cannot complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, AttributeError, ValueError):
        pass
    return EXIT_BROKEN_PIPE


def _file_error(exc: OSError) -> str:
    """One line for an OSError that escaped the verbs (the library names its own)."""
    where = f"{exc.filename}: " if exc.filename else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS) and not where:
        where = "standard output: " if exc.errno != errno.EIO else ""
    return f"FileAccessError: {where}{exc.strerror or exc}"


# Groups that fail as the AWS CLI does (cli/_kms_errors.py).
_AWS_CLI_GROUPS = ("kms",)


def report_failure(exc: BaseException, *, aws_cli: bool) -> int:
    """Print the one stderr line for a failure that is not click's, and return the exit
    code. The click-free fast paths (cli/verify_fast_path.py, cli/kms_fast_path.py) report
    through here too, so a failure reads the same whichever path ran the command."""
    debug = os.environ.get("KMSKIT_DEBUG") == "1"
    if isinstance(exc, BrokenPipeError):
        return _quiet_broken_pipe()
    if isinstance(exc, KeyboardInterrupt):
        click.echo("Interrupted.", err=True)
        return EXIT_INTERRUPTED
    if isinstance(exc, UnicodeEncodeError) and "surrogates" in str(exc):
        # An argument that was not UTF-8 (PEP 383) reached a text field.
        click.echo("ValidationException: an argument is not valid UTF-8", err=True)
        return EXIT_USAGE
    if debug:
        _print_traceback(exc)
    if isinstance(exc, KmsCallFailed):
        click.echo(exc.line(one_line(str(exc.error))), err=True)
        return exc.exit_code
    if isinstance(exc, KmskitError):
        click.echo(f"{exc.code}: {one_line(str(exc))}", err=True)
        return exit_code_for(exc)
    if isinstance(exc, OSError):  # the file system said no (a full disk under stdout, …)
        click.echo(_file_error(exc), err=True)
        return EXIT_FAILED
    # A bug: still one line, unless debugging.
    click.echo(f"InternalError: {type(exc).__name__}: {exc} (KMSKIT_DEBUG=1 shows more)", err=True)
    return AWS_CLI_OTHER if aws_cli else EXIT_USAGE


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return the exit code (the console script calls ``sys.exit`` on it)."""
    args = sys.argv[1:] if argv is None else argv
    aws_cli = bool(args) and args[0] in _AWS_CLI_GROUPS
    try:
        # With standalone_mode=False click returns ctx.exit(n)'s code instead of raising.
        returned = kmskit.main(args=argv, prog_name="kmskit", standalone_mode=False)
        if sys.stdout is not None:
            sys.stdout.flush()  # a full disk or a closed pipe shows up here, not at exit
        if isinstance(returned, int) and returned != EXIT_OK:
            return returned
    except click.exceptions.Abort as exc:
        # click turns KeyboardInterrupt and EOFError (a prompt on a closed stdin) into Abort.
        if isinstance(exc.__context__, EOFError):
            click.echo("UsageError: standard input ended before a value was read", err=True)
            return EXIT_USAGE
        click.echo("Interrupted.", err=True)
        return EXIT_INTERRUPTED
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
    except SystemExit as exc:
        # click answers EPIPE by wrapping stdout in its _PacifyFlushWrapper and calling
        # sys.exit(1), with no message; a reader that went away is not a failure.
        if exc.code == 1 and "PacifyFlush" in type(sys.stdout).__name__:
            return _quiet_broken_pipe()
        raise
    except (Exception, KeyboardInterrupt) as exc:
        return report_failure(exc, aws_cli=aws_cli)
    return EXIT_OK


def _interrupted_while_exiting(signum: int, frame: FrameType | None) -> None:
    os.write(2, b"Interrupted.\n")
    os._exit(EXIT_INTERRUPTED)


def run() -> None:
    """Run the CLI as the console script does (kmskit.cli.entry calls this for everything
    but the root --help/--version). Until here Ctrl-C exits 130 at once (kmskit.cli.entry);
    now the imports are done, so it unwinds (discarding unfinished outputs) and main()
    reports it."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        code = main()
    except KeyboardInterrupt:  # between main() returning and here
        code = EXIT_INTERRUPTED
    try:
        sys.exit(code)
    finally:
        # Nothing more may reach a reader that went away, nor a traceback on Ctrl-C.
        signal.signal(signal.SIGINT, _interrupted_while_exiting)
