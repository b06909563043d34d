"""``kmskit offline …``: public-key operations with no KMS, flags named as in ``aws kms``.

Each command parses its arguments, makes one library call and prints the result (output
conventions in :mod:`cli.offline_output`). ``--force`` only ever overrides a key-usage
refusal; replacing an existing output file is ``--overwrite``, so asking for one never
silently grants the other.
"""

from __future__ import annotations

import click

from kmskit.cli._files import open_input, read_blob
from kmskit.cli.offline_batch import (
    BATCH_OPTIONS,
    DIGEST_OF_OPTION,
    SIGNATURE_FORMAT_OPTION,
    message_or_digest,
    print_batch,
    refuse_with_batch,
    require_option,
)
from kmskit.cli.offline_output import (
    OUTPUT_OPTION,
    OVERWRITE_OPTION,
    b64,
    blob_output,
    emit_blob,
    names_choice,
    print_json,
    sm2_id_from_options,
    with_sm2_id_options,
)
from kmskit.offline.specs import (
    EncryptionAlgorithm,
    KeyAgreementAlgorithm,
    KeySpec,
    MessageType,
    SigningAlgorithm,
    WrappingAlgorithm,
)


@click.group()
def offline() -> None:
    """Verify, sign, encrypt, decrypt and derive with keys held locally.

    Public keys may be AWS get-public-key JSON, Alibaba GetPublicKey JSON, PEM or DER
    SubjectPublicKeyInfo (or base64 DER), or an X.509 certificate. Private keys may be
    PKCS#8 or SEC1, PEM or DER, or GenerateDataKeyPair JSON.
    """


@offline.command("inspect-key")
@click.argument("key_file", metavar="FILE")
@OUTPUT_OPTION
def inspect_key(key_file: str, output: str) -> None:
    """Show a public key's spec, usage, algorithms and SHA-256 SPKI fingerprint.

    With --output json the document has the GetPublicKey shape (plus Fingerprint), so it
    can be given back to any --public-key option.
    """
    from kmskit.offline.keys import load_public_key

    pub = load_public_key(read_blob(key_file, "FILE"))
    if output == "json":
        print_json(
            {
                "KeyId": pub.key_id,
                "KeyVersionId": pub.key_version_id,
                "KeySpec": str(pub.spec),
                "KeyUsage": None if pub.usage is None else str(pub.usage),
                "SigningAlgorithms": list(pub.signing_algorithms) or None,
                "EncryptionAlgorithms": list(pub.encryption_algorithms) or None,
                "KeyAgreementAlgorithms": list(pub.key_agreement_algorithms) or None,
                "Fingerprint": f"SHA256:{pub.fingerprint()}",
                "PublicKey": b64(pub.spki_der()),
            }
        )
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
@click.option("--public-key", metavar="FILE", help="The public key (any format).")
@click.option("--signing-algorithm", type=names_choice(SigningAlgorithm))
@click.option("--message", metavar="FILE", help="The message (RAW, up to 4096 bytes) or digest.")
@DIGEST_OF_OPTION
@click.option(
    "--signature",
    metavar="FILE",
    help="The signature: DER or raw r‖s for ECDSA/SM2, binary, or base64 or hex text of it.",
)
@SIGNATURE_FORMAT_OPTION
@click.option(
    "--message-type",
    type=names_choice(MessageType),
    help="RAW (default; up to 4096 bytes, hashed here), DIGEST, or EXTERNAL_MU for ML-DSA.",
)
@with_sm2_id_options
@click.option(
    "--force", is_flag=True, help="Verify even if the key's stated usage is not SIGN_VERIFY."
)
@BATCH_OPTIONS
@OUTPUT_OPTION
@click.pass_context
def verify(
    ctx: click.Context,
    public_key: str | None,
    signing_algorithm: str | None,
    message: str | None,
    digest_of: str | None,
    signature: str | None,
    signature_format: str,
    message_type: str | None,
    sm2_id: str | None,
    sm2_id_hex: str | None,
    force: bool,
    batch: str | None,
    jobs: int | None,
    output: str,
) -> None:
    """Verify a signature as KMS Verify would. Exit 0 if valid, 1 if not.

    --digest-of FILE hashes a file of any size here and verifies a signature made over that
    digest (MessageType DIGEST, or EXTERNAL_MU for ML-DSA). --batch FILE verifies JSON Lines
    items (docs/offline.md, "Batches"): exit 0 if all are valid, 1 if any is invalid, 2 if
    any item is in error.
    """
    from kmskit.offline.keys import load_public_key
    from kmskit.offline.signing import verify as verify_signature

    if batch is not None:
        refuse_with_batch(
            public_key=public_key,
            signing_algorithm=signing_algorithm,
            message=message,
            digest_of=digest_of,
            signature=signature,
            message_type=message_type,
            sm2_id=sm2_id,
            sm2_id_hex=sm2_id_hex,
            force=force,
        )
        from kmskit.offline.batch import verify_batch

        with open_input(batch, "--batch") as source:
            ctx.exit(print_batch(verify_batch(source, jobs=jobs, signature_form=signature_format)))
    public_key = require_option(public_key, "--public-key")
    signing_algorithm = require_option(signing_algorithm, "--signing-algorithm")
    signature = require_option(signature, "--signature")
    pub = load_public_key(read_blob(public_key, "--public-key"))
    ident = sm2_id_from_options(sm2_id, sm2_id_hex)
    data, mtype, ident = message_or_digest(
        lambda: pub, signing_algorithm, message, digest_of, message_type, ident
    )
    verify_signature(
        pub,
        data,
        read_blob(signature, "--signature"),
        signing_algorithm,
        mtype,
        sm2_id=ident,
        force=force,
        signature_format=signature_format,
    )
    if output == "json":
        print_json(
            {"KeyId": pub.key_id, "SignatureValid": True, "SigningAlgorithm": signing_algorithm}
        )
    else:
        click.echo(f"Signature is valid ({signing_algorithm}).")


@offline.command()
@click.option("--private-key", metavar="FILE", help="PKCS#8 or SEC1, PEM or DER.")
@click.option("--signing-algorithm", type=names_choice(SigningAlgorithm))
@click.option("--message", metavar="FILE", help="The message (RAW, up to 4096 bytes) or digest.")
@DIGEST_OF_OPTION
@click.option("--message-type", type=names_choice(MessageType), help="RAW (default), DIGEST, …")
@with_sm2_id_options
@BATCH_OPTIONS
@blob_output("Write the raw signature here (- for stdout).")
@click.pass_context
def sign(
    ctx: click.Context,
    private_key: str | None,
    signing_algorithm: str | None,
    message: str | None,
    digest_of: str | None,
    message_type: str | None,
    sm2_id: str | None,
    sm2_id_hex: str | None,
    batch: str | None,
    jobs: int | None,
    out: str | None,
    overwrite: bool,
    output: str,
) -> None:
    """Sign as KMS Sign would, with a local private key (for example a data key pair).

    --digest-of FILE signs the digest of a file of any size (MessageType DIGEST, or
    EXTERNAL_MU for ML-DSA). --batch FILE signs JSON Lines items (privateKey instead of
    publicKey) and prints one JSON line per item with signatureBase64, for making fixtures.
    """
    from kmskit.offline.keys import load_private_key
    from kmskit.offline.signing import sign as sign_message

    if batch is not None:
        refuse_with_batch(
            private_key=private_key,
            signing_algorithm=signing_algorithm,
            message=message,
            digest_of=digest_of,
            message_type=message_type,
            sm2_id=sm2_id,
            sm2_id_hex=sm2_id_hex,
            out=out,
        )
        from kmskit.offline.batch import sign_batch

        with open_input(batch, "--batch") as source:
            ctx.exit(print_batch(sign_batch(source, jobs=jobs)))
    private_key = require_option(private_key, "--private-key")
    signing_algorithm = require_option(signing_algorithm, "--signing-algorithm")
    priv = load_private_key(read_blob(private_key, "--private-key"))
    ident = sm2_id_from_options(sm2_id, sm2_id_hex)
    data, mtype, ident = message_or_digest(
        priv.public_key, signing_algorithm, message, digest_of, message_type, ident
    )
    signature = sign_message(priv, data, signing_algorithm, mtype, sm2_id=ident)
    emit_blob(
        signature,
        "Signature",
        {"SigningAlgorithm": signing_algorithm},
        out=out,
        output=output,
        overwrite=overwrite,
    )


@offline.command()
@click.option("--public-key", required=True, metavar="FILE", help="The public key (any format).")
@click.option("--encryption-algorithm", required=True, type=names_choice(EncryptionAlgorithm))
@click.option("--plaintext", required=True, metavar="FILE", help="At most the KMS limit.")
@click.option(
    "--force",
    is_flag=True,
    help="Encrypt even if the key's stated usage is SIGN_VERIFY or KEY_AGREEMENT"
    " (KMS could never decrypt the result).",
)
@blob_output("Write the raw ciphertext here (- for stdout).")
def encrypt(
    public_key: str,
    encryption_algorithm: str,
    plaintext: str,
    force: bool,
    out: str | None,
    overwrite: bool,
    output: str,
) -> None:
    """Encrypt so that only the KMS key behind the public key can decrypt (KMS Decrypt)."""
    from kmskit.offline.encryption import encrypt as encrypt_plaintext
    from kmskit.offline.keys import load_public_key

    pub = load_public_key(read_blob(public_key, "--public-key"))
    ciphertext = encrypt_plaintext(
        pub, read_blob(plaintext, "--plaintext"), encryption_algorithm, force=force
    )
    emit_blob(
        ciphertext,
        "CiphertextBlob",
        {"KeyId": pub.key_id, "EncryptionAlgorithm": encryption_algorithm},
        out=out,
        output=output,
        overwrite=overwrite,
    )


@offline.command()
@click.option("--private-key", required=True, metavar="FILE", help="PKCS#8 or SEC1, PEM or DER.")
@click.option("--encryption-algorithm", required=True, type=names_choice(EncryptionAlgorithm))
@click.option("--ciphertext", required=True, metavar="FILE")
@blob_output("Write the plaintext here, mode 0600 (- for stdout).")
def decrypt(
    private_key: str,
    encryption_algorithm: str,
    ciphertext: str,
    out: str | None,
    overwrite: bool,
    output: str,
) -> None:
    """Decrypt an RSAES_OAEP or SM2PKE ciphertext with a local private key."""
    from kmskit.offline.encryption import decrypt as decrypt_ciphertext
    from kmskit.offline.keys import load_private_key

    priv = load_private_key(read_blob(private_key, "--private-key"))
    plaintext = decrypt_ciphertext(
        priv, read_blob(ciphertext, "--ciphertext"), encryption_algorithm
    )
    emit_blob(
        plaintext,
        "Plaintext",
        {"EncryptionAlgorithm": encryption_algorithm},
        out=out,
        output=output,
        overwrite=overwrite,
        secret=True,
    )


@offline.command("derive-shared-secret")
@click.option("--private-key", required=True, metavar="FILE", help="Your private key.")
@click.option("--public-key", required=True, metavar="FILE", help="The peer's public key.")
@click.option(
    "--key-agreement-algorithm",
    type=names_choice(KeyAgreementAlgorithm),
    default="ECDH",
    show_default=True,
)
@click.option(
    "--force",
    is_flag=True,
    help="Derive even if the peer key's stated usage is not KEY_AGREEMENT.",
)
@blob_output("Write the raw secret here, mode 0600 (- for stdout).")
def derive_shared_secret(
    private_key: str,
    public_key: str,
    key_agreement_algorithm: str,
    force: bool,
    out: str | None,
    overwrite: bool,
    output: str,
) -> None:
    """Derive the raw ECDH shared secret, as KMS DeriveSharedSecret returns it."""
    from kmskit.offline.agreement import derive_shared_secret as derive
    from kmskit.offline.keys import load_private_key, load_public_key

    priv = load_private_key(read_blob(private_key, "--private-key"))
    peer = load_public_key(read_blob(public_key, "--public-key"))
    secret = derive(priv, peer, key_agreement_algorithm, force=force)
    emit_blob(
        secret,
        "SharedSecret",
        {"KeyAgreementAlgorithm": key_agreement_algorithm},
        out=out,
        output=output,
        overwrite=overwrite,
        secret=True,
    )


_ASYMMETRIC_SPECS = [
    s.value
    for s in KeySpec
    if not s.value.startswith("HMAC")
    and s not in (KeySpec.SYMMETRIC_DEFAULT, KeySpec.SM4, KeySpec.AES_128)
]


@offline.command("generate-key-pair")
@click.option("--key-pair-spec", required=True, type=click.Choice(_ASYMMETRIC_SPECS))
@click.option("--private-key-out", required=True, metavar="FILE", help="PKCS#8 PEM, mode 0600.")
@click.option("--public-key-out", required=True, metavar="FILE", help="SPKI PEM.")
@OVERWRITE_OPTION
@OUTPUT_OPTION
def generate_key_pair(
    key_pair_spec: str, private_key_out: str, public_key_out: str, overwrite: bool, output: str
) -> None:
    """Generate a key pair locally, like GenerateDataKeyPair without a KMS key."""
    from kmskit.offline.keys import generate_private_key
    from kmskit.offline.output_file import OutputGroup

    if private_key_out == public_key_out:
        raise click.UsageError("--private-key-out and --public-key-out must differ")
    # Both files or neither: a public key without its private key is a trap.
    with OutputGroup(overwrite=overwrite) as pair:
        pair.check(private_key_out, public_key_out)
        priv = generate_private_key(KeySpec(key_pair_spec))
        pub = priv.public_key()
        pair.add(private_key_out, priv.pkcs8_pem().encode("ascii"), secret=True)
        pair.add(public_key_out, pub.spki_pem().encode("ascii"))
    if output == "json":
        print_json(
            {
                "KeyPairSpec": key_pair_spec,
                "PublicKey": b64(pub.spki_der()),
                "Fingerprint": f"SHA256:{pub.fingerprint()}",
            }
        )
    else:
        click.echo(f"{key_pair_spec} key pair: SHA256:{pub.fingerprint()}")


@offline.command("wrap-key-material")
@click.option(
    "--wrapping-key",
    required=True,
    metavar="FILE",
    help="The wrapping public key: GetParametersForImport JSON, PEM or DER.",
)
@click.option("--wrapping-algorithm", required=True, type=names_choice(WrappingAlgorithm))
@click.option(
    "--key-material",
    required=True,
    metavar="FILE",
    help="Raw symmetric/HMAC key bytes, or a PKCS#8 DER private key.",
)
@blob_output("Write the wrapped material here (- for stdout).")
def wrap_key_material(
    wrapping_key: str,
    wrapping_algorithm: str,
    key_material: str,
    out: str | None,
    overwrite: bool,
    output: str,
) -> None:
    """Wrap key material for ImportKeyMaterial (this keystore or AWS KMS).

    RSA_AES_KEY_WRAP_* output is byte-compatible with the OpenSSL recipe in the KMS
    Developer Guide: RSA-OAEP of a fresh AES-256 key, then AES-KWP (RFC 5649) of the
    material. Pass the result as --encrypted-key-material fileb://FILE.
    """
    from kmskit.offline.key_import import wrap_key_material as wrap
    from kmskit.offline.keys import load_public_key

    pub = load_public_key(read_blob(wrapping_key, "--wrapping-key"))
    wrapped = wrap(pub, read_blob(key_material, "--key-material"), wrapping_algorithm)
    emit_blob(
        wrapped,
        "EncryptedKeyMaterial",
        {"WrappingAlgorithm": wrapping_algorithm},
        out=out,
        output=output,
        overwrite=overwrite,
    )


def _register_sm2_verbs() -> None:
    from kmskit.cli.offline_sm2 import convert_ciphertext, convert_signature, sm2_digest

    for command in (convert_signature, convert_ciphertext, sm2_digest):
        offline.add_command(command)


_register_sm2_verbs()
