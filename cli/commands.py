"""The ``kmskit`` command's table of contents: its help text and its command groups.

This module imports nothing beyond the standard library, and no click: ``kmskit --help`` and
``kmskit --version`` are answered from it alone (:mod:`kmskit.cli.entry`), and the click root
group (:mod:`kmskit.cli.main`) builds its lazily loaded commands from the same table.
"""

from __future__ import annotations

ROOT_HELP = """Offline, KMS-compatible envelope encryption and public-key operations.

Algorithm and key-spec names are the AWS KMS names (RSASSA_PSS_SHA_256, ECC_NIST_P256,
SM2DSA, ...); Alibaba names (EC_SM2, EC_P256, ...) are accepted where a key spec is read.
Blob arguments take a path, fileb://path or - for stdin.

Exit codes: 0 success, 1 the operation failed (for example an invalid signature),
2 a usage or input error. Set KMSKIT_DEBUG=1 to see tracebacks.
"""


class LazyCommand:
    """Where a command lives (``module`` and ``attribute``) and its help summary: the first
    paragraph of the command's own help (tests/cli/test_startup.py keeps the two equal)."""

    __slots__ = ("attribute", "module", "summary")

    def __init__(self, module: str, attribute: str, summary: str) -> None:
        self.module = module
        self.attribute = attribute
        self.summary = summary

    def __repr__(self) -> str:
        return f"LazyCommand({self.module!r}, {self.attribute!r})"


COMMANDS: dict[str, LazyCommand] = {
    "access-key": LazyCommand(
        "kmskit.cli.server",
        "access_key",
        "Issue, list and delete the access keys kmskit serve accepts.",
    ),
    "audit": LazyCommand(
        "kmskit.cli.keystore_admin",
        "audit",
        "Read and check the keystore's hash-chained audit log.",
    ),
    "decrypt": LazyCommand(
        "kmskit.cli.envelope", "decrypt_command", "Decrypt the envelope message IN into OUT."
    ),
    "demo": LazyCommand(
        "kmskit.cli.demo",
        "demo",
        "Run the main jobs in a temporary keystore home and show every command.",
    ),
    "encrypt": LazyCommand(
        "kmskit.cli.envelope",
        "encrypt_command",
        "Encrypt IN into an envelope message (AWS Encryption SDK format v2) at OUT.",
    ),
    "init": LazyCommand(
        "kmskit.cli.keystore_admin",
        "init",
        "Create a keystore home (any kms command also creates one on first use).",
    ),
    "inspect": LazyCommand(
        "kmskit.cli.envelope",
        "inspect_command",
        "Print the header of the message IN as JSON; no key needed.",
    ),
    "kms": LazyCommand(
        "kmskit.cli.kms",
        "kms",
        "The aws kms operations on the local keystore, with the same flags and JSON.",
    ),
    "offline": LazyCommand(
        "kmskit.cli.offline",
        "offline",
        "Verify, sign, encrypt, decrypt and derive with keys held locally.",
    ),
    "rewrap": LazyCommand(
        "kmskit.cli.envelope",
        "rewrap_command",
        "Give the message IN new wrapping keys without re-encrypting it (unsigned suites).",
    ),
    "serve": LazyCommand(
        "kmskit.cli.server",
        "serve",
        "Serve the AWS KMS API (JSON 1.1, SigV4) on the local keystore.",
    ),
    "vectors": LazyCommand(
        "kmskit.cli.vectors",
        "vectors_group",
        "Generate and check known-answer test vectors (docs/vectors.md).",
    ),
}
