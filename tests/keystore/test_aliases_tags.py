"""Alias and tag rules (AWS, plus Alibaba's reserved tag prefixes), and list paging."""

from __future__ import annotations

import pytest

from kmskit.keystore import Keystore
from kmskit.offline.errors import (
    AlreadyExistsException,
    InvalidAliasNameException,
    InvalidMarkerException,
    NotFoundException,
    TagException,
    ValidationException,
)
from tests.keystore.conftest import FakeClock


def test_alias_lifecycle(ks: Keystore, clock: FakeClock) -> None:
    first = ks.create_key()
    second = ks.create_key(key_spec="SM4")
    ks.create_alias("alias/app/db-key_1", first.key_id)
    with pytest.raises(AlreadyExistsException):
        ks.create_alias("alias/app/db-key_1", second.key_id)
    clock.advance(seconds=5)
    ks.update_alias("alias/app/db-key_1", second.arn)
    entry = ks.list_aliases().aliases[0]
    assert entry.target_key_id == second.key_id
    assert (entry.last_updated_date - entry.creation_date).total_seconds() == 5
    assert ks.describe_key("alias/app/db-key_1").key_id == second.key_id
    ks.delete_alias("alias/app/db-key_1")
    with pytest.raises(NotFoundException):
        ks.delete_alias("alias/app/db-key_1")
    with pytest.raises(NotFoundException):
        ks.update_alias("alias/app/db-key_1", first.key_id)
    with pytest.raises(NotFoundException):
        ks.create_alias("alias/x", "00000000-0000-4000-8000-000000000000")


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("app", InvalidAliasNameException),
        ("alias/aws/mine", InvalidAliasNameException),
        ("alias/", ValidationException),
        ("alias/has space", ValidationException),
        ("alias/colon:no", ValidationException),
        ("alias/" + "a" * 251, ValidationException),  # 257 characters
    ],
)
def test_alias_name_rules(ks: Keystore, name: str, error: type[Exception]) -> None:
    key = ks.create_key()
    with pytest.raises(error):
        ks.create_alias(name, key.key_id)


def test_alias_name_of_256_characters_is_accepted(ks: Keystore) -> None:
    key = ks.create_key()
    name = "alias/" + "a" * 250
    assert len(name) == 256
    ks.create_alias(name, key.key_id)
    assert ks.describe_key(name).key_id == key.key_id


def test_alias_targets_must_be_keys_not_aliases(ks: Keystore) -> None:
    key = ks.create_key()
    ks.create_alias("alias/one", key.key_id)
    with pytest.raises(ValidationException):
        ks.create_alias("alias/two", "alias/one")
    with pytest.raises(ValidationException):
        ks.create_alias("alias/two", "arn:aws:kms:us-east-1:111122223333:alias/one")


def test_update_alias_requires_the_same_key_type_and_usage(ks: Keystore) -> None:
    symmetric = ks.create_key()
    signing = ks.create_key(key_spec="ECC_NIST_P256", key_usage="SIGN_VERIFY")
    agreement = ks.create_key(key_spec="ECC_NIST_P256", key_usage="KEY_AGREEMENT")
    ks.create_alias("alias/sym", symmetric.key_id)
    ks.create_alias("alias/sig", signing.key_id)
    with pytest.raises(ValidationException):
        ks.update_alias("alias/sym", signing.key_id)
    with pytest.raises(ValidationException):
        ks.update_alias("alias/sig", agreement.key_id)
    ks.update_alias("alias/sym", ks.create_key(key_spec="SM4").key_id)


def test_list_aliases_of_one_key_and_paging(ks: Keystore) -> None:
    a = ks.create_key()
    b = ks.create_key()
    for i in range(5):
        ks.create_alias(f"alias/a{i}", a.key_id)
    ks.create_alias("alias/b0", b.key_id)
    assert [x.alias_name for x in ks.list_aliases(key_id=b.arn).aliases] == ["alias/b0"]
    names: list[str] = []
    marker = None
    while True:
        page = ks.list_aliases(limit=2, marker=marker)
        names += [x.alias_name for x in page.aliases]
        response = page.to_response()
        assert response["Truncated"] is page.truncated
        if not page.truncated:
            assert "NextMarker" not in response
            break
        marker = response["NextMarker"]
    assert names == [f"alias/a{i}" for i in range(5)] + ["alias/b0"]
    with pytest.raises(ValidationException):
        ks.list_aliases(limit=101)
    with pytest.raises(InvalidMarkerException):
        ks.list_aliases(marker="bogus!")
    keys_marker = ks.list_keys(limit=1).next_marker
    with pytest.raises(InvalidMarkerException):
        ks.list_aliases(marker=keys_marker)


def test_list_keys_paging(ks: Keystore) -> None:
    created = [ks.create_key().key_id for _ in range(5)]
    seen: list[str] = []
    marker = None
    while True:
        page = ks.list_keys(limit=2, marker=marker)
        seen += [k.key_id for k in page.keys]
        if page.next_marker is None:
            break
        marker = page.next_marker
    assert seen == created
    for bad in (0, 1001):
        with pytest.raises(ValidationException):
            ks.list_keys(limit=bad)
    assert len(ks.list_keys(limit=1000).keys) == 5


# -- tags -------------------------------------------------------------------------------------


def test_tag_lifecycle(ks: Keystore) -> None:
    key = ks.create_key(tags={"Project": "alpha", "Empty": ""})
    ks.tag_resource(key.key_id, {"Project": "beta", "Owner": "ops"})
    tags = {t.tag_key: t.tag_value for t in ks.list_resource_tags(key.key_id).tags}
    assert tags == {"Project": "beta", "Owner": "ops", "Empty": ""}
    ks.untag_resource(key.key_id, ["Owner", "NotThere"])
    response = ks.list_resource_tags(key.key_id).to_response()
    assert response == {
        "Tags": [{"TagKey": "Empty", "TagValue": ""}, {"TagKey": "Project", "TagValue": "beta"}],
        "Truncated": False,
    }


@pytest.mark.parametrize(
    "tags",
    [
        {"": "v"},
        {"k" * 129: "v"},
        {"k": "v" * 257},
        {"aws:owner": "x"},
        {"AWS:owner": "x"},
        {"acs:owner": "x"},
        {"aliyun-owner": "x"},
        {"Aliyun": "x"},
    ],
)
def test_tag_rules(ks: Keystore, tags: dict[str, str]) -> None:
    with pytest.raises(TagException):
        ks.create_key(tags=tags)
    key = ks.create_key()
    with pytest.raises(TagException):
        ks.tag_resource(key.key_id, tags)
    assert ks.list_keys().keys == (ks.list_keys().keys[0],)  # the refused create left nothing


def test_tag_limits_at_the_edges(ks: Keystore) -> None:
    key = ks.create_key(tags={"k" * 128: "v" * 256})
    ks.tag_resource(key.key_id, {f"t{i:02}": "" for i in range(49)})
    with pytest.raises(TagException):
        ks.tag_resource(key.key_id, {"one-too-many": "x"})
    assert len(ks.list_resource_tags(key.key_id).tags) == 50  # the refused call changed nothing
    with pytest.raises(TagException):
        ks.create_key(tags={f"t{i:02}": "" for i in range(51)})
    with pytest.raises(TagException):
        ks.untag_resource(key.key_id, ["aws:x"])
    page = ks.list_resource_tags(key.key_id, limit=20)
    assert len(page.tags) == 20 and page.truncated
    with pytest.raises(ValidationException):
        ks.list_resource_tags(key.key_id, limit=51)
