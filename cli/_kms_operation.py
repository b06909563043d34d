"""What a ``kmskit kms`` operation is: one row of the operation table, and the parameters
several operations share.

An :class:`Operation` names the ``aws kms`` command, the KMS API, its parameters in the
service model's order (tests/cli/test_kms_args.py checks them against botocore's model) and
the one keystore call it makes. :mod:`cli.kms` builds the commands from the table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from kmskit.cli._aws_args import AwsParam

if TYPE_CHECKING:
    from kmskit.keystore import Keystore


class HasResponse(Protocol):
    def to_response(self) -> dict[str, Any]: ...


Result = HasResponse | Mapping[str, Any] | None
Call = Callable[["Keystore", dict[str, Any]], Result]

JSON_OUTPUTS = ("json", "text")


@dataclass(frozen=True)
class Operation:
    """One ``kmskit kms`` operation: its AWS CLI name, API name, parameters and call.

    ``outputs`` are the formats ``--output`` takes, the first being the default; ``pem``
    prints the result's ``to_pem()`` (to ``--out`` when the operation has that flag).
    """

    name: str
    api: str
    summary: str
    params: tuple[AwsParam, ...]
    call: Call
    list_key: str = ""  # list operations: the member that holds the items
    outputs: tuple[str, ...] = JSON_OUTPUTS


@dataclass(frozen=True)
class PemText:
    """A result that is only PEM text (a CSR): ``to_pem()`` is what ``--output pem`` prints."""

    member: str
    pem: str

    def to_pem(self) -> str:
        return self.pem

    def to_response(self) -> dict[str, Any]:
        return {self.member: self.pem}


# -- parameters shared by several operations ------------------------------------------

ID_HELP = "Key ID, key ARN, alias name (alias/x) or alias ARN."


def key_id(help: str = f"The KMS key: {ID_HELP}", *, required: bool = True) -> AwsParam:
    return AwsParam("KeyId", "string", help, required=required)


CONTEXT = AwsParam(
    "EncryptionContext",
    "map",
    "Encryption context, bound to the ciphertext: JSON or k=v,k2=v2.",
)
GRANT_TOKENS = AwsParam("GrantTokens", "list", "Grant tokens.", support="ignored")
DRY_RUN = AwsParam("DryRun", "boolean", "Only check the request.", support="unsupported")
RECIPIENT = AwsParam(
    "Recipient", "structure", "Nitro enclave attestation document.", support="unsupported"
)
LIMIT = AwsParam("Limit", "integer", "At most this many items per call (turns off paging).")
MARKER = AwsParam("Marker", "string", "NextMarker of the previous page (turns off paging).")


def kwargs(request: Mapping[str, Any], **names: str) -> dict[str, Any]:
    """The given members, renamed to the keystore's keyword arguments."""
    return {kw: request[member] for member, kw in names.items() if member in request}


def page(request: Mapping[str, Any]) -> dict[str, Any]:
    """A list operation's ``limit`` and ``marker`` keyword arguments."""
    return {"limit": request.get("Limit"), "marker": request.get("Marker")}
