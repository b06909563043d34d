"""Round trips between the offline layer and the ``openssl`` CLI (OpenSSL 3.0), both ways.

openssl is the oracle: it generates every key, and whatever it signs, encrypts or derives
must agree with kmskit, and the reverse. Expected values never come from kmskit itself:
key specs, digest names and the KMS plaintext maxima are written out below from the AWS KMS
Developer Guide, so a wrong table in ``offline.specs`` fails here.

ED25519_PH_SHA_512 is absent on purpose: OpenSSL 3.0 has no Ed25519ph (3.2 added it).
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from kmskit.offline import (
    InvalidCiphertextException,
    KMSInvalidSignatureException,
    ValidationException,
    decrypt,
    derive_shared_secret,
    encrypt,
    load_private_key,
    load_public_key,
    sign,
    verify,
)

# `openssl genpkey` arguments per KMS key spec.
_GENPKEY: dict[str, list[str]] = {
    "RSA_2048": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    "RSA_3072": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
    "RSA_4096": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096"],
    "ECC_NIST_P256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    "ECC_NIST_P384": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
    "ECC_NIST_P521": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"],
    "ECC_SECG_P256K1": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"],
    "ECC_NIST_EDWARDS25519": ["-algorithm", "ED25519"],
}
_EC_SPECS = ("ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1")

# The openssl digest behind each KMS signing algorithm (KMS API reference, Sign).
_DIGEST: dict[str, str] = {
    "RSASSA_PSS_SHA_256": "sha256",
    "RSASSA_PSS_SHA_384": "sha384",
    "RSASSA_PSS_SHA_512": "sha512",
    "RSASSA_PKCS1_V1_5_SHA_256": "sha256",
    "RSASSA_PKCS1_V1_5_SHA_384": "sha384",
    "RSASSA_PKCS1_V1_5_SHA_512": "sha512",
    "ECDSA_SHA_256": "sha256",
    "ECDSA_SHA_384": "sha384",
    "ECDSA_SHA_512": "sha512",
}

# Every (key spec, algorithm) pair signed in each direction. RSA_2048 carries all six RSA
# algorithms; one case each for RSA_3072 and RSA_4096 keeps the slow key sizes covered.
_SIGN_CASES = [
    ("RSA_2048", "RSASSA_PSS_SHA_256"),
    ("RSA_2048", "RSASSA_PSS_SHA_384"),
    ("RSA_2048", "RSASSA_PSS_SHA_512"),
    ("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256"),
    ("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_384"),
    ("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_512"),
    ("RSA_3072", "RSASSA_PSS_SHA_384"),
    ("RSA_4096", "RSASSA_PKCS1_V1_5_SHA_512"),
    ("ECC_NIST_P256", "ECDSA_SHA_256"),
    ("ECC_NIST_P384", "ECDSA_SHA_384"),
    ("ECC_NIST_P521", "ECDSA_SHA_512"),
    ("ECC_SECG_P256K1", "ECDSA_SHA_256"),
    ("ECC_NIST_EDWARDS25519", "ED25519_SHA_512"),
]
# DIGEST message type: every algorithm above except ED25519_SHA_512, which KMS takes RAW only.
_DIGEST_CASES = [case for case in _SIGN_CASES if case[1] != "ED25519_SHA_512"]

# KMS Encrypt plaintext maxima (KMS Developer Guide, "RSA key specs for encryption").
_OAEP_MAX = {
    ("RSA_2048", "RSAES_OAEP_SHA_1"): 214,
    ("RSA_2048", "RSAES_OAEP_SHA_256"): 190,
    ("RSA_3072", "RSAES_OAEP_SHA_1"): 342,
    ("RSA_3072", "RSAES_OAEP_SHA_256"): 318,
    ("RSA_4096", "RSAES_OAEP_SHA_1"): 470,
    ("RSA_4096", "RSAES_OAEP_SHA_256"): 446,
}
_OAEP_MD = {"RSAES_OAEP_SHA_1": "sha1", "RSAES_OAEP_SHA_256": "sha256"}

MESSAGE = b"kmskit <-> openssl interop\x00\xff" + bytes(range(256)) * 4


def _case_id(case: tuple[str, str]) -> str:
    return f"{case[0]}-{case[1]}"


def _altered(data: bytes) -> bytes:
    return bytes([data[0] ^ 0x01]) + data[1:]


@dataclass(frozen=True)
class OpenSSL:
    """Runs the openssl CLI; ``ok`` demands success, ``run`` returns the result."""

    binary: str

    def run(self, *args: str | Path) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [self.binary, *map(str, args)], capture_output=True, check=False, timeout=120
        )

    def ok(self, *args: str | Path) -> None:
        result = self.run(*args)
        assert result.returncode == 0, (
            f"openssl {' '.join(map(str, args))} failed ({result.returncode}):\n"
            f"{result.stderr.decode(errors='replace')}"
        )


@dataclass(frozen=True)
class KeyFiles:
    private_pem: Path  # PKCS#8, as `openssl genpkey` writes it
    public_pem: Path  # SubjectPublicKeyInfo, from `openssl pkey -pubout`
    public_der: Path


@pytest.fixture(scope="module")
def ossl(openssl_bin: str) -> OpenSSL:
    return OpenSSL(openssl_bin)


@pytest.fixture(scope="module")
def openssl_key(ossl: OpenSSL, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., KeyFiles]:
    """``openssl_key(spec, name="a")``: an openssl-generated key, made once per module."""
    directory = tmp_path_factory.mktemp("openssl-keys")
    made: dict[tuple[str, str], KeyFiles] = {}

    def get(spec: str, name: str = "a") -> KeyFiles:
        if (spec, name) not in made:
            stem = directory / f"{spec}-{name}"
            files = KeyFiles(Path(f"{stem}.pem"), Path(f"{stem}.pub.pem"), Path(f"{stem}.pub.der"))
            ossl.ok("genpkey", *_GENPKEY[spec], "-out", files.private_pem)
            ossl.ok("pkey", "-in", files.private_pem, "-pubout", "-out", files.public_pem)
            ossl.ok(
                "pkey",
                "-in",
                files.private_pem,
                "-pubout",
                "-outform",
                "DER",
                "-out",
                files.public_der,
            )
            made[(spec, name)] = files
        return made[(spec, name)]

    return get


def _pss_options(flag: str, algorithm: str) -> list[str]:
    """PSS as KMS does it: MGF1 with the signing hash, salt length = hash length."""
    if not algorithm.startswith("RSASSA_PSS"):
        return []
    md = _DIGEST[algorithm]
    return [
        flag,
        "rsa_padding_mode:pss",
        flag,
        "rsa_pss_saltlen:digest",
        flag,
        f"rsa_mgf1_md:{md}",
    ]


def _openssl_sign_raw(
    ossl: OpenSSL, key: KeyFiles, algorithm: str, message: Path, out: Path
) -> None:
    if algorithm == "ED25519_SHA_512":
        ossl.ok(
            "pkeyutl", "-sign", "-inkey", key.private_pem, "-rawin", "-in", message, "-out", out
        )
        return
    ossl.ok(
        "dgst",
        f"-{_DIGEST[algorithm]}",
        "-sign",
        key.private_pem,
        *_pss_options("-sigopt", algorithm),
        "-out",
        out,
        message,
    )


def _openssl_verify_raw(
    ossl: OpenSSL, key: KeyFiles, algorithm: str, message: Path, signature: Path
) -> subprocess.CompletedProcess[bytes]:
    if algorithm == "ED25519_SHA_512":
        return ossl.run(
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            key.public_pem,
            "-rawin",
            "-in",
            message,
            "-sigfile",
            signature,
        )
    return ossl.run(
        "dgst",
        f"-{_DIGEST[algorithm]}",
        "-verify",
        key.public_pem,
        *_pss_options("-sigopt", algorithm),
        "-signature",
        signature,
        message,
    )


# ---------------------------------------------------------------------------------------------
# Loading what openssl writes


@pytest.mark.parametrize("spec", list(_GENPKEY))
def test_load_openssl_private_key(
    spec: str, ossl: OpenSSL, openssl_key: Callable[..., KeyFiles], tmp_path: Path
) -> None:
    key = openssl_key(spec)
    pkcs8_der, native_der = tmp_path / "pkcs8.der", tmp_path / "native.der"
    ossl.ok(
        "pkcs8", "-topk8", "-nocrypt", "-in", key.private_pem, "-outform", "DER", "-out", pkcs8_der
    )
    # OpenSSL 3.0 `pkey -outform DER` writes the type-specific form (PKCS#1, SEC1, or
    # PKCS#8 for Ed25519), not PKCS#8: one more format that must load.
    ossl.ok("pkey", "-in", key.private_pem, "-outform", "DER", "-out", native_der)
    expected_spki = key.public_der.read_bytes()
    for path in (key.private_pem, pkcs8_der, native_der):
        private = load_private_key(path.read_bytes())
        assert private.spec == spec, path.name
        assert private.public_key().spki_der() == expected_spki, path.name
        # What kmskit writes back as PKCS#8 is the same key to openssl.
        ours = tmp_path / "ours.der"
        ours.write_bytes(private.pkcs8_der())
        ossl.ok("pkcs8", "-nocrypt", "-inform", "DER", "-in", ours, "-out", tmp_path / "o.pem")
        public_of_ours = tmp_path / "ours.pub.der"
        ossl.ok(
            "pkey",
            "-inform",
            "DER",
            "-in",
            ours,
            "-pubout",
            "-outform",
            "DER",
            "-out",
            public_of_ours,
        )
        assert public_of_ours.read_bytes() == expected_spki, path.name


@pytest.mark.parametrize("spec", _EC_SPECS)
def test_load_openssl_sec1_private_key(
    spec: str, ossl: OpenSSL, openssl_key: Callable[..., KeyFiles], tmp_path: Path
) -> None:
    key = openssl_key(spec)
    sec1_pem, sec1_der = tmp_path / "sec1.pem", tmp_path / "sec1.der"
    ossl.ok("ec", "-in", key.private_pem, "-out", sec1_pem)
    ossl.ok("ec", "-in", key.private_pem, "-outform", "DER", "-out", sec1_der)
    assert sec1_pem.read_bytes().startswith(b"-----BEGIN EC PRIVATE KEY-----")
    for path in (sec1_pem, sec1_der):
        private = load_private_key(path.read_bytes())
        assert private.spec == spec
        assert private.public_key().spki_der() == key.public_der.read_bytes()


def test_load_openssl_pkcs1_rsa_keys(
    ossl: OpenSSL, openssl_key: Callable[..., KeyFiles], tmp_path: Path
) -> None:
    key = openssl_key("RSA_2048")
    private_pkcs1, public_pkcs1 = tmp_path / "rsa.pem", tmp_path / "rsa.pub.pem"
    ossl.ok("rsa", "-in", key.private_pem, "-traditional", "-out", private_pkcs1)
    ossl.ok("rsa", "-in", key.private_pem, "-RSAPublicKey_out", "-out", public_pkcs1)
    assert private_pkcs1.read_bytes().startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    assert public_pkcs1.read_bytes().startswith(b"-----BEGIN RSA PUBLIC KEY-----")
    assert load_private_key(private_pkcs1.read_bytes()).spec == "RSA_2048"
    public = load_public_key(public_pkcs1.read_bytes())
    assert public.spki_der() == key.public_der.read_bytes()


@pytest.mark.parametrize("spec", list(_GENPKEY))
def test_load_openssl_public_key_and_certificate(
    spec: str, ossl: OpenSSL, openssl_key: Callable[..., KeyFiles], tmp_path: Path
) -> None:
    key = openssl_key(spec)
    cert_pem, cert_der = tmp_path / "cert.pem", tmp_path / "cert.der"
    ossl.ok(
        "req",
        "-x509",
        "-new",
        "-key",
        key.private_pem,
        "-subj",
        "/CN=kmskit interop",
        "-days",
        "1",
        "-out",
        cert_pem,
    )
    ossl.ok("x509", "-in", cert_pem, "-outform", "DER", "-out", cert_der)
    b64 = tmp_path / "pub.b64"
    ossl.ok("base64", "-in", key.public_der, "-out", b64)
    expected_spki = key.public_der.read_bytes()
    for path in (key.public_pem, key.public_der, b64, cert_pem, cert_der):
        public = load_public_key(path.read_bytes())
        assert public.spec == spec, path.name
        assert public.usage is None, path.name  # a bare key or certificate does not say
        assert public.spki_der() == expected_spki, path.name


# ---------------------------------------------------------------------------------------------
# Signatures: openssl signs, kmskit verifies


@pytest.mark.parametrize("case", _SIGN_CASES, ids=_case_id)
def test_openssl_signs_kmskit_verifies_raw(
    case: tuple[str, str], ossl: OpenSSL, openssl_key: Callable[..., KeyFiles], tmp_path: Path
) -> None:
    spec, algorithm = case
    key = openssl_key(spec)
    message, signature = tmp_path / "msg", tmp_path / "sig"
    message.write_bytes(MESSAGE)
    _openssl_sign_raw(ossl, key, algorithm, message, signature)
    sig = signature.read_bytes()
    for public_blob in (key.public_pem.read_bytes(), key.public_der.read_bytes()):
        public = load_public_key(public_blob)
        assert verify(public, MESSAGE, sig, algorithm) is True
        assert verify(public, MESSAGE, sig, algorithm, "RAW") is True
        with pytest.raises(KMSInvalidSignatureException):
            verify(public, _altered(MESSAGE), sig, algorithm)
        with pytest.raises(KMSInvalidSignatureException):
            verify(public, MESSAGE, _altered(sig), algorithm)


@pytest.mark.parametrize("case", _DIGEST_CASES, ids=_case_id)
def test_openssl_signs_digest_kmskit_verifies_digest(
    case: tuple[str, str], ossl: OpenSSL, openssl_key: Callable[..., KeyFiles], tmp_path: Path
) -> None:
    spec, algorithm = case
    key = openssl_key(spec)
    md = _DIGEST[algorithm]
    digest = hashlib.new(md, MESSAGE).digest()
    digest_file, signature = tmp_path / "digest.bin", tmp_path / "sig"
    digest_file.write_bytes(digest)
    ossl.ok(
        "pkeyutl",
        "-sign",
        "-inkey",
        key.private_pem,
        "-in",
        digest_file,
        "-out",
        signature,
        "-pkeyopt",
        f"digest:{md}",
        *_pss_options("-pkeyopt", algorithm),
    )
    sig = signature.read_bytes()
    public = load_public_key(key.public_pem.read_bytes())
    assert verify(public, digest, sig, algorithm, "DIGEST") is True
    # The same signature is over the RAW message whose hash is that digest.
    assert verify(public, MESSAGE, sig, algorithm, "RAW") is True
    with pytest.raises(KMSInvalidSignatureException):
        verify(public, _altered(digest), sig, algorithm, "DIGEST")


def test_openssl_pss_with_other_salt_length_is_refused(
    ossl: OpenSSL, openssl_key: Callable[..., KeyFiles], tmp_path: Path
) -> None:
    """KMS PSS uses salt = hash length; openssl's default (max salt) is a different signature.

    openssl itself agrees: `rsa_pss_saltlen:digest` rejects what `:max` made.
    """
    key = openssl_key("RSA_2048")
    message, signature = tmp_path / "msg", tmp_path / "sig"
    message.write_bytes(MESSAGE)
    ossl.ok(
        "dgst",
        "-sha256",
        "-sign",
        key.private_pem,
        "-sigopt",
        "rsa_padding_mode:pss",
        "-sigopt",
        "rsa_pss_saltlen:max",
        "-out",
        signature,
        message,
    )
    auto = ossl.run(
        "dgst",
        "-sha256",
        "-verify",
        key.public_pem,
        "-sigopt",
        "rsa_padding_mode:pss",
        "-sigopt",
        "rsa_pss_saltlen:auto",
        "-signature",
        signature,
        message,
    )
    assert auto.returncode == 0, auto.stderr
    strict = _openssl_verify_raw(ossl, key, "RSASSA_PSS_SHA_256", message, signature)
    assert strict.returncode != 0
    public = load_public_key(key.public_pem.read_bytes())
    with pytest.raises(KMSInvalidSignatureException):
        verify(public, MESSAGE, signature.read_bytes(), "RSASSA_PSS_SHA_256")


# ---------------------------------------------------------------------------------------------
# Signatures: kmskit signs, openssl verifies


@pytest.mark.parametrize("case", _SIGN_CASES, ids=_case_id)
def test_kmskit_signs_openssl_verifies_raw(
    case: tuple[str, str], ossl: OpenSSL, openssl_key: Callable[..., KeyFiles], tmp_path: Path
) -> None:
    spec, algorithm = case
    key = openssl_key(spec)
    private = load_private_key(key.private_pem.read_bytes())
    message, altered, signature = tmp_path / "msg", tmp_path / "altered", tmp_path / "sig"
    message.write_bytes(MESSAGE)
    altered.write_bytes(_altered(MESSAGE))
    signature.write_bytes(sign(private, MESSAGE, algorithm))
    good = _openssl_verify_raw(ossl, key, algorithm, message, signature)
    assert good.returncode == 0, good.stderr.decode(errors="replace")
    assert _openssl_verify_raw(ossl, key, algorithm, altered, signature).returncode != 0


@pytest.mark.parametrize("case", _DIGEST_CASES, ids=_case_id)
def test_kmskit_signs_digest_openssl_verifies(
    case: tuple[str, str], ossl: OpenSSL, openssl_key: Callable[..., KeyFiles], tmp_path: Path
) -> None:
    spec, algorithm = case
    key = openssl_key(spec)
    md = _DIGEST[algorithm]
    digest = hashlib.new(md, MESSAGE).digest()
    private = load_private_key(key.private_pem.read_bytes())
    digest_file, altered, signature = tmp_path / "digest", tmp_path / "altered", tmp_path / "sig"
    digest_file.write_bytes(digest)
    altered.write_bytes(_altered(digest))
    signature.write_bytes(sign(private, digest, algorithm, "DIGEST"))

    def openssl_verify(data: Path) -> subprocess.CompletedProcess[bytes]:
        return ossl.run(
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            key.public_pem,
            "-in",
            data,
            "-sigfile",
            signature,
            "-pkeyopt",
            f"digest:{md}",
            *_pss_options("-pkeyopt", algorithm),
        )

    good = openssl_verify(digest_file)
    assert good.returncode == 0, good.stderr.decode(errors="replace")
    assert openssl_verify(altered).returncode != 0
    # A DIGEST signature is the RAW signature of the message: `openssl dgst` agrees.
    message = tmp_path / "msg"
    message.write_bytes(MESSAGE)
    assert _openssl_verify_raw(ossl, key, algorithm, message, signature).returncode == 0


# ---------------------------------------------------------------------------------------------
# RSAES_OAEP encryption, both ways


def _oaep_options(algorithm: str) -> list[str]:
    md = _OAEP_MD[algorithm]
    return [
        "-pkeyopt",
        "rsa_padding_mode:oaep",
        "-pkeyopt",
        f"rsa_oaep_md:{md}",
        "-pkeyopt",
        f"rsa_mgf1_md:{md}",
    ]


@pytest.mark.parametrize("algorithm", list(_OAEP_MD))
def test_kmskit_encrypts_openssl_decrypts(
    algorithm: str, ossl: OpenSSL, openssl_key: Callable[..., KeyFiles], tmp_path: Path
) -> None:
    key = openssl_key("RSA_2048")
    plaintext = b"a data key \x00\x01\x02 for an offline recipient"
    ciphertext, recovered = tmp_path / "ct", tmp_path / "pt"
    ciphertext.write_bytes(
        encrypt(load_public_key(key.public_pem.read_bytes()), plaintext, algorithm)
    )
    ossl.ok(
        "pkeyutl",
        "-decrypt",
        "-inkey",
        key.private_pem,
        "-in",
        ciphertext,
        "-out",
        recovered,
        *_oaep_options(algorithm),
    )
    assert recovered.read_bytes() == plaintext
    # The other OAEP hash does not decrypt it: the algorithm name really selects the hash.
    other = next(a for a in _OAEP_MD if a != algorithm)
    wrong = ossl.run(
        "pkeyutl",
        "-decrypt",
        "-inkey",
        key.private_pem,
        "-in",
        ciphertext,
        "-out",
        tmp_path / "wrong",
        *_oaep_options(other),
    )
    assert wrong.returncode != 0


@pytest.mark.parametrize("algorithm", list(_OAEP_MD))
def test_openssl_encrypts_kmskit_decrypts(
    algorithm: str, ossl: OpenSSL, openssl_key: Callable[..., KeyFiles], tmp_path: Path
) -> None:
    key = openssl_key("RSA_2048")
    plaintext = b"\xffopenssl-made ciphertext\x00"
    source, ciphertext = tmp_path / "pt", tmp_path / "ct"
    source.write_bytes(plaintext)
    ossl.ok(
        "pkeyutl",
        "-encrypt",
        "-pubin",
        "-inkey",
        key.public_pem,
        "-in",
        source,
        "-out",
        ciphertext,
        *_oaep_options(algorithm),
    )
    private = load_private_key(key.private_pem.read_bytes())
    assert decrypt(private, ciphertext.read_bytes(), algorithm) == plaintext
    other = next(a for a in _OAEP_MD if a != algorithm)
    with pytest.raises(InvalidCiphertextException):
        decrypt(private, ciphertext.read_bytes(), other)


@pytest.mark.parametrize("case", list(_OAEP_MAX), ids=_case_id)
def test_oaep_kms_maximum_plaintext(
    case: tuple[str, str], ossl: OpenSSL, openssl_key: Callable[..., KeyFiles], tmp_path: Path
) -> None:
    spec, algorithm = case
    limit = _OAEP_MAX[case]
    key = openssl_key(spec)
    public = load_public_key(key.public_pem.read_bytes())
    private = load_private_key(key.private_pem.read_bytes())
    largest = bytes((i * 7 + 3) % 256 for i in range(limit))

    # kmskit encrypts the KMS maximum and openssl decrypts it.
    ciphertext, recovered = tmp_path / "ct", tmp_path / "pt"
    ciphertext.write_bytes(encrypt(public, largest, algorithm))
    ossl.ok(
        "pkeyutl",
        "-decrypt",
        "-inkey",
        key.private_pem,
        "-in",
        ciphertext,
        "-out",
        recovered,
        *_oaep_options(algorithm),
    )
    assert recovered.read_bytes() == largest

    # openssl encrypts the maximum and kmskit decrypts it.
    source, from_openssl = tmp_path / "max", tmp_path / "ct2"
    source.write_bytes(largest)
    ossl.ok(
        "pkeyutl",
        "-encrypt",
        "-pubin",
        "-inkey",
        key.public_pem,
        "-in",
        source,
        "-out",
        from_openssl,
        *_oaep_options(algorithm),
    )
    assert decrypt(private, from_openssl.read_bytes(), algorithm) == largest

    # One byte more: openssl cannot (the OAEP bound), and kmskit refuses like KMS.
    too_long = tmp_path / "too-long"
    too_long.write_bytes(largest + b"!")
    refused = ossl.run(
        "pkeyutl",
        "-encrypt",
        "-pubin",
        "-inkey",
        key.public_pem,
        "-in",
        too_long,
        "-out",
        tmp_path / "ct3",
        *_oaep_options(algorithm),
    )
    assert refused.returncode != 0
    with pytest.raises(ValidationException):
        encrypt(public, largest + b"!", algorithm)


# ---------------------------------------------------------------------------------------------
# ECDH


@pytest.mark.parametrize("spec", ["ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521"])
def test_ecdh_agrees_with_openssl_derive(
    spec: str, ossl: OpenSSL, openssl_key: Callable[..., KeyFiles], tmp_path: Path
) -> None:
    a, b = openssl_key(spec, "a"), openssl_key(spec, "b")
    shared = tmp_path / "shared"
    ossl.ok("pkeyutl", "-derive", "-inkey", a.private_pem, "-peerkey", b.public_pem, "-out", shared)
    expected = shared.read_bytes()
    field_bytes = {"ECC_NIST_P256": 32, "ECC_NIST_P384": 48, "ECC_NIST_P521": 66}[spec]
    assert len(expected) == field_bytes

    a_private = load_private_key(a.private_pem.read_bytes())
    b_private = load_private_key(b.private_pem.read_bytes())
    assert derive_shared_secret(a_private, load_public_key(b.public_pem.read_bytes())) == expected
    assert (
        derive_shared_secret(b_private, load_public_key(a.public_der.read_bytes()), "ECDH")
        == expected
    )
    # A third key gives a different secret.
    c = openssl_key(spec, "c")
    assert derive_shared_secret(a_private, load_public_key(c.public_pem.read_bytes())) != expected
