"""Key-material wrapping against the OpenSSL recipe in the KMS Developer Guide.

"Importing key material step 3" wraps with `openssl enc -id-aes256-wrap-pad -iv A65959A6`
(AES-KWP, RFC 5649) under a fresh AES-256 key, which `openssl pkeyutl -encrypt` wraps with
RSA-OAEP; the two outputs are concatenated. These tests run that recipe and its inverse.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kmskit.cli.main import main
from kmskit.offline import ValidationException, load_private_key, load_public_key
from kmskit.offline.key_import import unwrap_key_material, wrap_key_material


def openssl(binary: str, *args: str | Path) -> bytes:
    proc = subprocess.run([binary, *map(str, args)], capture_output=True, timeout=60, check=False)
    if proc.returncode != 0:
        pytest.fail(f"openssl {' '.join(map(str, args))}: {proc.stderr.decode()}")
    return proc.stdout


@pytest.fixture(scope="module")
def wrapping(tmp_path_factory: pytest.TempPathFactory, openssl_bin: str) -> Path:
    d = tmp_path_factory.mktemp("import")
    openssl(
        openssl_bin,
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:3072",
        "-out",
        d / "wrap.pem",
    )
    openssl(
        openssl_bin,
        "pkey",
        "-in",
        d / "wrap.pem",
        "-pubout",
        "-outform",
        "DER",
        "-out",
        d / "wrap.der",
    )
    # material of each kind the guide lists: a 256-bit symmetric key, an EC and an RSA key
    openssl(openssl_bin, "rand", "-out", d / "sym.bin", "32")
    openssl(
        openssl_bin,
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-521",
        "-out",
        d / "ec.pem",
    )
    openssl(
        openssl_bin,
        "pkcs8",
        "-topk8",
        "-nocrypt",
        "-in",
        d / "ec.pem",
        "-outform",
        "DER",
        "-out",
        d / "ec.der",
    )
    openssl(
        openssl_bin,
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        d / "rsa.pem",
    )
    openssl(
        openssl_bin,
        "pkcs8",
        "-topk8",
        "-nocrypt",
        "-in",
        d / "rsa.pem",
        "-outform",
        "DER",
        "-out",
        d / "rsa.der",
    )
    return d


@pytest.mark.parametrize("md", ["sha1", "sha256"])
@pytest.mark.parametrize("material", ["sym.bin", "ec.der", "rsa.der"])
def test_openssl_recipe_unwraps_here(
    wrapping: Path, tmp_path: Path, openssl_bin: str, md: str, material: str
) -> None:
    aes = tmp_path / "aes.bin"
    openssl(openssl_bin, "rand", "-out", aes, "32")
    wrapped_material = openssl(
        openssl_bin,
        "enc",
        "-id-aes256-wrap-pad",
        "-K",
        aes.read_bytes().hex(),
        "-iv",
        "A65959A6",
        "-in",
        wrapping / material,
    )
    wrapped_key = openssl(
        openssl_bin,
        "pkeyutl",
        "-encrypt",
        "-in",
        aes,
        "-inkey",
        wrapping / "wrap.der",
        "-keyform",
        "DER",
        "-pubin",
        "-pkeyopt",
        "rsa_padding_mode:oaep",
        "-pkeyopt",
        f"rsa_oaep_md:{md}",
        "-pkeyopt",
        f"rsa_mgf1_md:{md}",
    )
    private = load_private_key((wrapping / "wrap.pem").read_bytes())
    algorithm = f"RSA_AES_KEY_WRAP_SHA_{md[3:]}"
    recovered = unwrap_key_material(private, wrapped_key + wrapped_material, algorithm)
    assert bytes(recovered) == (wrapping / material).read_bytes()


@pytest.mark.parametrize("md", ["sha1", "sha256"])
def test_kmskit_wrap_unwraps_with_openssl(
    wrapping: Path, tmp_path: Path, openssl_bin: str, md: str
) -> None:
    out = tmp_path / "wrapped.bin"
    code = main(
        [
            "offline",
            "wrap-key-material",
            "--wrapping-key",
            str(wrapping / "wrap.der"),
            "--wrapping-algorithm",
            f"RSA_AES_KEY_WRAP_SHA_{md[3:]}",
            "--key-material",
            str(wrapping / "ec.der"),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    blob = out.read_bytes()
    (tmp_path / "key.enc").write_bytes(blob[:384])
    (tmp_path / "mat.enc").write_bytes(blob[384:])
    aes = openssl(
        openssl_bin,
        "pkeyutl",
        "-decrypt",
        "-inkey",
        wrapping / "wrap.pem",
        "-in",
        tmp_path / "key.enc",
        "-pkeyopt",
        "rsa_padding_mode:oaep",
        "-pkeyopt",
        f"rsa_oaep_md:{md}",
        "-pkeyopt",
        f"rsa_mgf1_md:{md}",
    )
    material = openssl(
        openssl_bin,
        "enc",
        "-d",
        "-id-aes256-wrap-pad",
        "-K",
        aes.hex(),
        "-iv",
        "A65959A6",
        "-in",
        tmp_path / "mat.enc",
    )
    assert material == (wrapping / "ec.der").read_bytes()


def test_direct_oaep_and_its_refusals(wrapping: Path, openssl_bin: str) -> None:
    pub = load_public_key((wrapping / "wrap.der").read_bytes())
    symmetric = (wrapping / "sym.bin").read_bytes()
    wrapped = wrap_key_material(pub, symmetric, "RSAES_OAEP_SHA_256")
    theirs = subprocess.run(
        [
            openssl_bin,
            "pkeyutl",
            "-decrypt",
            "-inkey",
            str(wrapping / "wrap.pem"),
            "-pkeyopt",
            "rsa_padding_mode:oaep",
            "-pkeyopt",
            "rsa_oaep_md:sha256",
            "-pkeyopt",
            "rsa_mgf1_md:sha256",
        ],
        input=wrapped,
        capture_output=True,
        check=True,
    ).stdout
    assert theirs == symmetric
    # KMS: RSA private keys only with RSA_AES_KEY_WRAP_*
    with pytest.raises(ValidationException, match="RSA_AES_KEY_WRAP"):
        wrap_key_material(pub, (wrapping / "rsa.der").read_bytes(), "RSAES_OAEP_SHA_256")
    # SM2PKE needs an SM2 wrapping key
    with pytest.raises(ValidationException, match="SM2"):
        wrap_key_material(pub, symmetric, "SM2PKE")


def test_tampered_wrapping_is_invalid_ciphertext(wrapping: Path) -> None:
    from kmskit.offline import InvalidCiphertextException

    pub = load_public_key((wrapping / "wrap.der").read_bytes())
    private = load_private_key((wrapping / "wrap.pem").read_bytes())
    wrapped = bytearray(wrap_key_material(pub, b"k" * 32, "RSA_AES_KEY_WRAP_SHA_256"))
    wrapped[-3] ^= 1
    with pytest.raises(InvalidCiphertextException):
        unwrap_key_material(private, bytes(wrapped), "RSA_AES_KEY_WRAP_SHA_256")


def test_sm2pke_wrapping_decrypts_with_openssl(tmp_path: Path, openssl_bin: str) -> None:
    openssl(openssl_bin, "genpkey", "-algorithm", "SM2", "-out", tmp_path / "sm2.pem")
    pem = openssl(openssl_bin, "pkey", "-in", tmp_path / "sm2.pem", "-pubout")
    wrapped = wrap_key_material(load_public_key(pem), b"s" * 16, "SM2PKE")
    (tmp_path / "w.bin").write_bytes(wrapped)
    theirs = openssl(
        openssl_bin,
        "pkeyutl",
        "-decrypt",
        "-inkey",
        tmp_path / "sm2.pem",
        "-in",
        tmp_path / "w.bin",
    )
    assert theirs == b"s" * 16
    private = load_private_key((tmp_path / "sm2.pem").read_bytes())
    assert bytes(unwrap_key_material(private, wrapped, "SM2PKE")) == b"s" * 16
