"""The AWS CLI's global options, as ``kmskit kms`` accepts them, and how a word is told
from a flag. Kept free of click: both the click command (:mod:`kmskit.cli._aws_args`) and
the click-free fast path (:mod:`kmskit.cli.kms_fast_path`) read this one table.

FrozenRecords rather than dataclasses or NamedTuples: importing ``dataclasses`` imports
``inspect``, and a NamedTuple is slow to create, each a noticeable share of a ``kmskit kms``
command's start-up (:mod:`kmskit.offline._record`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any

from kmskit.offline._record import FrozenRecord

__all__ = ["GLOBALS", "OUTPUTS", "GlobalFlag", "GlobalOptions", "default_output", "is_flag"]


class GlobalOptions(FrozenRecord):
    """The AWS CLI's global options that mean something locally, plus ``--home``."""

    output: str = "json"
    query: Any = None  # a compiled JMESPath expression, or None
    home: str | None = None
    region: str | None = None  # --region: the region ARNs name
    principal: str | None = None  # --principal: who calls (docs/authorization.md)
    paginate: bool = True
    page_size: int | None = None
    max_items: int | None = None
    starting_token: str | None = None


class GlobalFlag(FrozenRecord):
    flag: str
    takes_value: bool
    help: str
    dest: str = ""  # "" = accepted and ignored
    paging: bool = False  # only on paginated operations
    metavar: str = "<value>"


GLOBALS = (
    GlobalFlag(
        "--output", True, "json (default) or text, as in aws kms.", "output", metavar="json|text"
    ),
    GlobalFlag("--query", True, "JMESPath expression applied to the response.", "query"),
    GlobalFlag(
        "--home",
        True,
        "Keystore home (default $KMSKIT_HOME, else ~/.kmskit).",
        "home",
        metavar="DIR",
    ),
    GlobalFlag(
        "--cli-binary-format",
        True,
        "base64 (default): blob strings are base64; raw-in-base64-out: raw text.",
        "binary_format",
    ),
    GlobalFlag(
        "--cli-input-json", True, "Read the request from JSON (member names as keys).", "input_json"
    ),
    GlobalFlag("--starting-token", True, "Resume from a NextToken.", "starting_token", paging=True),
    GlobalFlag("--page-size", True, "Items per underlying call.", "page_size", paging=True),
    GlobalFlag(
        "--max-items",
        True,
        "Stop after this many items; prints NextToken.",
        "max_items",
        paging=True,
    ),
    GlobalFlag(
        "--no-paginate", False, "One call only; show NextMarker and Truncated.", "no_paginate"
    ),
    GlobalFlag(
        "--region",
        True,
        "Region in ARNs (default $AWS_REGION, else the home's region).",
        "region",
    ),
    GlobalFlag(
        "--principal",
        True,
        "Act as this IAM principal ARN (default $KMSKIT_PRINCIPAL, else the account root).",
        "principal",
        metavar="ARN",
    ),
    GlobalFlag("--profile", True, "Accepted and ignored."),
    GlobalFlag("--endpoint-url", True, "Accepted and ignored."),
    GlobalFlag("--color", True, "Accepted and ignored."),
    GlobalFlag("--ca-bundle", True, "Accepted and ignored."),
    GlobalFlag("--cli-read-timeout", True, "Accepted and ignored."),
    GlobalFlag("--cli-connect-timeout", True, "Accepted and ignored."),
    GlobalFlag("--no-cli-pager", False, "Accepted and ignored (there is no pager)."),
    GlobalFlag("--no-verify-ssl", False, "Accepted and ignored."),
    GlobalFlag("--no-sign-request", False, "Accepted and ignored."),
    GlobalFlag("--no-cli-auto-prompt", False, "Accepted and ignored."),
    GlobalFlag("--debug", False, "Accepted and ignored (KMSKIT_DEBUG=1 shows tracebacks)."),
)

OUTPUTS = ("json", "text")
_NEGATIVE_NUMBER = re.compile(r"^-\d+(\.\d*)?$")


def is_flag(word: str) -> bool:
    """argparse's rule, near enough: ``-x…`` is a flag unless it is a number or has spaces."""
    return (
        word.startswith("-")
        and word != "-"
        and " " not in word
        and not _NEGATIVE_NUMBER.match(word)
    )


def default_output(outputs: Sequence[str]) -> str | None:
    """The format without ``--output``: ``AWS_DEFAULT_OUTPUT`` when it names a format the
    command prints, else the command's first; None when the variable names a format kmskit
    does not print (table, yaml, a typo), which the caller refuses as ``--output`` would be:
    silently printing JSON instead would break the script that asked."""
    env = os.environ.get("AWS_DEFAULT_OUTPUT", "") or "json"
    if env not in OUTPUTS:
        return None
    return env if env in outputs else outputs[0]
