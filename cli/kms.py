"""``kmskit kms <operation>``: the ``aws kms`` operations on the local keystore.

Operation names, flags and JSON shapes are those of ``aws kms`` (the flags are the service
model's member names in kebab case; see :mod:`cli._aws_args`), so a script written for
``aws kms`` runs with ``kmskit kms``. Each operation parses its flags, makes one keystore
call and prints the response (:mod:`cli._aws_output`). List operations page through every
result as the AWS CLI does.

Parameters a local keystore cannot honour (custom key stores, Nitro enclave recipients, dry
runs) are refused with ``UnsupportedOperationException`` rather than dropped.

Every operation runs as a principal (``--principal ARN``, else ``KMSKIT_PRINCIPAL``, else
the home account's root) and is authorized by the key policy and grants first
(docs/authorization.md); a refusal is ``AccessDeniedException``.

The operations themselves (parameters, the keystore call) are the keystore's operation
table (:mod:`keystore.api_table`), which ``kmskit serve`` drives too; this module builds the
commands from it and runs them. docs/cli.md lists every deviation from ``aws kms``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from kmskit.cli._aws_args import AwsCommand
from kmskit.cli._aws_globals import GlobalOptions
from kmskit.cli._files import check_output_path, write_output
from kmskit.cli._kms_caller import principal_arn, region
from kmskit.cli._kms_errors import KmsCallFailed
from kmskit.cli.keystore_admin import HOME_OPTION, open_home
from kmskit.keystore.api import (
    Operation,
    Result,
    call,
    refuse_unsupported,
    response,
    wipe_result,
)
from kmskit.keystore.api_table import OPERATIONS
from kmskit.offline.errors import KmskitError

if TYPE_CHECKING:
    from kmskit.keystore import Keystore

__all__ = ["OPERATIONS", "KmsCallFailed", "Operation", "kms"]


# -- the group ----------------------------------------------------------------------------


@click.group()
@HOME_OPTION
@click.option(
    "--principal",
    metavar="ARN",
    default=None,
    help="Act as this IAM principal (default: $KMSKIT_PRINCIPAL, else the account root).",
)
@click.pass_context
def kms(ctx: click.Context, home: str | None, principal: str | None) -> None:
    """The aws kms operations on the local keystore, with the same flags and JSON.

    Replace `aws kms` with `kmskit kms` in a script. Blob arguments are base64 or
    fileb://FILE; --encryption-context takes JSON or k=v,k2=v2; --query and
    --output json|text work as in the AWS CLI (get-public-key also takes --output pem).
    `kmskit kms OPERATION --help` lists an operation's flags; beside each operation below
    is the KMS API it calls. docs/cli.md lists every difference from aws kms.

    Each call is made as --principal (an IAM ARN; default $KMSKIT_PRINCIPAL, else
    arn:aws:iam::<home account>:root) and checked against the key policy and grants
    (docs/authorization.md).
    """
    ctx.meta["kmskit.home"] = home
    ctx.meta["kmskit.principal"] = principal


def _run(operation: Operation, request: dict[str, Any], options: GlobalOptions) -> None:
    try:
        _call(operation, request, options)
    except KmskitError as exc:
        raise KmsCallFailed(operation.api, exc) from exc


@contextmanager
def _keystore(options: GlobalOptions) -> Iterator[Keystore]:
    meta = click.get_current_context().meta
    home = options.home or meta.get("kmskit.home")
    with open_home(home) as ks:
        principal = principal_arn(options.principal or meta.get("kmskit.principal"), ks)
        with ks.as_caller(region=region(options.region), principal=principal):
            yield ks


def _call(operation: Operation, request: dict[str, Any], options: GlobalOptions) -> None:
    from kmskit.cli._aws_output import emit, emit_pages, paginate

    refuse_unsupported(operation, request, lambda param: param.cli_flag)
    out = request.get("Out")
    if out is not None:  # refuse an output we may not write before doing any work
        check_output_path(out, overwrite=bool(request.get("Overwrite")))
    with _keystore(options) as ks:
        if operation.list_key and options.paginate:

            def fetch(limit: int | None, marker: str | None) -> Mapping[str, Any]:
                return response(call(ks, operation, {**request, "Limit": limit, "Marker": marker}))

            pages, token = paginate(fetch, operation.list_key, options)
            emit_pages(pages, operation.list_key, token, options)
            return
        result = call(ks, operation, request)
        try:
            if options.output == "pem":
                _emit_pem(result, out, overwrite=bool(request.get("Overwrite")))
            else:
                emit(response(result), options)
        finally:
            wipe_result(result)  # results holding plaintext: clear our copy


def _emit_pem(result: Result, out: str | None, *, overwrite: bool) -> None:
    """``--output pem``: the result's PEM text, on stdout or written atomically to ``out``."""
    to_pem = getattr(result, "to_pem", None)
    if not callable(to_pem):
        raise TypeError("this operation has no PEM output")  # a bug in the table
    text = str(to_pem())
    if out is None:
        click.echo(text, nl=False)
    else:
        write_output(out, text.encode("ascii"), overwrite=overwrite)


def _command(operation: Operation) -> AwsCommand:
    return AwsCommand(
        operation.name,
        params=operation.params,
        callback=functools.partial(_run, operation),
        help=operation.summary,
        paginated=bool(operation.list_key),
        api_name=operation.api,
        outputs=operation.outputs,
    )


for _operation in OPERATIONS:
    kms.add_command(_command(_operation))
