"""The operation table's lookups load families lazily but answer as one table does."""

from __future__ import annotations

import pytest

from kmskit.keystore import api_asymmetric, api_authorization, api_keys, api_material
from kmskit.keystore.api_table import OPERATIONS, operation_for_command, operation_named
from kmskit.offline.errors import UnsupportedOperationException


def test_the_table_is_the_four_families_in_order() -> None:
    families = (api_keys, api_asymmetric, api_material, api_authorization)
    assert OPERATIONS == tuple(row for family in families for row in family.OPERATIONS)


def test_every_row_is_found_by_its_api_name_and_its_command_name() -> None:
    assert len({row.api for row in OPERATIONS}) == len(OPERATIONS)
    assert len({row.name for row in OPERATIONS}) == len(OPERATIONS)
    for row in OPERATIONS:
        assert operation_named(row.api) is row
        assert operation_for_command(row.name) is row


def test_an_operation_the_table_lacks() -> None:
    with pytest.raises(UnsupportedOperationException, match="ReplicateKey is not supported"):
        operation_named("ReplicateKey")
    assert operation_for_command("replicate-key") is None
    assert operation_for_command("DescribeKey") is None  # commands are kebab-case
