"""``kmskit init`` and ``kmskit audit list|verify``, and opening a keystore home for a command.

The home is ``--home DIR``, else ``$KMSKIT_HOME``, else ``~/.kmskit`` (docs/keystore.md).
A passphrase home is opened with ``KMSKIT_PASSPHRASE``; without it, a terminal is asked
(input hidden) and anything else gets one line saying to set the variable.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import click

from kmskit.cli._kms_caller import ENV_PASSPHRASE, env_passphrase

if TYPE_CHECKING:
    from kmskit.keystore import Keystore


HOME_OPTION = click.option(
    "--home",
    metavar="DIR",
    default=None,
    help="Keystore home (default: $KMSKIT_HOME, else ~/.kmskit).",
)


def _interactive() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


@contextlib.contextmanager
def open_home(home: str | None, *, create: bool = True) -> Iterator[Keystore]:
    """Open the keystore at ``home`` (creating it on first use if ``create``); close it
    afterwards.

    Raises PassphraseRequiredError with a hint when a passphrase is needed and cannot be
    asked for, and IncorrectPassphraseError for a wrong one.
    """
    from kmskit.keystore import open_keystore
    from kmskit.keystore.home import resolve_home
    from kmskit.offline.errors import PassphraseRequiredError

    passphrase = env_passphrase()
    try:
        keystore = open_keystore(home, passphrase=passphrase, create=create)
    except PassphraseRequiredError:
        where = resolve_home(home)
        if passphrase is not None or not _interactive():
            raise PassphraseRequiredError(
                f"the keystore at {where} is sealed with a passphrase;"
                f" set {ENV_PASSPHRASE} (or run on a terminal to be asked)"
            ) from None
        entered = click.prompt(f"Passphrase for {where}", hide_input=True, err=True)
        keystore = open_keystore(home, passphrase=entered, create=create)
    try:
        yield keystore
    finally:
        keystore.close()


def _new_passphrase(wanted: bool) -> str | None:
    """The passphrase for a new home: KMSKIT_PASSPHRASE, or asked twice with --passphrase."""
    from kmskit.offline.errors import PassphraseRequiredError

    env = env_passphrase()
    if env is not None:
        return env
    if not wanted:
        return None
    if not _interactive():
        raise PassphraseRequiredError(
            f"--passphrase needs a terminal to ask on; or set {ENV_PASSPHRASE}"
        )
    entered: str = click.prompt(
        "New passphrase", hide_input=True, confirmation_prompt="Repeat it", err=True
    )
    return entered


@click.command()
@HOME_OPTION
@click.option(
    "--passphrase",
    is_flag=True,
    help=f"Seal with a passphrase (asked twice) instead of a key file. {ENV_PASSPHRASE},"
    " when set, is used and also selects passphrase mode.",
)
@click.option("--partition", default="aws", show_default=True, help="ARN partition.")
@click.option("--region", default="us-east-1", show_default=True, help="ARN region.")
@click.option("--account-id", default="111122223333", show_default=True, help="ARN account.")
@click.option(
    "--naming",
    type=click.Choice(["aws", "alibaba"]),
    default="aws",
    show_default=True,
    help="Which cloud's rules the keystore follows where they differ.",
)
def init(
    home: str | None, passphrase: bool, partition: str, region: str, account_id: str, naming: str
) -> None:
    """Create a keystore home (any kms command also creates one on first use).

    The master key is a random 32-byte key file (master.key, mode 0600) unless a
    passphrase is chosen; then it is derived with scrypt and nothing secret is stored.
    """
    from kmskit.keystore import init_home
    from kmskit.keystore.home import resolve_home

    config = init_home(
        home,
        passphrase=_new_passphrase(passphrase),
        partition=partition,
        region=region,
        account_id=account_id,
        naming=naming,
    )
    sealing = "passphrase (scrypt)" if config.sealing == "passphrase" else "key file master.key"
    click.echo(f"Created keystore {resolve_home(home)}")
    click.echo(f"  sealed with: {sealing}")
    click.echo(f"  key ARNs:    {config.key_arn('<key-id>')}")
    click.echo(f"  naming:      {config.naming}")


@click.group()
@HOME_OPTION
@click.pass_context
def audit(ctx: click.Context, home: str | None) -> None:
    """Read and check the keystore's hash-chained audit log."""
    ctx.meta["kmskit.home"] = home


def _audit_home(ctx: click.Context, home: str | None) -> str | None:
    return home or ctx.meta.get("kmskit.home")


@audit.command("list")
@HOME_OPTION
@click.option(
    "--output",
    type=click.Choice(["json", "text"]),
    default="json",
    show_default=True,
    help="json: one JSON object per line; text: one tab-separated line per record.",
)
@click.pass_context
def audit_list(ctx: click.Context, home: str | None, output: str) -> None:
    """Print every audit record, oldest first (never a secret: no plaintext, no keys)."""
    from kmskit.keystore import open_audit_log

    with open_audit_log(_audit_home(ctx, home)) as log:
        for record in log.records():
            doc = record.to_dict()
            if output == "json":
                click.echo(json.dumps(doc, ensure_ascii=False, separators=(",", ":")))
            else:
                click.echo("\t".join(_text_fields(doc)))


def _text_fields(doc: dict[str, Any]) -> list[str]:
    context = doc.get("EncryptionContext") or {}
    return [
        str(doc.get("Sequence", "")),
        str(doc.get("Time", "")),
        str(doc.get("Operation", "")),
        str(doc.get("KeyArn") or "-"),
        str(doc.get("Outcome", "")),
        json.dumps(context, ensure_ascii=False, sort_keys=True) if context else "-",
    ]


@audit.command("verify")
@HOME_OPTION
@click.pass_context
def audit_verify(ctx: click.Context, home: str | None) -> None:
    """Recompute the hash chain. Exit 0 and print the count and head hash, or exit 1
    naming the first record that does not match (the log was edited).

    The keystore's audit anchor (count and head hash, kept beside the master key) also
    shows a log cut short and a database deleted or replaced.
    """
    from kmskit.keystore import open_audit_log
    from kmskit.offline.errors import AuditLogError

    with open_audit_log(_audit_home(ctx, home)) as log:
        report = log.verify()
    if report.first_bad_sequence is not None:
        raise AuditLogError(
            f"audit log broken at record {report.first_bad_sequence}: it does not match the"
            " hash chain (edited or removed)"
        )
    if report.anchor_problem is not None:
        raise AuditLogError(report.anchor_problem)
    click.echo(f"Audit log OK: {report.count} records, head hash {report.head_hash}")
