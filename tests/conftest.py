from __future__ import annotations

import shutil

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Tests under tests/interop/ need a peer; mark them so `-m "not interop"` gives a quick run.
    for item in items:
        if "/interop/" in str(item.path):
            item.add_marker(pytest.mark.interop)
        else:
            item.add_marker(pytest.mark.unit)


@pytest.fixture(scope="session")
def openssl_bin() -> str:
    path = shutil.which("openssl")
    if path is None:
        pytest.fail("the openssl CLI is required for interop tests (apt-get install openssl)")
    return path
