"""Principals: who a request comes from, and whether a policy's ``Principal`` names them.

A caller is an IAM ARN: an account root (``arn:aws:iam::<acct>:root``), a user, a role, an
assumed-role session (``arn:aws:sts::<acct>:assumed-role/<role>/<session>``) or a federated
user. A policy's ``Principal`` takes ``*``, ARNs, account roots as an ARN or a bare account
id, in the ``{"AWS": …}`` form; ``{"Service": …}`` is accepted and matches no local caller.

How "IAM" maps locally (docs/authorization.md#iam): on AWS a statement naming an account
root delegates to that account's IAM policies. A local home has no IAM policies, so
:class:`IamMapping` says what they would allow: ``ACCOUNT`` (the default) takes IAM to allow
every principal of the account everything, so the account-root statement applies to all of
them; ``ROOT_ONLY`` takes IAM to allow nothing, so it applies to the root alone. A Deny that
names an account applies to every principal of that account in both modes, as on AWS.
"""

from __future__ import annotations

import re
from enum import StrEnum

from kmskit.offline._record import FrozenRecord

__all__ = [
    "IamMapping",
    "Principal",
    "account_root_arn",
    "parse_principal_entry",
    "principal_entry_matches",
]

# A home's partition is any [a-z][a-z0-9-]* and its account id 1-32 digits (AWS uses 12,
# Alibaba 16; docs/keystore.md#home), so principals take the same.
_PARTITION = r"[a-z][a-z0-9-]*"
_ACCOUNT = r"\d{1,32}"
_ARN = re.compile(
    rf"arn:(?P<partition>{_PARTITION}):(?P<service>iam|sts)::(?P<account>{_ACCOUNT}):"
    r"(?P<resource>root|(?:user|role|assumed-role|federated-user)/[\x21-\x7e]+)"
)
_ACCOUNT_ID = re.compile(_ACCOUNT)
_SERVICE = re.compile(r"[a-z0-9][a-z0-9.-]*\.amazonaws\.com(?:\.cn)?")


class IamMapping(StrEnum):
    """What the absent IAM policies of a local home are taken to allow."""

    ACCOUNT = "account"
    ROOT_ONLY = "root-only"


def account_root_arn(account_id: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account_id}:root"


# A FrozenRecord, not a frozen dataclass: every operation's authorization makes one
# (start-up; kmskit.offline._record).
class Principal(FrozenRecord):
    """The caller of a request, by its IAM ARN."""

    arn: str

    def __post_init__(self) -> None:
        match = _ARN.fullmatch(self.arn)
        if match is None or (match["service"] == "sts") != self._is_sts_resource(match):
            raise ValueError(f"{self.arn!r} is not an IAM principal ARN")

    @staticmethod
    def _is_sts_resource(match: re.Match[str]) -> bool:
        return match["resource"].startswith(("assumed-role/", "federated-user/"))

    @property
    def _match(self) -> re.Match[str]:
        match = _ARN.fullmatch(self.arn)
        assert match is not None  # checked in __post_init__
        return match

    @property
    def account(self) -> str:
        return self._match["account"]

    @property
    def partition(self) -> str:
        return self._match["partition"]

    @property
    def is_root(self) -> bool:
        return self._match["resource"] == "root"

    @property
    def principal_arn(self) -> str:
        """``aws:PrincipalArn``: for an assumed-role session the role's ARN, otherwise the
        caller's own ARN (IAM global condition keys)."""
        resource = self._match["resource"]
        if resource.startswith("assumed-role/"):
            role = resource.split("/")[1]
            return f"arn:{self.partition}:iam::{self.account}:role/{role}"
        return self.arn

    @classmethod
    def root(cls, account_id: str, partition: str = "aws") -> Principal:
        return cls(account_root_arn(account_id, partition))


def parse_principal_entry(kind: str, entry: str) -> str | None:
    """Check one ``Principal`` value; returns None if valid, else why not.

    IAM allows no wildcard in a principal except ``*`` alone.
    """
    if kind == "Service":
        return None if _SERVICE.fullmatch(entry) else f"{entry!r} is not a service principal"
    if entry == "*" or _ACCOUNT_ID.fullmatch(entry):
        return None
    if "*" in entry or "?" in entry:
        return f"principal {entry!r} has a wildcard; only \"*\" alone is allowed"
    match = _ARN.fullmatch(entry)
    if match is None or (match["service"] == "sts") != Principal._is_sts_resource(match):
        return f"{entry!r} is not an AWS account id or IAM principal ARN"
    return None


def _entry_account_root(entry: str) -> str | None:
    """The account id if ``entry`` names an account (bare id or root ARN), else None."""
    if _ACCOUNT_ID.fullmatch(entry):
        return entry
    match = _ARN.fullmatch(entry)
    if match is not None and match["resource"] == "root":
        return match["account"]
    return None


def principal_entry_matches(
    kind: str, entry: str, caller: Principal, *, deny: bool, iam: IamMapping
) -> bool:
    """Whether one ``Principal`` value applies to ``caller`` in an Allow (``deny`` False) or
    a Deny statement."""
    if kind == "Service":
        return False  # no local caller is an AWS service
    if entry == "*":
        return True
    account = _entry_account_root(entry)
    if account is not None:
        if caller.account != account:
            return False
        return caller.is_root or deny or iam is IamMapping.ACCOUNT
    return entry in (caller.arn, caller.principal_arn)
