"""``kmskit demo``: the main jobs end to end in a throwaway directory, as a transcript.

Each step is printed as the ``kmskit`` command a user would type, then run in-process
through the same command group, so the demo shows real commands and their real output.
"""

from __future__ import annotations

import hmac
import os
import shlex
import tempfile
from pathlib import Path

import click

from offline.errors import KmskitError


def _run(root: click.Group, command: str, *, expect_failure: bool = False) -> None:
    """Show ``command`` as a user would type it, then run it through the real CLI."""
    args = shlex.split(command)
    click.secho("$ kmskit " + command, fg="cyan")
    try:
        root.main(args=args, prog_name="kmskit", standalone_mode=False)
    except KmskitError as exc:
        if not expect_failure:
            raise
        click.echo(f"{exc.code}: {exc}   <- expected: the message was altered")
        return
    if expect_failure:
        raise click.ClickException("the tampered message verified; the demo found a bug")


def _same(a: Path, b: Path) -> None:
    if not hmac.compare_digest(a.read_bytes(), b.read_bytes()):
        raise click.ClickException(f"{a.name} and {b.name} differ; the demo found a bug")
    click.echo(f"   {a.name} == {b.name}")


@click.command()
@click.option("--keep", is_flag=True, help="Keep the working directory and print its path.")
@click.pass_context
def demo(ctx: click.Context, keep: bool) -> None:
    """Run the main jobs offline in a temporary directory and show every command."""
    root = ctx.find_root().command
    assert isinstance(root, click.Group)
    work = Path(tempfile.mkdtemp(prefix="kmskit-demo-"))
    old = Path.cwd()
    os.chdir(work)
    try:
        click.secho(f"# working in {work}", fg="yellow")
        Path("message.txt").write_text("Pay 100 to Alice\n")
        Path("secret.txt").write_text("the launch code is 0000\n")

        click.secho("\n# 1. Key pairs, as GenerateDataKeyPair makes them", fg="yellow")
        for name, spec in (
            ("rsa", "RSA_3072"),
            ("alice", "ECC_NIST_P256"),
            ("bob", "ECC_NIST_P256"),
            ("sm2", "SM2"),
        ):
            _run(
                root,
                f"offline generate-key-pair --key-pair-spec {spec}"
                f" --private-key-out {name}.key --public-key-out {name}.pub",
            )
        _run(root, "offline inspect-key sm2.pub")

        click.secho("\n# 2. Sign and verify (ECDSA), then a tampered message", fg="yellow")
        ecdsa = "--signing-algorithm ECDSA_SHA_256"
        _run(
            root,
            f"offline sign --private-key alice.key {ecdsa} --message message.txt --out message.sig",
        )
        _run(
            root,
            f"offline verify --public-key alice.pub {ecdsa} --message message.txt"
            " --signature message.sig",
        )
        Path("forged.txt").write_text("Pay 900 to Mallory\n")
        _run(
            root,
            f"offline verify --public-key alice.pub {ecdsa} --message forged.txt"
            " --signature message.sig",
            expect_failure=True,
        )

        click.secho("\n# 3. SM2 signature with the default distinguishing ID", fg="yellow")
        _run(
            root,
            "offline sign --private-key sm2.key --signing-algorithm SM2DSA"
            " --message message.txt --out message.sm2sig",
        )
        _run(
            root,
            "offline verify --public-key sm2.pub --signing-algorithm SM2DSA"
            " --message message.txt --signature message.sm2sig --output json",
        )

        click.secho("\n# 4. Encrypt a file to a public key (RSA-OAEP and SM2PKE)", fg="yellow")
        for key, alg in (("rsa", "RSAES_OAEP_SHA_256"), ("sm2", "SM2PKE")):
            _run(
                root,
                f"offline encrypt --public-key {key}.pub --encryption-algorithm {alg}"
                f" --plaintext secret.txt --out secret.{key}.bin",
            )
            _run(
                root,
                f"offline decrypt --private-key {key}.key --encryption-algorithm {alg}"
                f" --ciphertext secret.{key}.bin --out secret.{key}.txt",
            )
            _same(Path("secret.txt"), Path(f"secret.{key}.txt"))

        click.secho("\n# 5. ECDH: both sides derive the same secret", fg="yellow")
        _run(
            root,
            "offline derive-shared-secret --private-key alice.key --public-key bob.pub"
            " --out alice.secret",
        )
        _run(
            root,
            "offline derive-shared-secret --private-key bob.key --public-key alice.pub"
            " --out bob.secret",
        )
        _same(Path("alice.secret"), Path("bob.secret"))
        click.secho("\n# demo finished: every step passed", fg="green")
    finally:
        os.chdir(old)
        if keep:
            click.echo(f"kept {work}")
        else:
            for path in sorted(work.rglob("*"), reverse=True):
                path.unlink()
            work.rmdir()
