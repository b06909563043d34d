from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server._server import AccessKey, KmsServer, create_access_key


@pytest.fixture(scope="session")
def server_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("serve") / "home"


@pytest.fixture(scope="session")
def access_key(server_home: Path) -> AccessKey:
    return create_access_key(server_home)


@pytest.fixture(scope="session")
def server(server_home: Path, access_key: AccessKey) -> Iterator[KmsServer]:
    running = KmsServer(server_home)
    try:
        yield running
    finally:
        assert running.stop() == 0  # SIGTERM: a graceful stop, exit 0


@pytest.fixture(scope="session")
def kms(server: KmsServer, access_key: AccessKey) -> Any:
    """A boto3 KMS client of the session's server, region eu-west-1."""
    return server.client(access_key)
