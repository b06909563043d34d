"""Results of the key policy and grant operations, printed as ``aws kms`` prints them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kmskit.keystore.grants import Grant

__all__ = ["CreateGrantResult", "GrantPage", "KeyPolicyNames", "KeyPolicyResult"]


@dataclass(frozen=True)
class CreateGrantResult:
    grant_id: str
    grant_token: str

    def to_response(self) -> dict[str, Any]:
        return {"GrantToken": self.grant_token, "GrantId": self.grant_id}


@dataclass(frozen=True)
class KeyPolicyResult:
    """GetKeyPolicy: the document as put (or the default) and its name."""

    policy: str
    policy_name: str = "default"

    def to_response(self) -> dict[str, Any]:
        return {"Policy": self.policy, "PolicyName": self.policy_name}


@dataclass(frozen=True)
class KeyPolicyNames:
    """ListKeyPolicies: a key has one policy, ``default``."""

    policy_names: tuple[str, ...] = ("default",)

    def to_response(self) -> dict[str, Any]:
        return {"PolicyNames": list(self.policy_names), "Truncated": False}


@dataclass(frozen=True)
class GrantPage:
    """One ListGrants or ListRetirableGrants page."""

    grants: tuple[Grant, ...]
    next_marker: str | None

    def to_response(self) -> dict[str, Any]:
        response: dict[str, Any] = {
            "Grants": [g.to_response() for g in self.grants],
            "Truncated": self.next_marker is not None,
        }
        if self.next_marker is not None:
            response["NextMarker"] = self.next_marker
        return response
