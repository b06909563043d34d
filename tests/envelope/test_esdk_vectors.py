"""The ESDK key-commitment KATs (``esdk/commitment-test-vectors.json``), one test per case.

Each message is decoded with its published ``decrypted-dek`` through a static keyring (the
EDKs are AWS KMS ciphertexts we cannot unwrap). The 41 valid messages must give their
plaintext; the 5 marked "Invalid commitment" must fail with :class:`KeyCommitmentError`.
Where a case lists them, the header bytes, the derived content key and the commitment are
checked too. The vectors include other ESDKs' quirks that decrypt must accept: unsorted
encryption contexts (cases 15, 17, 19, 21), frame IVs that are not the sequence number
(cases 6–21) and non-framed bodies.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest

from kmskit.envelope import decrypt, decrypt_stream, inspect
from kmskit.envelope._crypto import derive_keys
from kmskit.envelope.header import parse_header
from kmskit.offline.errors import KeyCommitmentError
from tests._vectors import load_json
from tests.envelope._helpers import StaticKeyring

CASES = load_json("esdk", "commitment-test-vectors.json")["tests"]


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


def _params() -> list[Any]:
    return [pytest.param(case, id=case["comment"].split(".", 1)[0].zfill(2)) for case in CASES]


def test_the_file_has_46_cases_5_of_them_failing() -> None:
    assert len(CASES) == 46
    failing = [c for c in CASES if not c["status"]]
    assert len(failing) == 5
    assert all(c["exception"] == "EXCEPTION: Invalid commitment" for c in failing)


@pytest.mark.parametrize("case", _params())
def test_vector(case: dict[str, Any]) -> None:
    message = _b64(case["ciphertext"])
    keyring = StaticKeyring(_b64(case["decrypted-dek"]))
    parsed = parse_header(message)
    header = parsed.header
    assert header.message_id == _b64(case["message-id"])
    assert dict(header.encryption_context) == case["encryption-context"]
    assert parsed.body + parsed.auth_tag == _b64(case["header"])
    # For valid cases "commitment" is both the header's and what the DEK derives to. For the
    # failing ones the two differ, and the file records one or the other (case 2 the
    # derived one, cases 12, 13, 20 and 21 the header's).
    body_key, commit_key = derive_keys(header.suite, _b64(case["decrypted-dek"]), header.message_id)
    assert (header.commit_key == commit_key) is case["status"]
    assert _b64(case["commitment"]) in (header.commit_key, commit_key)
    if case["status"] and "content-encryption-key" in case:
        assert body_key == _b64(case["content-encryption-key"])
    if not case["status"]:
        dst = io.BytesIO()
        with pytest.raises(KeyCommitmentError, match="invalid commitment"):
            decrypt_stream(io.BytesIO(message), dst, keyrings=[keyring])
        assert dst.getvalue() == b""
        return
    plaintext, info = decrypt(message, keyrings=[keyring])
    assert plaintext == "".join(case["plaintext-frames"]).encode()
    assert info.message_length == len(message)
    assert info.plaintext_length == len(plaintext)
    assert inspect(io.BytesIO(message)) == info.header
