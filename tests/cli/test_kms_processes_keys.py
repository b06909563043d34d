"""Issue 5's "Done when", tried as a user would: one process per step, one home.

Every ``kmskit`` step is a fresh process of the installed console script with
``KMSKIT_HOME`` set, so nothing passes between steps but files, exactly as in a shell
script; the peers are ``kmskit offline`` and the ``openssl`` command line. Blobs leave
``kmskit kms`` the way the AWS CLI documentation shows: ``--query X --output text``, then
base64-decoded into a file.
"""

from __future__ import annotations

import base64
import json
import shlex
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.cli.test_kms_processes import User

pytestmark = [pytest.mark.interop]

SM2_ID = "distid:1234567812345678"


@pytest.fixture
def user(tmp_path: Path) -> User:
    (tmp_path / "work").mkdir()
    return User(tmp_path / "home", tmp_path / "work")


def openssl(user: User, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["openssl", *args], cwd=user.cwd, capture_output=True, timeout=60, check=False
    )


def text(user: User, *args: str) -> str:
    """``kmskit ARGS --output text``: one value, as a shell variable would hold it."""
    return user.ok(*args, "--output", "text").strip()


def save_b64(user: User, name: str, *args: str) -> Path:
    """``kmskit ARGS --output text | base64 -d > NAME``."""
    path = user.cwd / name
    path.write_bytes(base64.b64decode(text(user, *args)))
    return path


def new_key(user: User, *args: str) -> str:
    return text(user, "kms", "create-key", *args, "--query", "KeyMetadata.KeyId")


@pytest.mark.parametrize(
    ("spec", "algorithm", "options"),
    [
        ("RSA_2048", "RSASSA_PSS_SHA_256", ["-digest", "sha256", "-pkeyopt",
         "rsa_padding_mode:pss", "-pkeyopt", "rsa_pss_saltlen:digest"]),
        ("ECC_NIST_P256", "ECDSA_SHA_256", ["-digest", "sha256"]),
        ("SM2", "SM2DSA", ["-digest", "sm3", "-pkeyopt", SM2_ID]),
    ],
)  # fmt: skip
def test_get_public_key_verifies_kms_signatures(
    user: User, spec: str, algorithm: str, options: list[str]
) -> None:
    key_id = new_key(user, "--key-spec", spec, "--key-usage", "SIGN_VERIFY")
    (user.cwd / "public.json").write_text(user.ok("kms", "get-public-key", "--key-id", key_id))
    (user.cwd / "public.pem").write_text(
        user.ok("kms", "get-public-key", "--key-id", key_id, "--output", "pem")
    )
    (user.cwd / "message.txt").write_text("Pay 100 to Alice\n")
    save_b64(user, "message.sig", "kms", "sign", "--key-id", key_id,
             "--message", "fileb://message.txt", "--signing-algorithm", algorithm,
             "--query", "Signature")  # fmt: skip

    verified = user.ok(
        "offline", "verify", "--public-key", "public.json", "--signing-algorithm", algorithm,
        "--message", "message.txt", "--signature", "message.sig",
    )  # fmt: skip
    assert verified == f"Signature is valid ({algorithm}).\n"
    proc = openssl(user, "pkeyutl", "-verify", "-pubin", "-inkey", "public.pem", "-rawin",
                   "-in", "message.txt", "-sigfile", "message.sig", *options)  # fmt: skip
    assert (proc.returncode, proc.stdout) == (0, b"Signature Verified Successfully\n")


@pytest.mark.parametrize(
    ("spec", "algorithm"), [("RSA_2048", "RSAES_OAEP_SHA_256"), ("SM2", "SM2PKE")]
)
def test_offline_encrypt_output_decrypts_with_kms_decrypt(
    user: User, spec: str, algorithm: str
) -> None:
    key_id = new_key(user, "--key-spec", spec, "--key-usage", "ENCRYPT_DECRYPT")
    (user.cwd / "public.json").write_text(user.ok("kms", "get-public-key", "--key-id", key_id))
    (user.cwd / "secret.txt").write_text("the launch code is 0000\n")
    user.ok("offline", "encrypt", "--public-key", "public.json", "--encryption-algorithm",
            algorithm, "--plaintext", "secret.txt", "--out", "secret.enc")  # fmt: skip
    save_b64(user, "secret.out", "kms", "decrypt", "--ciphertext-blob", "fileb://secret.enc",
             "--key-id", key_id, "--encryption-algorithm", algorithm,
             "--query", "Plaintext")  # fmt: skip
    assert (user.cwd / "secret.out").read_text() == "the launch code is 0000\n"


def test_derive_shared_secret_agrees_with_the_other_side(user: User) -> None:
    key_id = new_key(user, "--key-spec", "ECC_NIST_P256", "--key-usage", "KEY_AGREEMENT")
    (user.cwd / "kms.json").write_text(user.ok("kms", "get-public-key", "--key-id", key_id))
    (user.cwd / "kms.pem").write_text(
        user.ok("kms", "get-public-key", "--key-id", key_id, "--output", "pem")
    )
    # the other side: a key made by openssl
    assert openssl(user, "ecparam", "-name", "prime256v1", "-genkey", "-noout",
                   "-out", "peer.key").returncode == 0  # fmt: skip
    assert openssl(user, "pkey", "-in", "peer.key", "-pubout", "-outform", "DER",
                   "-out", "peer.der").returncode == 0  # fmt: skip

    ours = save_b64(user, "kms.secret", "kms", "derive-shared-secret", "--key-id", key_id,
                    "--key-agreement-algorithm", "ECDH", "--public-key", "fileb://peer.der",
                    "--query", "SharedSecret")  # fmt: skip
    user.ok("offline", "derive-shared-secret", "--private-key", "peer.key",
            "--public-key", "kms.json", "--out", "offline.secret")  # fmt: skip
    assert openssl(user, "pkeyutl", "-derive", "-inkey", "peer.key", "-peerkey", "kms.pem",
                   "-out", "openssl.secret").returncode == 0  # fmt: skip
    secret = ours.read_bytes()
    assert len(secret) == 32
    assert (user.cwd / "offline.secret").read_bytes() == secret
    assert (user.cwd / "openssl.secret").read_bytes() == secret


# The KMS Developer Guide's commands for RSA_AES_KEY_WRAP_SHA_256 ("Importing key material",
# steps 2 to 4), with `aws kms` replaced by `kmskit kms`; `xxd -p` written with od.
IMPORT_SCRIPT = r"""
set -euo pipefail
KEY_ID=$(kmskit kms create-key --origin EXTERNAL --query KeyMetadata.KeyId --output text)
read -r PUBLIC_KEY IMPORT_TOKEN < <(kmskit kms get-parameters-for-import --key-id "$KEY_ID" \
    --wrapping-algorithm RSA_AES_KEY_WRAP_SHA_256 --wrapping-key-spec RSA_2048 \
    --query '[PublicKey, ImportToken]' --output text)
echo "$PUBLIC_KEY" | base64 -d > WrappingPublicKey.der
echo "$IMPORT_TOKEN" | base64 -d > token.bin

openssl rand -out material 32
openssl rand -out aes.bin 32
openssl enc -id-aes256-wrap-pad -K "$(od -An -v -tx1 aes.bin | tr -d ' \n')" \
    -iv A65959A6 -in material -out m.bin
openssl pkeyutl -encrypt -in aes.bin -inkey WrappingPublicKey.der -keyform DER -pubin \
    -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256 \
    -out k.bin
cat k.bin m.bin > EncryptedKeyMaterial.bin

kmskit kms import-key-material --key-id "$KEY_ID" \
    --encrypted-key-material fileb://EncryptedKeyMaterial.bin \
    --import-token fileb://token.bin --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE \
    --query KeyId --output text | grep -q "$KEY_ID" && echo imported
kmskit kms describe-key --key-id "$KEY_ID" --query KeyMetadata.KeyState --output text
echo "$KEY_ID" > key-id.txt
"""


def test_material_wrapped_by_the_documented_openssl_commands_imports(user: User) -> None:
    bash = shutil.which("bash") or pytest.skip("no bash")
    script = IMPORT_SCRIPT.replace("kmskit kms", f"{shlex.quote(user.script)} kms")
    proc = subprocess.run(
        [bash, "-c", script],
        cwd=user.cwd,
        env=user.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (proc.returncode, proc.stdout) == (0, "imported\nEnabled\n"), proc.stderr
    _encrypts_and_decrypts(user, (user.cwd / "key-id.txt").read_text().strip())


def test_material_wrapped_by_kmskit_offline_imports(user: User) -> None:
    key_id = new_key(user, "--origin", "EXTERNAL", "--key-spec", "SM4")
    (user.cwd / "parameters.json").write_text(
        user.ok("kms", "get-parameters-for-import", "--key-id", key_id,
                "--wrapping-algorithm", "SM2PKE", "--wrapping-key-spec", "SM2")
    )  # fmt: skip
    (user.cwd / "material").write_bytes(bytes(range(16)))
    user.ok("offline", "wrap-key-material", "--wrapping-key", "parameters.json",
            "--wrapping-algorithm", "SM2PKE", "--key-material", "material",
            "--out", "EncryptedKeyMaterial.bin")  # fmt: skip
    token = json.loads((user.cwd / "parameters.json").read_text())["ImportToken"]
    valid_to = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    user.ok("kms", "import-key-material", "--key-id", key_id, "--import-token", token,
            "--encrypted-key-material", "fileb://EncryptedKeyMaterial.bin",
            "--valid-to", valid_to)  # fmt: skip
    assert text(user, "kms", "describe-key", "--key-id", key_id,
                "--query", "KeyMetadata.ValidTo") == valid_to.replace("Z", "+00:00")  # fmt: skip
    _encrypts_and_decrypts(user, key_id)


def _encrypts_and_decrypts(user: User, key_id: str) -> None:
    (user.cwd / "data.txt").write_text("imported key material at work\n")
    save_b64(user, "data.enc", "kms", "encrypt", "--key-id", key_id,
             "--plaintext", "fileb://data.txt", "--query", "CiphertextBlob")  # fmt: skip
    save_b64(user, "data.out", "kms", "decrypt", "--ciphertext-blob", "fileb://data.enc",
             "--query", "Plaintext")  # fmt: skip
    assert (user.cwd / "data.out").read_text() == "imported key material at work\n"


def test_ciphertexts_made_before_a_rotation_decrypt_after_it(user: User) -> None:
    key_id = new_key(user)
    (user.cwd / "old.txt").write_text("written before the rotation\n")
    save_b64(user, "old.enc", "kms", "encrypt", "--key-id", key_id,
             "--plaintext", "fileb://old.txt", "--query", "CiphertextBlob")  # fmt: skip
    before = text(user, "kms", "decrypt", "--ciphertext-blob", "fileb://old.enc",
                  "--query", "KeyMaterialId")  # fmt: skip

    assert user.json("kms", "rotate-key-on-demand", "--key-id", key_id) == {"KeyId": key_id}
    save_b64(user, "old.out", "kms", "decrypt", "--ciphertext-blob", "fileb://old.enc",
             "--query", "Plaintext")  # fmt: skip
    assert (user.cwd / "old.out").read_text() == "written before the rotation\n"

    save_b64(user, "new.enc", "kms", "encrypt", "--key-id", key_id,
             "--plaintext", "fileb://old.txt", "--query", "CiphertextBlob")  # fmt: skip
    after = text(user, "kms", "decrypt", "--ciphertext-blob", "fileb://new.enc",
                 "--query", "KeyMaterialId")  # fmt: skip
    assert after != before
    listed = user.ok("kms", "list-key-rotations", "--key-id", key_id, "--output", "text",
                     "--query", "Rotations[].[KeyMaterialId, RotationType]")  # fmt: skip
    assert listed == f"{after}\tON_DEMAND\n"
