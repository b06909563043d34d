"""``kmskit serve`` (the AWS KMS API over HTTP) and ``kmskit access-key create|list|delete``
(the credentials it accepts). docs/server.md is the guide.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING

import click

from kmskit.cli._kms_caller import ENV_PASSPHRASE
from kmskit.cli.keystore_admin import HOME_OPTION, open_home
from kmskit.offline.errors import KmskitError, PassphraseRequiredError

if TYPE_CHECKING:
    from kmskit.keystore import Keystore

__all__ = ["access_key", "serve"]


class ServerExtraMissing(KmskitError):
    """``kmskit serve`` needs the ``server`` extra (uvicorn, botocore)."""

    code = "ServerExtraMissing"


class ListenError(KmskitError):
    """The address cannot be listened on (in use, not ours, no permission)."""

    code = "ListenError"


def _require_server_extra() -> None:
    try:
        import botocore  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise ServerExtraMissing(
            f"kmskit serve needs {exc.name}: pip install 'kmskit[server]'"
        ) from None


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=int,
    default=8080,
    show_default=True,
    help="Port to listen on; 0 picks a free one (printed at start).",
)
@HOME_OPTION
@click.option("--tls-cert", metavar="FILE", help="Serve HTTPS with this PEM certificate chain.")
@click.option("--tls-key", metavar="FILE", help="The PEM private key of --tls-cert.")
@click.option(
    "--allow-insecure-bind",
    is_flag=True,
    help="Serve plain HTTP on an address that is not loopback (keys and plaintext cross"
    " the network unencrypted).",
)
def serve(
    host: str,
    port: int,
    home: str | None,
    tls_cert: str | None,
    tls_key: str | None,
    allow_insecure_bind: bool,
) -> None:
    """Serve the AWS KMS API (JSON 1.1, SigV4) on the local keystore.

    Point any AWS SDK, the aws CLI or Terraform at it with --endpoint-url or
    AWS_ENDPOINT_URL_KMS, and credentials from `kmskit access-key create`. Listens on
    127.0.0.1 unless told otherwise; another address needs --tls-cert/--tls-key or
    --allow-insecure-bind. SIGTERM stops it after the requests in flight. GET /health
    answers {"Status": "OK"}.
    """
    _require_server_extra()
    from kmskit.keystore import open_keystore
    from kmskit.server.serve import ServeOptions, bind
    from kmskit.server.serve import serve as run_server

    options = ServeOptions(host, port, tls_cert, tls_key, allow_insecure_bind)
    # Open once here so that a wrong home or passphrase is one line now, not a log line
    # from the server thread; the server then opens its own on the keystore's thread.
    passphrase = os.environ.get(ENV_PASSPHRASE) or None
    with open_home(home) as ks:
        where = ks.home
        if ks.config.sealing == "passphrase" and passphrase is None:
            # A passphrase typed at open_home's prompt cannot reach the server's own open.
            raise PassphraseRequiredError(
                f"kmskit serve opens the passphrase home {where} with {ENV_PASSPHRASE}"
            )

    def open_store() -> Keystore:
        return open_keystore(where, passphrase=passphrase, create=False)

    try:
        sock = bind(options)
    except OSError as exc:
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    click.echo(
        f"kmskit serve: listening on {options.scheme}://{shown}:{bound_port}"
        f" (keystore {where})"
    )
    sys.stdout.flush()  # the line must reach a pipe before the server runs
    run_server(open_store, options, sock)


@click.group("access-key")
@HOME_OPTION
@click.pass_context
def access_key(ctx: click.Context, home: str | None) -> None:
    """Issue, list and delete the access keys kmskit serve accepts."""
    ctx.meta["kmskit.home"] = home


def _home(ctx: click.Context, home: str | None) -> str | None:
    return home or ctx.meta.get("kmskit.home")


@access_key.command("create")
@HOME_OPTION
@click.option(
    "--principal",
    required=True,
    metavar="ARN",
    help="Who the key authenticates as: arn:aws:iam::<account>:user/NAME (or role/NAME).",
)
@click.pass_context
def create(ctx: click.Context, home: str | None, principal: str) -> None:
    """Print a new access key as JSON (AccessKeyId, SecretAccessKey): the secret is shown
    only now; the keystore keeps it sealed."""
    with open_home(_home(ctx, home)) as ks:
        created = ks.create_access_key(principal)
    click.echo(json.dumps(created.to_response(), indent=4))


@access_key.command("list")
@HOME_OPTION
@click.pass_context
def list_keys(ctx: click.Context, home: str | None) -> None:
    """Print every access key (never a secret) as JSON."""
    with open_home(_home(ctx, home)) as ks:
        keys = [k.to_response() for k in ks.list_access_keys()]
    click.echo(json.dumps({"AccessKeys": keys}, indent=4))


@access_key.command("delete")
@HOME_OPTION
@click.option("--access-key-id", required=True, help="The access key to delete.")
@click.pass_context
def delete(ctx: click.Context, home: str | None, access_key_id: str) -> None:
    """Delete an access key: requests signed with it fail from now on."""
    with open_home(_home(ctx, home)) as ks:
        ks.delete_access_key(access_key_id)
