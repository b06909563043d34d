"""Rotation: ciphertexts made before a rotation decrypt after it (on-demand and automatic),
new ones use the new material, the KMS limits and schedules, and the key-state rules."""

from __future__ import annotations

import struct
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kmskit.keystore import Keystore, init_home, open_keystore
from kmskit.offline.errors import (
    DisabledException,
    InvalidMarkerException,
    KMSInvalidStateException,
    LimitExceededException,
    UnsupportedOperationException,
    ValidationException,
)
from tests.keystore._peers import import_raw_material, open_blob_by_hand
from tests.keystore.conftest import FakeClock


def _material_number(blob: bytes) -> int:
    """docs/keystore.md#blob: the material id is bytes 17–20, big-endian."""
    return int(struct.unpack(">I", blob[17:21])[0])


def _ms(when: datetime) -> datetime:
    return when.replace(microsecond=when.microsecond // 1000 * 1000)


def test_on_demand_rotation_keeps_old_ciphertexts(ks: Keystore, clock: FakeClock) -> None:
    key = ks.create_key(key_spec="SM4")
    before = ks.encrypt(key.key_id, b"before", encryption_context={"n": "1"}).ciphertext_blob
    first_material = ks.describe_key(key.key_id).current_key_material_id
    clock.advance(minutes=5)
    assert ks.rotate_key_on_demand(key.arn) == key.key_id
    after = ks.encrypt(key.key_id, b"after").ciphertext_blob
    assert (_material_number(before), _material_number(after)) == (1, 2)
    assert bytes(ks.decrypt(before, encryption_context={"n": "1"}).plaintext) == b"before"
    decrypted = ks.decrypt(after)
    assert bytes(decrypted.plaintext) == b"after"
    assert decrypted.key_material_id == ks.describe_key(key.key_id).current_key_material_id
    assert decrypted.key_material_id != first_material
    page = ks.list_key_rotations(key.key_id)
    assert page.to_response() == {
        "Rotations": [
            {
                "KeyId": key.key_id,
                "KeyMaterialId": decrypted.key_material_id,
                "RotationDate": _ms(clock.now).isoformat(),
                "RotationType": "ON_DEMAND",
            }
        ],
        "Truncated": False,
    }
    # re-encrypting an old ciphertext moves it to the current material
    moved = ks.re_encrypt(before, key.key_id, source_encryption_context={"n": "1"})
    assert _material_number(moved.ciphertext_blob) == 2
    assert moved.source_key_material_id == first_material


def test_on_demand_limit_is_25(ks: Keystore) -> None:
    key = ks.create_key()
    blob = ks.encrypt(key.key_id, b"oldest").ciphertext_blob
    for _ in range(25):
        ks.rotate_key_on_demand(key.key_id)
    with pytest.raises(LimitExceededException):
        ks.rotate_key_on_demand(key.key_id)
    assert bytes(ks.decrypt(blob).plaintext) == b"oldest"
    assert _material_number(ks.encrypt(key.key_id, b"x").ciphertext_blob) == 26
    # paging through the 25 rotations, oldest first
    seen: list[str] = []
    marker = None
    while True:
        page = ks.list_key_rotations(key.key_id, limit=10, marker=marker)
        seen.extend(r.key_material_id for r in page.rotations)
        if not page.truncated:
            break
        marker = page.next_marker
    assert len(seen) == len(set(seen)) == 25
    with pytest.raises(InvalidMarkerException):
        ks.list_key_rotations(key.key_id, marker="bm9wZQ==")
    with pytest.raises(ValidationException):
        ks.list_key_rotations(key.key_id, limit=1001)


def test_automatic_rotation_happens_when_due(ks: Keystore, clock: FakeClock) -> None:
    key = ks.create_key()
    ks.enable_key_rotation(key.key_id, rotation_period_in_days=90)
    status = ks.get_key_rotation_status(key.key_id).to_response()
    due = _ms(clock.now) + timedelta(days=90)
    assert status == {
        "KeyRotationEnabled": True,
        "KeyId": key.key_id,
        "RotationPeriodInDays": 90,
        "NextRotationDate": due.isoformat(),
    }
    blob = ks.encrypt(key.key_id, b"made before").ciphertext_blob
    clock.advance(days=90, milliseconds=-1)
    assert ks.list_key_rotations(key.key_id).rotations == ()
    clock.advance(milliseconds=1)
    rotations = ks.list_key_rotations(key.key_id).rotations  # this call sees it due
    assert [(r.rotation_type, r.rotation_date) for r in rotations] == [("AUTOMATIC", due)]
    assert bytes(ks.decrypt(blob).plaintext) == b"made before"
    assert _material_number(ks.encrypt(key.key_id, b"x").ciphertext_blob) == 2
    # three more periods pass unobserved: each rotation is made, dated when it was due
    clock.advance(days=3 * 90 + 1)
    dates = [r.rotation_date for r in ks.list_key_rotations(key.key_id).rotations]
    assert dates == [due + timedelta(days=90 * n) for n in range(4)]
    assert ks.get_key_rotation_status(key.key_id).next_rotation_date == due + timedelta(days=360)
    assert bytes(ks.decrypt(blob).plaintext) == b"made before"
    rotate_records = [r for r in ks.audit.records() if r.operation == "RotateKey"]
    assert len(rotate_records) == 4 and rotate_records[0].key_arn == key.arn


def test_automatic_rotation_at_open_and_old_material_by_hand(home: Path, clock: FakeClock) -> None:
    with open_keystore(home, clock=clock) as ks:
        key = ks.create_key()
        ks.enable_key_rotation(key.key_id)  # default 365 days
        blob = ks.encrypt(key.key_id, b"year one").ciphertext_blob
    clock.advance(days=366)
    with open_keystore(home, clock=clock) as ks:
        assert list(ks.audit.records())[-1].operation == "RotateKey"
        assert bytes(ks.decrypt(blob).plaintext) == b"year one"
        new_blob = ks.encrypt(key.key_id, b"year two").ciphertext_blob
    # the two blobs are under different material, each opened by hand with its own
    from tests.keystore.test_blob import _material_by_hand

    first, second = (_material_by_hand(home, key.key_id, n) for n in (1, 2))
    assert first != second
    assert open_blob_by_hand(first, blob, {}) == b"year one"
    assert open_blob_by_hand(second, new_blob, {}) == b"year two"


def test_disabled_keys_do_not_rotate_and_catch_up_when_enabled(
    ks: Keystore, clock: FakeClock
) -> None:
    key = ks.create_key()
    ks.enable_key_rotation(key.key_id, rotation_period_in_days=100)
    clock.advance(days=50)
    ks.disable_key(key.key_id)
    with pytest.raises(DisabledException):
        ks.rotate_key_on_demand(key.key_id)
    with pytest.raises(DisabledException):
        ks.enable_key_rotation(key.key_id)
    clock.advance(days=200)
    assert ks.list_key_rotations(key.key_id).rotations == ()  # nothing while disabled
    assert ks.get_key_rotation_status(key.key_id).key_rotation_enabled  # status unchanged
    ks.enable_key(key.key_id)  # overdue: rotates now, then every period from now
    rotations = ks.list_key_rotations(key.key_id).rotations
    assert [r.rotation_date for r in rotations] == [_ms(clock.now)]
    status = ks.get_key_rotation_status(key.key_id)
    assert status.next_rotation_date == _ms(clock.now) + timedelta(days=100)


def test_changing_the_period_and_disabling(ks: Keystore, clock: FakeClock) -> None:
    key = ks.create_key()
    ks.enable_key_rotation(key.key_id)
    enabled_at = _ms(clock.now)
    clock.advance(days=30)
    ks.enable_key_rotation(key.key_id, rotation_period_in_days=200)  # counts from enabling
    assert ks.get_key_rotation_status(key.key_id).next_rotation_date == (
        enabled_at + timedelta(days=200)
    )
    clock.advance(days=80)  # 110 days after enabling: a 90-day period is overdue, rotate now
    ks.enable_key_rotation(key.key_id, rotation_period_in_days=90)
    assert [r.rotation_date for r in ks.list_key_rotations(key.key_id).rotations] == [
        _ms(clock.now)
    ]
    last_two = [r.operation for r in ks.audit.records()][-3:-1]  # then ListKeyRotations
    assert last_two == ["RotateKey", "EnableKeyRotation"]
    ks.disable_key_rotation(key.key_id)
    assert ks.get_key_rotation_status(key.key_id).to_response() == {
        "KeyRotationEnabled": False,
        "KeyId": key.key_id,
    }
    clock.advance(days=1000)
    assert len(ks.list_key_rotations(key.key_id).rotations) == 1


def test_rotation_period_limits_follow_the_home_naming(tmp_path: Path, clock: FakeClock) -> None:
    with open_keystore(tmp_path / "aws", clock=clock) as ks:
        key = ks.create_key()
        for bad in (89, 2561, 0, True, "365"):
            with pytest.raises(ValidationException):
                ks.enable_key_rotation(key.key_id, rotation_period_in_days=bad)  # type: ignore[arg-type]
        for good in (90, 2560):
            ks.enable_key_rotation(key.key_id, rotation_period_in_days=good)
    init_home(tmp_path / "ali", naming="alibaba", clock=clock)
    with open_keystore(tmp_path / "ali", clock=clock) as ks:
        key = ks.create_key(key_spec="Aliyun_SM4")
        for bad in (6, 366, 2560):
            with pytest.raises(ValidationException):
                ks.enable_key_rotation(key.key_id, rotation_period_in_days=bad)
        ks.enable_key_rotation(key.key_id, rotation_period_in_days=7)
        blob = ks.encrypt(key.key_id, b"weekly").ciphertext_blob
        clock.advance(days=7)
        assert [r.rotation_type for r in ks.list_key_rotations(key.key_id).rotations] == [
            "AUTOMATIC"
        ]
        assert bytes(ks.decrypt(blob).plaintext) == b"weekly"


def test_only_kms_generated_symmetric_keys_rotate(ks: Keystore) -> None:
    asymmetric = ks.create_key(key_spec="RSA_2048", key_usage="SIGN_VERIFY")
    mac = ks.create_key(key_spec="HMAC_256", key_usage="GENERATE_VERIFY_MAC")
    for key in (asymmetric, mac):
        for call in (
            lambda k=key: ks.enable_key_rotation(k.key_id),
            lambda k=key: ks.disable_key_rotation(k.key_id),
            lambda k=key: ks.rotate_key_on_demand(k.key_id),
            lambda k=key: ks.get_key_rotation_status(k.key_id),
            lambda k=key: ks.list_key_rotations(k.key_id),
        ):
            with pytest.raises(UnsupportedOperationException):
                call()
    imported = ks.create_key(origin="EXTERNAL")
    import_raw_material(
        ks, imported.key_id, bytes(32), expiration_model="KEY_MATERIAL_DOES_NOT_EXPIRE"
    )
    for call in (
        lambda: ks.enable_key_rotation(imported.key_id),
        lambda: ks.rotate_key_on_demand(imported.key_id),
    ):
        with pytest.raises(UnsupportedOperationException):
            call()
    assert not ks.get_key_rotation_status(imported.key_id).key_rotation_enabled


def test_pending_deletion_reports_rotation_off_and_cancel_restores_it(
    ks: Keystore, clock: FakeClock
) -> None:
    key = ks.create_key()
    ks.enable_key_rotation(key.key_id, rotation_period_in_days=90)
    ks.schedule_key_deletion(key.key_id, pending_window_in_days=30)
    assert not ks.get_key_rotation_status(key.key_id).key_rotation_enabled
    with pytest.raises(KMSInvalidStateException):
        ks.rotate_key_on_demand(key.key_id)
    with pytest.raises(KMSInvalidStateException):
        ks.enable_key_rotation(key.key_id)
    ks.cancel_key_deletion(key.key_id)  # → Disabled, rotation setting back
    status = ks.get_key_rotation_status(key.key_id)
    assert status.key_rotation_enabled and status.rotation_period_in_days == 90
    clock.advance(days=100)
    assert ks.list_key_rotations(key.key_id).rotations == ()  # Disabled: no rotation
    ks.enable_key(key.key_id)
    assert len(ks.list_key_rotations(key.key_id).rotations) == 1
