"""A feature whose extra is not installed says which extra to install.

The extras are declared in pyproject.toml; each test hides the extra's package from the import
system (a ``None`` entry in ``sys.modules`` makes ``import`` raise ImportError, as a missing
package does) and checks the error names ``kmskit[<extra>]``.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest

from kmskit.envelope import AwsKmsKeyring
from kmskit.offline.errors import AwsConfigurationError

ROOT = Path(__file__).resolve().parents[2]


def test_the_extras_the_readme_names_exist() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    readme = (ROOT / "README.md").read_text()
    for extra in ("aws", "fast", "server", "aliyun"):
        assert extra in extras
        assert f"'.[{extra}]'" in readme


def test_aws_keyring_without_boto3_names_the_aws_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)
    keyring = AwsKmsKeyring("arn:aws:kms:us-east-1:111122223333:key/x", region="us-east-1")
    with pytest.raises(AwsConfigurationError) as caught:
        keyring.wrap(bytearray(32), {})
    assert "pip install 'kmskit[aws]'" in str(caught.value)
