"""The KMS API of the keystore: what one operation is (a row of the operation table), the
parameters several operations share, and running a request against a :class:`Keystore`.

An :class:`Operation` names the ``aws kms`` command, the KMS API, its parameters in the
service model's order (tests/cli/test_kms_args.py checks them against botocore's model) and
the one keystore call it makes. The table (:mod:`keystore.api_table`) is the one KMS API
both front ends drive: ``kmskit kms`` builds the request from flags, ``kmskit serve`` from
the JSON 1.1 body (:mod:`keystore.api_json`); both answer with :func:`response`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol

from kmskit.offline._record import FrozenRecord
from kmskit.offline.errors import UnsupportedOperationException

if TYPE_CHECKING:
    from kmskit.keystore import Keystore

Kind = Literal[
    "string", "integer", "boolean", "blob", "timestamp", "map", "structure", "list", "structures"
]
Support = Literal["yes", "ignored", "unsupported"]


def kebab(member: str) -> str:
    """``EncryptionContext`` → ``encryption-context``, as botocore's ``xform_name`` does."""
    words = re.sub(
        r"([a-z0-9])([A-Z])", r"\1-\2", re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1-\2", member)
    )
    return words.lower()


# AwsParam, Operation and PemText are FrozenRecords, not frozen dataclasses: every ``kmskit
# kms`` command loads this module (start-up; kmskit.offline._record). ``_replace`` is
# ``dataclasses.replace``.
class AwsParam(FrozenRecord):
    """One operation parameter: its API member name, how it is typed, and its help.

    ``support`` says what a local keystore does with it: ``ignored`` parameters are
    accepted and dropped (grant tokens only ever add permissions), ``unsupported`` ones
    are refused when given, so a request never silently means less than it says.
    ``flag``/``off_flag`` override the command-line spelling (default ``--kebab-case``).
    """

    member: str
    kind: Kind
    help: str
    required: bool = False
    choices: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()  # a "structures" element's members, all required
    flag: str = ""  # default: --kebab-case of member
    off_flag: str = ""  # booleans: default --no-<flag>
    support: Support = "yes"
    cli_only: bool = False  # a command-line convenience (--out), not an API member

    @property
    def cli_flag(self) -> str:
        return self.flag or f"--{kebab(self.member)}"

    @property
    def cli_off_flag(self) -> str:
        return self.off_flag or f"--no-{self.cli_flag[2:]}"


class HasResponse(Protocol):
    def to_response(self) -> dict[str, Any]: ...


Result = HasResponse | Mapping[str, Any] | None
Call = Callable[["Keystore", dict[str, Any]], Result]

JSON_OUTPUTS = ("json", "text")


class Operation(FrozenRecord):
    """One KMS API operation: its AWS CLI name, API name, parameters and call.

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


class PemText(FrozenRecord):
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
GRANT_TOKENS = AwsParam(
    "GrantTokens",
    "list",
    "Grant tokens: each must name a live grant (InvalidGrantTokenException); local grants"
    " work at once, so none is ever needed.",
)
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


# -- running a request ------------------------------------------------------------------------

# Values of refused parameters that ask for nothing beyond what the keystore does anyway.
_HARMLESS: dict[str, object] = {
    "MultiRegion": False,
    "DryRun": False,
    "ResourceOwners": ["SELF"],
    "IncludeKeyMaterial": "ROTATIONS_ONLY",
}


def refuse_unsupported(
    operation: Operation,
    request: Mapping[str, Any],
    spell: Callable[[AwsParam], str] = lambda param: param.member,
) -> None:
    """Raise UnsupportedOperationException for a parameter the keystore cannot honour,
    naming it as ``spell`` writes it (the member name, or the command-line flag)."""
    for param in operation.params:
        if param.member not in request:
            continue
        if param.support == "unsupported" and request[param.member] != _HARMLESS.get(
            param.member, ()
        ):
            raise UnsupportedOperationException(
                f"{spell(param)} is not supported by the local keystore ({operation.api})"
            )


def call(ks: Keystore, operation: Operation, request: dict[str, Any]) -> Result:
    """Run ``operation`` on the keystore for its current caller (:meth:`Keystore.as_caller`;
    without one, the home's account root): authorized first, in the operation's transaction,
    by the key policy and grants (docs/authorization.md), the decisions in its audit
    record. Both front ends call every operation through here."""
    with ks.authorizing(operation.api, request):
        return operation.call(ks, request)


def response(result: Result) -> dict[str, Any]:
    """The API response of a call's result: ``to_response()``, a mapping, or ``{}``."""
    if result is None:
        return {}
    if isinstance(result, Mapping):
        return dict(result)
    return result.to_response()


def wipe_result(result: Result) -> None:
    """Clear the plaintext a result holds (data keys, private keys), once it was sent."""
    wipe = getattr(result, "wipe", None)
    if callable(wipe):
        wipe()
