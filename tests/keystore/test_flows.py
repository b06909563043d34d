"""Issue 4's "Done when" flows, at library level, each step in a fresh open of the same home."""

from __future__ import annotations

from pathlib import Path

import pytest

from kmskit.keystore import open_keystore
from kmskit.offline.errors import (
    DisabledException,
    InvalidCiphertextException,
    KMSInvalidStateException,
)

CONTEXT = {"purpose": "backup", "Department": "10"}


def test_create_key_alias_data_key_and_the_state_flow(home: Path) -> None:
    with open_keystore(home) as ks:
        key = ks.create_key(description="flow key")
        ks.create_alias("alias/flow", key.key_id)

    with open_keystore(home) as ks:
        data_key = ks.generate_data_key(
            "alias/flow", key_spec="AES_256", encryption_context=CONTEXT
        )
        assert data_key.plaintext is not None and len(data_key.plaintext) == 32
        plaintext = bytes(data_key.plaintext)
        blob = data_key.ciphertext_blob
        assert data_key.key_id == key.arn

    with open_keystore(home) as ks:
        # the context may come in another order; case matters
        decrypted = ks.decrypt(blob, encryption_context=dict(reversed(list(CONTEXT.items()))))
        assert bytes(decrypted.plaintext) == plaintext
        assert decrypted.key_id == key.arn
        for wrong in (None, {}, {"purpose": "backup"}, {**CONTEXT, "purpose": "Backup"},
                      {**CONTEXT, "extra": "1"}):  # fmt: skip
            with pytest.raises(InvalidCiphertextException):
                ks.decrypt(blob, encryption_context=wrong)

    with open_keystore(home) as ks:
        ks.disable_key("alias/flow")
    with open_keystore(home) as ks:
        with pytest.raises(DisabledException):
            ks.decrypt(blob, encryption_context=CONTEXT)
        with pytest.raises(DisabledException):
            ks.generate_data_key("alias/flow", key_spec="AES_256")
        schedule = ks.schedule_key_deletion("alias/flow", pending_window_in_days=7)
        assert schedule.key_state == "PendingDeletion"
    with open_keystore(home) as ks:
        with pytest.raises(KMSInvalidStateException):
            ks.decrypt(blob, encryption_context=CONTEXT)
        with pytest.raises(KMSInvalidStateException):
            ks.encrypt(key.key_id, b"x")
        assert ks.cancel_key_deletion(key.key_id) == key.arn
    with open_keystore(home) as ks:
        assert ks.describe_key(key.key_id).key_state == "Disabled"
        with pytest.raises(DisabledException):
            ks.decrypt(blob, encryption_context=CONTEXT)
        ks.enable_key(key.key_id)
    with open_keystore(home) as ks:
        assert bytes(ks.decrypt(blob, encryption_context=CONTEXT).plaintext) == plaintext
        assert ks.audit.verify().ok


def test_a_second_open_sees_the_first_ones_writes_while_both_are_open(home: Path) -> None:
    with open_keystore(home) as first, open_keystore(home) as second:
        key = first.create_key()
        blob = first.encrypt(key.key_id, b"shared").ciphertext_blob
        assert bytes(second.decrypt(blob).plaintext) == b"shared"
        second.disable_key(key.key_id)
        with pytest.raises(DisabledException):
            first.encrypt(key.key_id, b"x")
        assert first.audit.verify().ok and second.audit.verify().count == first.audit.verify().count
