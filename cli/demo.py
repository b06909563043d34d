"""``kmskit demo``: the main jobs end to end in a throwaway home, as a transcript.

Each step is printed as the ``kmskit`` command a user would type, then run in-process
through the same command group, so the demo shows real commands and their real output. The
keystore lives in a temporary ``KMSKIT_HOME``; nothing outside the temporary directory is
read or written.
"""

from __future__ import annotations

import contextlib
import hmac
import io
import os
import shlex
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import click

from kmskit.offline.errors import KmskitError


def _run(root: click.Group, command: str, *, expect_failure: str | None = None) -> str:
    """Show ``command`` as a user would type it, run it through the real CLI, and return what
    it printed (which is also shown)."""
    click.secho("$ kmskit " + command, fg="cyan")
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            root.main(args=shlex.split(command), prog_name="kmskit", standalone_mode=False)
    except KmskitError as exc:
        click.echo(buffer.getvalue(), nl=False)
        if expect_failure is None:
            raise
        click.echo(f"{exc.code}: {exc}")
        click.secho(f"   ^ expected: {expect_failure}", fg="green")
        return ""
    click.echo(buffer.getvalue(), nl=False)
    if expect_failure is not None:
        raise click.ClickException(f"this should have failed ({expect_failure}); a bug")
    return buffer.getvalue()


def _same(a: Path, b: Path) -> None:
    if not hmac.compare_digest(a.read_bytes(), b.read_bytes()):
        raise click.ClickException(f"{a.name} and {b.name} differ; the demo found a bug")
    click.secho(f"   {a.name} and {b.name} are identical", fg="green")


def _step(title: str) -> None:
    click.secho(f"\n# {title}", fg="yellow")


@contextlib.contextmanager
def _scratch(keep: bool) -> Iterator[Path]:
    """A temporary working directory holding the keystore home, restored on exit."""
    from kmskit.offline.output_file import keep as forget_on_exit
    from kmskit.offline.output_file import remove_on_exit

    work = Path(tempfile.mkdtemp(prefix="kmskit-demo-"))
    if not keep:
        remove_on_exit(work)  # a master key and plaintext: gone on SIGTERM or SIGHUP too
    old_cwd, old_home = Path.cwd(), os.environ.get("KMSKIT_HOME")
    os.chdir(work)
    os.environ["KMSKIT_HOME"] = str(work / "home")
    try:
        yield work
    finally:
        os.chdir(old_cwd)
        if old_home is None:
            os.environ.pop("KMSKIT_HOME", None)
        else:
            os.environ["KMSKIT_HOME"] = old_home
        if keep:
            click.echo(f"kept {work}")
        else:
            shutil.rmtree(work)
            forget_on_exit(work)


@click.command()
@click.option("--keep", is_flag=True, help="Keep the working directory and print its path.")
@click.pass_context
def demo(ctx: click.Context, keep: bool) -> None:
    """Run the main jobs in a temporary keystore home and show every command.

    Creates KMS keys in a local keystore, encrypts and decrypts a file with envelope
    encryption, generates a data key, signs with an SM2 key and verifies offline with its
    downloaded public key, calls kmskit serve through botocore and through Alibaba's KMS API
    (with the server extra), encrypts a file in the Alibaba Encryption SDK format with the
    Aliyun_SM4 key that made, and checks the audit log.
    """
    root = ctx.find_root().command
    assert isinstance(root, click.Group)
    with _scratch(keep) as work:
        click.secho(f"# export KMSKIT_HOME={work / 'home'}", fg="yellow")
        report = Path("report.csv")
        rows = (f"{i},account-{i:05d},{i * 37 % 1000}.00\n" for i in range(20000))
        report.write_text("".join(rows))

        _step("1. A local keystore and a KMS key with an alias")
        _run(root, "init")
        key_id = _run(
            root,
            "kms create-key --description 'demo root key' --query KeyMetadata.KeyId"
            " --output text",
        ).strip()
        _run(root, f"kms create-alias --alias-name alias/demo --target-key-id {key_id}")

        _step("2. Envelope-encrypt a file under the key, bound to an encryption context")
        _run(root, "encrypt report.csv -o report.csv.kmskit --wrapping-key key=alias/demo"
                   " --encryption-context purpose=demo")
        _run(root, "inspect report.csv.kmskit")
        _run(root, "decrypt report.csv.kmskit -o report.out.csv --wrapping-key key=alias/demo"
                   " --encryption-context purpose=demo")
        _same(report, Path("report.out.csv"))
        _run(root, "decrypt report.csv.kmskit -o wrong.csv --wrapping-key key=alias/demo"
                   " --encryption-context purpose=other",
             expect_failure="the context does not match, and no output file is left")

        _step("3. A data key, as GenerateDataKey returns it")
        _run(root, "kms generate-data-key --key-id alias/demo --key-spec AES_256"
                   " --encryption-context purpose=demo --query KeyId --output text")

        _step("4. SM2: sign in the keystore, verify offline with the downloaded public key")
        sm2_key = _run(
            root,
            "kms create-key --key-spec SM2 --key-usage SIGN_VERIFY"
            " --query KeyMetadata.KeyId --output text",
        ).strip()
        Path("message.txt").write_text("Pay 100 to Alice\n")
        signature = _run(
            root,
            f"kms sign --key-id {sm2_key} --signing-algorithm SM2DSA"
            " --message fileb://message.txt --query Signature --output text",
        ).strip()
        Path("message.sig.b64").write_text(signature)
        with contextlib.redirect_stdout(io.StringIO()) as public_json:
            root.main(args=["kms", "get-public-key", "--key-id", sm2_key], standalone_mode=False)
        Path("sm2-public.json").write_text(public_json.getvalue())
        click.secho(f"$ kmskit kms get-public-key --key-id {sm2_key} > sm2-public.json",
                    fg="cyan")
        _run(root, "offline inspect-key sm2-public.json")
        Path("message.sig").write_bytes(_b64decode(signature))
        _run(root, "offline verify --public-key sm2-public.json --signing-algorithm SM2DSA"
                   " --message message.txt --signature message.sig")
        Path("forged.txt").write_text("Pay 900 to Mallory\n")
        _run(root, "offline verify --public-key sm2-public.json --signing-algorithm SM2DSA"
                   " --message forged.txt --signature message.sig",
             expect_failure="the message was altered")

        if _server_extra_installed():
            _step("5. kmskit serve: the same keystore behind the AWS KMS API (SigV4)")
            sm4_key = _serve_step(root)
            _step("6. Alibaba: the SM4 key made through the Alibaba API encrypts a file in"
                  " the Alibaba Encryption SDK format (algorithm id 9, SM4-GCM)")
            _aliyun_file_step(root, sm4_key)

        _step("7. The audit log: every operation, hash-chained, no secrets")
        _run(root, "audit verify")
        click.secho("\n# demo finished: every step passed", fg="green")


def _server_extra_installed() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("uvicorn", "botocore"))


def _serve_step(root: click.Group) -> str:
    """Start ``kmskit serve`` on a free loopback port, make one real SigV4 call with
    botocore (what boto3 and the aws CLI use) and one Alibaba RPC call (CreateKey of an
    Aliyun_SM4 key, signed as aliyun-python-sdk-core signs), and stop it with SIGTERM.
    Returns the new SM4 key's id."""
    import json
    import signal
    import subprocess
    import sys

    import botocore.session

    created = json.loads(
        _run(root, "access-key create --principal arn:aws:iam::111122223333:user/demo")
    )
    click.secho("$ kmskit serve --port 0 &", fg="cyan")
    server = subprocess.Popen(
        [sys.executable, "-m", "kmskit", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        click.echo(line, nl=False)
        if "listening on " not in line:
            raise click.ClickException("kmskit serve did not start; the demo found a bug")
        url = line.split("listening on ", 1)[1].split()[0]
        click.secho(
            f"# boto3.client('kms', endpoint_url='{url}', region_name='eu-west-1', ...)"
            ".describe_key(KeyId='alias/demo')",
            fg="cyan",
        )
        client = botocore.session.get_session().create_client(
            "kms",
            endpoint_url=url,
            region_name="eu-west-1",
            aws_access_key_id=created["AccessKeyId"],
            aws_secret_access_key=created["SecretAccessKey"],
        )
        arn = client.describe_key(KeyId="alias/demo")["KeyMetadata"]["Arn"]
        click.echo(f"KeyMetadata.Arn = {arn}")
        click.secho("   the ARN names the client's region, eu-west-1", fg="green")
        sm4_key = _aliyun_create_key(url, created["AccessKeyId"], created["SecretAccessKey"])
        aws_view = client.describe_key(KeyId=sm4_key)["KeyMetadata"]
        click.secho(f"# boto3 ... .describe_key(KeyId='{sm4_key}')", fg="cyan")
        click.echo(f"KeyMetadata.KeySpec = {aws_view['KeySpec']}")
        click.secho("   one keystore, two APIs: Aliyun_SM4 is the AWS API's SM4", fg="green")
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=30)
        if server.stdout is not None:
            server.stdout.close()
    click.secho(f"$ kill -TERM %1   # graceful stop, exit {code}", fg="cyan")
    return sm4_key


def _aliyun_create_key(url: str, access_key_id: str, secret: str) -> str:
    """One Alibaba KMS OpenAPI call (RPC, HMAC-SHA1), as aliyun-python-sdk-kms sends it."""
    import json
    import urllib.parse
    import urllib.request
    import uuid
    from datetime import UTC, datetime

    from kmskit.keystore.aliyun_rpc_signature import rpc_signature

    params = {
        "Action": "CreateKey",
        "Version": "2016-01-20",
        "KeySpec": "Aliyun_SM4",
        "KeyUsage": "ENCRYPT/DECRYPT",
        "RegionId": "cn-hangzhou",
        "Format": "JSON",
        "AccessKeyId": access_key_id,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": str(uuid.uuid4()),
        "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    params["Signature"] = rpc_signature("POST", params, secret.encode())[0]
    click.secho(
        "# POST / Action=CreateKey&KeySpec=Aliyun_SM4&RegionId=cn-hangzhou&…&Signature=…"
        "   (Alibaba KMS OpenAPI 2016-01-20, HMAC-SHA1)",
        fg="cyan",
    )
    request = urllib.request.Request(  # noqa: S310 (the loopback URL kmskit serve printed)
        url + "/",
        data=urllib.parse.urlencode(params).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as reply:  # noqa: S310
        meta = json.load(reply)["KeyMetadata"]
    click.echo(f"KeyMetadata.Arn = {meta['Arn']}\nKeyMetadata.KeySpec = {meta['KeySpec']}")
    return str(meta["KeyId"])


def _aliyun_file_step(root: click.Group, key_id: str) -> None:
    _run(root, f"encrypt report.csv -o report.csv.aliyun --format aliyun --algorithm SM4_GCM"
               f" --wrapping-key key={key_id} --encryption-context purpose=demo")
    _run(root, "inspect report.csv.aliyun")
    _run(root, f"decrypt report.csv.aliyun -o report.aliyun.csv --wrapping-key key={key_id}"
               " --encryption-context purpose=demo")
    _same(Path("report.csv"), Path("report.aliyun.csv"))


def _b64decode(text: str) -> bytes:
    import base64

    return base64.b64decode(text)
