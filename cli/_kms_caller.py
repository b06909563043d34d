"""Who a ``kmskit`` keystore command acts as, and with which passphrase and region.

Free of click, so that the click-free fast path (:mod:`kmskit.cli.kms_fast_path`) and the
click commands (:mod:`kmskit.cli.kms`, :mod:`kmskit.cli.keystore_admin`) share one rule.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kmskit.keystore import Keystore

__all__ = ["ENV_PASSPHRASE", "env_passphrase", "principal_arn", "region"]

ENV_PASSPHRASE = "KMSKIT_PASSPHRASE"  # noqa: S105 - the variable's name, not a secret


def env_passphrase() -> str | None:
    return os.environ.get(ENV_PASSPHRASE) or None


def region(given: str | None) -> str | None:
    """The region ARNs name: --region, else AWS_REGION, else AWS_DEFAULT_REGION (as the
    AWS CLI picks it), else None for the home's own region."""
    return given or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None


def principal_arn(given: str | None, ks: Keystore) -> str:
    """Who a ``kmskit`` command acts as: ``given`` (--principal), else ``KMSKIT_PRINCIPAL``,
    else the home account's root (issue 12: the CLI is a configurable principal)."""
    from kmskit.keystore.policy_principals import Principal, account_root_arn
    from kmskit.offline.errors import ValidationException

    arn = given or os.environ.get("KMSKIT_PRINCIPAL") or None
    if arn is None:
        return account_root_arn(ks.config.account_id, ks.config.partition)
    try:
        return Principal(arn).arn
    except ValueError:
        raise ValidationException(f"{arn!r} is not an IAM principal ARN") from None
