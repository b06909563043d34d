from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli._keys import KeyPair, make_keys


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, KeyPair]:
    """The test key pairs, generated once per session with cryptography."""
    return make_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(autouse=True)
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test runs in its own empty directory, so relative names and leftovers are local."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
