"""``kmskit kms OPERATION`` for plain invocations, parsed and printed without click.

A script that calls ``kmskit kms describe-key`` once per key pays start-up every time, and
importing click costs about as much as the keystore work itself (issue 10 sets
``kmskit kms describe-key`` at ≤ 6× ``python -c pass``). The operations are the keystore's
operation table either way (:mod:`kmskit.keystore.api_table`); this module only replaces
the command-line parsing for the simple forms, and leaves everything else to the click
command (:mod:`kmskit.cli.kms`):

* Handled here: an operation that is not a listing and prints json or text, given only
  string and boolean parameters (``--key-id X``, ``--flag``/``--no-flag``), each once, plus
  the global options ``--output json|text``, ``--region``, ``--principal``, ``--home`` and
  the ones the AWS CLI accepts and kmskit ignores. The words are split by the click
  command's own splitter (:func:`kmskit.cli._aws_words.split_words`).
* Left to click, before anything is opened or written: ``--help``, ``--query``,
  ``--cli-input-json``, a ``file://`` value, a blob, number, map or list parameter, a
  repeated or unknown flag, a missing required parameter, ``AWS_DEFAULT_OUTPUT`` set to
  something else than json or text, and a passphrase home that needs asking for its
  passphrase.
* Once the keystore is opened, the operation runs here to the end: it fails as the click
  command fails, through the same :func:`kmskit.cli.main.report_failure` (click is imported
  then, for the error line only).

``tests/cli/test_kms_fast_path.py`` runs operations both ways and compares stdout, stderr,
exit status and the audit log.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import TYPE_CHECKING, Any

from kmskit.cli._aws_globals import OUTPUTS, default_output
from kmskit.cli._aws_words import CommandLineError, flag_table, split_words

if TYPE_CHECKING:
    from kmskit.keystore.api import Operation

__all__ = ["try_kms"]

# Global options whose meaning this path implements; any other one with a meaning (a query,
# paging, --cli-input-json, --cli-binary-format) is left to click.
_HANDLED_GLOBALS = ("output", "region", "principal", "home")
# Parameter kinds whose command-line word is the value itself (after the file:// check).
_SIMPLE_KINDS = ("string", "boolean")


def _parse(operation: Operation, args: list[str]) -> tuple[dict[str, Any], dict[str, str]] | None:
    """(request, chosen global options), or None for anything left to click. The words are
    split by the click command's own splitter (:mod:`kmskit.cli._aws_words`); this only
    narrows what it accepts."""
    try:
        split = split_words(flag_table(operation.params, paginated=False), args)
    except CommandLineError:
        return None
    raw, chosen, repeated = split.raw, split.chosen, split.repeated
    if repeated or any(dest not in _HANDLED_GLOBALS for dest in chosen):
        return None
    options = {dest: str(value) for dest, value in chosen.items()}
    request: dict[str, Any] = {}
    for member, (param, value) in raw.items():
        if param.kind not in _SIMPLE_KINDS or param.cli_only:
            return None
        if isinstance(value, bool):
            request[member] = value
        elif value[0].startswith(("file://", "fileb://")):
            return None  # a file's contents: click's paramfile reading
        else:
            request[member] = value[0]
    if any(p.required and p.member not in request for p in operation.params):
        return None
    return request, options


def _output(chosen: dict[str, str]) -> str | None:
    """--output, else AWS_DEFAULT_OUTPUT, else json; None for a value click must refuse."""
    if "output" in chosen:
        return chosen["output"] if chosen["output"] in OUTPUTS else None
    return default_output(OUTPUTS)


def _run(operation: Operation, request: dict[str, Any], chosen: dict[str, str]) -> int | None:
    from kmskit.cli._aws_render import format_json, format_text
    from kmskit.cli._kms_caller import env_passphrase, principal_arn, region
    from kmskit.cli._kms_errors import KmsCallFailed
    from kmskit.keystore import open_keystore
    from kmskit.keystore.api import call, refuse_unsupported, response, wipe_result
    from kmskit.offline.errors import KmskitError, PassphraseRequiredError

    output = _output(chosen)
    if output is None:
        return None
    # From here on the command runs to its end, so Ctrl-C unwinds (closing the keystore) and
    # is reported as click's run would (kmskit.cli.main.run does the same).
    early_handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        try:
            refuse_unsupported(operation, request, lambda param: param.cli_flag)
            try:
                # An empty --home, --region or --principal means "not given", as there.
                keystore = open_keystore(
                    chosen.get("home") or None, passphrase=env_passphrase(), create=True
                )
            except PassphraseRequiredError:
                # The click command asks on a terminal, or says what to set; until it has
                # loaded, Ctrl-C exits quietly again (kmskit.cli.entry).
                signal.signal(signal.SIGINT, early_handler)
                return None
            try:
                principal = principal_arn(chosen.get("principal") or None, keystore)
                with keystore.as_caller(
                    region=region(chosen.get("region") or None), principal=principal
                ):
                    result = call(keystore, operation, request)
                    try:
                        data: Any = dict(response(result))
                        if output == "text":
                            sys.stdout.write(format_text(data))
                        elif data != {}:
                            sys.stdout.write(format_json(data))
                    finally:
                        wipe_result(result)  # results holding plaintext: clear our copy
            finally:
                keystore.close()
        except KmskitError as exc:
            raise KmsCallFailed(operation.api, exc) from exc
        sys.stdout.flush()  # a full disk or a closed pipe shows up here, not at exit
    except (Exception, KeyboardInterrupt) as exc:
        from kmskit.cli.main import report_failure

        return report_failure(exc, aws_cli=True)
    return 0


def try_kms(args: list[str]) -> int | None:
    """Run ``kmskit kms ARGS`` if it is a form handled here and return its exit status, or
    return None, having opened and written nothing, for the click command to run it."""
    if not args or sys.stdout is None:
        return None
    if any(k.startswith("_KMSKIT_COMPLETE") for k in os.environ):
        return None  # shell completion is click's
    from kmskit.keystore.api_table import operation_for_command

    operation = operation_for_command(args[0])
    if operation is None or operation.list_key or tuple(operation.outputs) != OUTPUTS:
        return None
    parsed = _parse(operation, args[1:])
    if parsed is None:
        return None
    return _run(operation, *parsed)
