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


@click.command("convert-signature")
@click.option("--signature", required=True, metavar="FILE", help="The SM2 signature.")
@click.option("--from", "from_form", type=click.Choice(["DER", "RAW"]), required=True)
@click.option("--to", "to_form", type=click.Choice(["DER", "RAW"]), required=True)
@blob_output("Write the result here (- for stdout).")
def convert_signature(
    signature: str, from_form: str, to_form: str, out: str | None, overwrite: bool, output: str
) -> None:
    """Convert an SM2 signature between DER SEQUENCE{r, s} (KMS) and raw 64-byte r‖s."""
    from kmskit.offline import sm2

    data = read_blob(signature, "--signature")
    der = data if from_form == "DER" else sm2.signature_raw_to_der(data)
    result = der if to_form == "DER" else sm2.signature_der_to_raw(der)
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
