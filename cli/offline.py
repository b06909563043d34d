"""``kmskit offline …``: public-key operations with no KMS, flags named as in ``aws kms``.

Each command parses its arguments, makes one library call and prints the result. Blob
results go to ``--out`` as raw bytes; without ``--out`` they are printed base64 (text) or
inside the AWS-shaped JSON response (``--output json``).
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

import click

from cli._files import read_blob, write_output
from offline.specs import (
    EncryptionAlgorithm,
    KeyAgreementAlgorithm,
    KeySpec,
    MessageType,
    SigningAlgorithm,
)

if TYPE_CHECKING:
    from offline.keys import PublicKey


def _names(enum: Any) -> click.Choice:
    return click.Choice([m.value for m in enum])


_OUTPUT = click.option(
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people; json for the AWS-shaped response.",
)
_FORCE_OUT = "Replace --out if it exists."


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _print_json(doc: dict[str, Any]) -> None:
    click.echo(json.dumps({k: v for k, v in doc.items() if v is not None}, indent=2))


def _emit_blob(
    data: bytes,
    field: str,
    response: dict[str, Any],
    *,
    out: str | None,
    output: str,
    force: bool,
    secret: bool = False,
) -> None:
    """Write a blob result to --out, or print it; the JSON response carries it base64."""
    if out is not None:
        if out == "-" and output == "json":
            raise click.UsageError("--out - and --output json would both write to stdout")
        write_output(out, data, force=force, secret=secret)
        if output == "json":
            _print_json({**response, field: _b64(data)})
        return
    if output == "json":
        _print_json({**response, field: _b64(data)})
    else:
        click.echo(_b64(data))


def _sm2_id(text: str | None, hex_id: str | None) -> bytes | None:
    if text is not None and hex_id is not None:
        raise click.UsageError("give --sm2-id or --sm2-id-hex, not both")
    if hex_id is not None:
        try:
            return bytes.fromhex(hex_id)
        except ValueError:
            raise click.BadParameter("not hex", param_hint="--sm2-id-hex") from None
    return None if text is None else text.encode("utf-8")


_SM2_ID_OPTIONS = [
    click.option(
        "--sm2-id",
        metavar="TEXT",
        help="SM2 distinguishing ID (UTF-8) for SM2DSA RAW; default 1234567812345678.",
    ),
    click.option("--sm2-id-hex", metavar="HEX", help="SM2 distinguishing ID as hex bytes."),
]


def _with_sm2_id(f: Any) -> Any:
    for option in reversed(_SM2_ID_OPTIONS):
        f = option(f)
    return f


def _key_id(pub: PublicKey) -> str | None:
    return pub.key_id


@click.group()
def offline() -> None:
    """Verify, sign, encrypt, decrypt and derive with keys held locally.

    Public keys may be AWS get-public-key JSON, Alibaba GetPublicKey JSON, PEM or DER
    SubjectPublicKeyInfo (or base64 DER), or an X.509 certificate. Private keys may be
    PKCS#8 or SEC1, PEM or DER, or GenerateDataKeyPair JSON.
    """


@offline.command("inspect-key")
@click.argument("key_file", metavar="FILE")
@_OUTPUT
def inspect_key(key_file: str, output: str) -> None:
    """Show a public key's spec, usage, algorithms and SHA-256 SPKI fingerprint."""
    from offline.keys import load_public_key

    pub = load_public_key(read_blob(key_file, "FILE"))
    doc = {
        "KeyId": pub.key_id,
        "KeyVersionId": pub.key_version_id,
        "KeySpec": str(pub.spec),
        "KeyUsage": None if pub.usage is None else str(pub.usage),
        "SigningAlgorithms": [str(a) for a in pub.signing_algorithms] or None,
        "EncryptionAlgorithms": [str(a) for a in pub.encryption_algorithms] or None,
        "KeyAgreementAlgorithms": [str(a) for a in pub.key_agreement_algorithms] or None,
        "Fingerprint": f"SHA256:{pub.fingerprint()}",
        "PublicKey": _b64(pub.spki_der()),
    }
    if output == "json":
        _print_json(doc)
        return
    rows = [
        ("KeyId", pub.key_id),
        ("KeyVersionId", pub.key_version_id),
        ("KeySpec", str(pub.spec)),
        ("KeyUsage", str(pub.usage) if pub.usage else "unknown (not stated by the input)"),
        ("SigningAlgorithms", ", ".join(pub.signing_algorithms) or "-"),
        ("EncryptionAlgorithms", ", ".join(pub.encryption_algorithms) or "-"),
        ("KeyAgreementAlgorithms", ", ".join(pub.key_agreement_algorithms) or "-"),
        ("Fingerprint", f"SHA256:{pub.fingerprint()}"),
    ]
    for name, value in rows:
        if value is not None:
            click.echo(f"{name + ':':<24}{value}")


@offline.command()
@click.option("--public-key", required=True, metavar="FILE", help="The public key (any format).")
@click.option("--signing-algorithm", required=True, type=_names(SigningAlgorithm))
@click.option("--message", required=True, metavar="FILE", help="The message or digest.")
@click.option(
    "--signature", required=True, metavar="FILE", help="The signature (DER for ECDSA/SM2)."
)
@click.option(
    "--message-type",
    type=_names(MessageType),
    default="RAW",
    show_default=True,
    help="RAW (up to 4096 bytes, hashed here), DIGEST, or EXTERNAL_MU for ML-DSA.",
)
@_with_sm2_id
@click.option(
    "--force",
    is_flag=True,
    help="Verify even if the key's stated usage is not SIGN_VERIFY.",
)
@_OUTPUT
def verify(
    public_key: str,
    signing_algorithm: str,
    message: str,
    signature: str,
    message_type: str,
    sm2_id: str | None,
    sm2_id_hex: str | None,
    force: bool,
    output: str,
) -> None:
    """Verify a signature as KMS Verify would. Exit 0 if valid, 1 if not."""
    from offline.keys import load_public_key
    from offline.signing import verify as verify_signature

    pub = load_public_key(read_blob(public_key, "--public-key"))
    verify_signature(
        pub,
        read_blob(message, "--message"),
        read_blob(signature, "--signature"),
        signing_algorithm,
        message_type,
        sm2_id=_sm2_id(sm2_id, sm2_id_hex),
        force=force,
    )
    if output == "json":
        _print_json(
            {"KeyId": _key_id(pub), "SignatureValid": True, "SigningAlgorithm": signing_algorithm}
        )
    else:
        click.echo(f"Signature is valid ({signing_algorithm}).")


@offline.command()
@click.option("--private-key", required=True, metavar="FILE", help="PKCS#8 or SEC1, PEM or DER.")
@click.option("--signing-algorithm", required=True, type=_names(SigningAlgorithm))
@click.option("--message", required=True, metavar="FILE", help="The message or digest.")
@click.option("--message-type", type=_names(MessageType), default="RAW", show_default=True)
@_with_sm2_id
@click.option("--out", metavar="FILE", help="Write the raw signature here (- for stdout).")
@click.option("--force", is_flag=True, help=_FORCE_OUT)
@_OUTPUT
def sign(
    private_key: str,
    signing_algorithm: str,
    message: str,
    message_type: str,
    sm2_id: str | None,
    sm2_id_hex: str | None,
    out: str | None,
    force: bool,
    output: str,
) -> None:
    """Sign as KMS Sign would, with a local private key (for example a data key pair)."""
    from offline.keys import load_private_key
    from offline.signing import sign as sign_message

    priv = load_private_key(read_blob(private_key, "--private-key"))
    signature = sign_message(
        priv,
        read_blob(message, "--message"),
        signing_algorithm,
        message_type,
        sm2_id=_sm2_id(sm2_id, sm2_id_hex),
    )
    _emit_blob(
        signature,
        "Signature",
        {"SigningAlgorithm": signing_algorithm},
        out=out,
        output=output,
        force=force,
    )


@offline.command()
@click.option("--public-key", required=True, metavar="FILE", help="The public key (any format).")
@click.option("--encryption-algorithm", required=True, type=_names(EncryptionAlgorithm))
@click.option("--plaintext", required=True, metavar="FILE", help="At most the KMS limit.")
@click.option("--out", metavar="FILE", help="Write the raw ciphertext here (- for stdout).")
@click.option(
    "--force",
    is_flag=True,
    help="Encrypt even if the key's stated usage is SIGN_VERIFY or KEY_AGREEMENT (KMS could"
    " never decrypt it), and replace --out if it exists.",
)
@_OUTPUT
def encrypt(
    public_key: str,
    encryption_algorithm: str,
    plaintext: str,
    out: str | None,
    force: bool,
    output: str,
) -> None:
    """Encrypt so that only the KMS key behind the public key can decrypt (KMS Decrypt)."""
    from offline.encryption import encrypt as encrypt_plaintext
    from offline.keys import load_public_key

    pub = load_public_key(read_blob(public_key, "--public-key"))
    ciphertext = encrypt_plaintext(
        pub, read_blob(plaintext, "--plaintext"), encryption_algorithm, force=force
    )
    _emit_blob(
        ciphertext,
        "CiphertextBlob",
        {"KeyId": _key_id(pub), "EncryptionAlgorithm": encryption_algorithm},
        out=out,
        output=output,
        force=force,
    )


@offline.command()
@click.option("--private-key", required=True, metavar="FILE", help="PKCS#8 or SEC1, PEM or DER.")
@click.option("--encryption-algorithm", required=True, type=_names(EncryptionAlgorithm))
@click.option("--ciphertext", required=True, metavar="FILE")
@click.option("--out", metavar="FILE", help="Write the plaintext here, mode 0600 (- for stdout).")
@click.option("--force", is_flag=True, help=_FORCE_OUT)
@_OUTPUT
def decrypt(
    private_key: str,
    encryption_algorithm: str,
    ciphertext: str,
    out: str | None,
    force: bool,
    output: str,
) -> None:
    """Decrypt an RSAES_OAEP or SM2PKE ciphertext with a local private key."""
    from offline.encryption import decrypt as decrypt_ciphertext
    from offline.keys import load_private_key

    priv = load_private_key(read_blob(private_key, "--private-key"))
    plaintext = decrypt_ciphertext(
        priv, read_blob(ciphertext, "--ciphertext"), encryption_algorithm
    )
    _emit_blob(
        plaintext,
        "Plaintext",
        {"EncryptionAlgorithm": encryption_algorithm},
        out=out,
        output=output,
        force=force,
        secret=True,
    )


@offline.command("derive-shared-secret")
@click.option("--private-key", required=True, metavar="FILE", help="Your private key.")
@click.option("--public-key", required=True, metavar="FILE", help="The peer's public key.")
@click.option(
    "--key-agreement-algorithm",
    type=_names(KeyAgreementAlgorithm),
    default="ECDH",
    show_default=True,
)
@click.option("--out", metavar="FILE", help="Write the raw secret here, mode 0600 (- for stdout).")
@click.option(
    "--force",
    is_flag=True,
    help="Derive even if the peer key's stated usage is not KEY_AGREEMENT, and replace --out.",
)
@_OUTPUT
def derive_shared_secret(
    private_key: str,
    public_key: str,
    key_agreement_algorithm: str,
    out: str | None,
    force: bool,
    output: str,
) -> None:
    """Derive the raw ECDH shared secret, as KMS DeriveSharedSecret returns it."""
    from offline.agreement import derive_shared_secret as derive
    from offline.keys import load_private_key, load_public_key

    priv = load_private_key(read_blob(private_key, "--private-key"))
    peer = load_public_key(read_blob(public_key, "--public-key"))
    secret = derive(priv, peer, key_agreement_algorithm, force=force)
    _emit_blob(
        secret,
        "SharedSecret",
        {"KeyAgreementAlgorithm": key_agreement_algorithm},
        out=out,
        output=output,
        force=force,
        secret=True,
    )


_ASYMMETRIC_SPECS = [
    s.value
    for s in KeySpec
    if not s.value.startswith("HMAC") and s not in (KeySpec.SYMMETRIC_DEFAULT, KeySpec.SM4)
]


@offline.command("generate-key-pair")
@click.option("--key-pair-spec", required=True, type=click.Choice(_ASYMMETRIC_SPECS))
@click.option("--private-key-out", required=True, metavar="FILE", help="PKCS#8 PEM, mode 0600.")
@click.option("--public-key-out", required=True, metavar="FILE", help="SPKI PEM.")
@click.option("--force", is_flag=True, help="Replace the output files if they exist.")
@_OUTPUT
def generate_key_pair(
    key_pair_spec: str, private_key_out: str, public_key_out: str, force: bool, output: str
) -> None:
    """Generate a key pair locally, like GenerateDataKeyPair without a KMS key."""
    from offline.keys import generate_private_key

    priv = generate_private_key(KeySpec(key_pair_spec))
    pub = priv.public_key()
    write_output(private_key_out, priv.pkcs8_pem().encode("ascii"), force=force, secret=True)
    write_output(public_key_out, pub.spki_pem().encode("ascii"), force=force)
    if output == "json":
        _print_json(
            {
                "KeyPairSpec": key_pair_spec,
                "PublicKey": _b64(pub.spki_der()),
                "Fingerprint": f"SHA256:{pub.fingerprint()}",
            }
        )
    else:
        click.echo(f"{key_pair_spec} key pair: SHA256:{pub.fingerprint()}")
