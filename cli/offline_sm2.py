"""``kmskit offline`` verbs that exist only for SM2 interop: encodings and the SM2 digest.

KMS speaks DER (signatures) and GM/T 0009 DER (SM2PKE ciphertexts). gmssl, BouncyCastle and
most hardware speak raw r‖s and C1C3C2 or C1C2C3; these verbs translate, so kmskit output
can be fed to them and theirs verified here.
"""

from __future__ import annotations

import click

from kmskit.cli._files import open_input, read_blob
from kmskit.cli.offline_output import (
    blob_output,
    emit_blob,
    sm2_id_from_options,
    with_sm2_id_options,
)

_ENCODINGS = click.Choice(["DER", "C1C3C2", "C1C2C3"])


_EC_SPECS = ["ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1", "SM2"]


@click.command("convert-signature")
@click.option(
    "--signature",
    required=True,
    metavar="FILE",
    help="The ECDSA or SM2 signature (binary, or base64 or hex text of it).",
)
@click.option(
    "--key-spec",
    type=click.Choice(_EC_SPECS),
    default="SM2",
    show_default=True,
    help="The signing key's spec (sets the raw r‖s width).",
)
@click.option("--from", "from_form", type=click.Choice(["DER", "RAW", "AUTO"]), required=True)
@click.option("--to", "to_form", type=click.Choice(["DER", "RAW"]), required=True)
@blob_output("Write the result here (- for stdout).")
def convert_signature(
    signature: str,
    key_spec: str,
    from_form: str,
    to_form: str,
    out: str | None,
    overwrite: bool,
    output: str,
) -> None:
    """Convert an ECDSA or SM2 signature between DER SEQUENCE{r, s} (KMS) and raw r‖s.

    Raw r‖s (IEEE P1363, JOSE, PKCS#11, gmssl) pads r and s to the curve order's length:
    64 bytes for P-256, secp256k1 and SM2, 96 for P-384, 132 for P-521.
    """
    from kmskit.offline.signature_forms import convert_ec_signature
    from kmskit.offline.specs import KeySpec

    result = convert_ec_signature(
        read_blob(signature, "--signature"),
        KeySpec(key_spec),
        from_form=from_form.lower(),  # type: ignore[arg-type]
        to_form=to_form.lower(),  # type: ignore[arg-type]
    )
    emit_blob(
        result, "Signature", {"Encoding": to_form}, out=out, output=output, overwrite=overwrite
    )


@click.command("convert-ciphertext")
@click.option("--ciphertext", required=True, metavar="FILE", help="The SM2PKE ciphertext.")
@click.option("--from", "from_form", type=_ENCODINGS, required=True)
@click.option("--to", "to_form", type=_ENCODINGS, required=True)
@click.option(
    "--no-prefix",
    is_flag=True,
    help="Omit the 04 point-format byte before C1 in raw output (gmssl's default form).",
)
@blob_output("Write the result here (- for stdout).")
def convert_ciphertext(
    ciphertext: str,
    from_form: str,
    to_form: str,
    no_prefix: bool,
    out: str | None,
    overwrite: bool,
    output: str,
) -> None:
    """Convert an SM2PKE ciphertext between GM/T 0009 DER (KMS), C1C3C2 and C1C2C3.

    Raw input is accepted with or without the 04 prefix.
    """
    from kmskit.offline import sm2

    result = sm2.convert_ciphertext(
        read_blob(ciphertext, "--ciphertext"),
        from_encoding=from_form,
        to_encoding=to_form,
        prefix=not no_prefix,
    )
    emit_blob(
        result, "CiphertextBlob", {"Encoding": to_form}, out=out, output=output, overwrite=overwrite
    )


@click.command("sm2-digest")
@click.option("--public-key", required=True, metavar="FILE", help="The signer's SM2 public key.")
@click.option("--message", required=True, metavar="FILE")
@with_sm2_id_options
@blob_output("Write the 32-byte e here (- for stdout).")
def sm2_digest(
    public_key: str,
    message: str,
    sm2_id: str | None,
    sm2_id_hex: str | None,
    out: str | None,
    overwrite: bool,
    output: str,
) -> None:
    """Compute e = SM3(Z_A ‖ M), the DIGEST that SM2DSA signs (GB/T 32918.2 §6.1).

    Use it to sign large messages with KMS: compute e here with the signer's public key and
    ID, then call Sign with MessageType DIGEST.
    """
    from kmskit.offline import sm2
    from kmskit.offline.keys import load_public_key
    from kmskit.offline.specs import KeySpec

    pub = load_public_key(read_blob(public_key, "--public-key"))
    if pub.spec is not KeySpec.SM2 or not isinstance(pub.key, sm2.SM2PublicKey):
        raise click.UsageError(f"--public-key is {pub.spec}, not an SM2 key")
    ident = sm2_id_from_options(sm2_id, sm2_id_hex)
    with open_input(message, "--message") as fh:
        e = sm2.compute_e_stream(pub.key, fh, sm2.DEFAULT_ID if ident is None else ident)
    emit_blob(e, "Digest", {"MessageType": "DIGEST"}, out=out, output=output, overwrite=overwrite)
