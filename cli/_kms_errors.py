"""How ``kmskit kms`` fails: as the AWS CLI does, so scripts written for ``aws kms`` keep
working (docs/cli.md, "Exit codes of kmskit kms").

The AWS CLI prints a service error as ``An error occurred (NotFoundException) when calling
the DescribeKey operation: …`` and returns 254; 252 is a command-line syntax error, 253 a
configuration error (here: a passphrase home with no passphrase), 255 any other failure,
130 an interrupt (https://docs.aws.amazon.com/cli/latest/topic/return-codes.html).
"""

from __future__ import annotations

from kmskit.offline.errors import (
    KmsError,
    KmskitError,
    OutputRefusedError,
    PassphraseRequiredError,
)

__all__ = [
    "AWS_CLI_CONFIGURATION",
    "AWS_CLI_OTHER",
    "AWS_CLI_SERVICE",
    "AWS_CLI_SYNTAX",
    "KmsCallFailed",
    "one_line",
]

AWS_CLI_SYNTAX = 252
AWS_CLI_CONFIGURATION = 253
AWS_CLI_SERVICE = 254
AWS_CLI_OTHER = 255


class KmsCallFailed(Exception):
    """A ``kmskit kms`` operation failed: the error, and the KMS API it was calling."""

    def __init__(self, api: str, error: KmskitError) -> None:
        super().__init__(str(error))
        self.api = api
        self.error = error

    @property
    def exit_code(self) -> int:
        if isinstance(self.error, KmsError):
            return AWS_CLI_SERVICE
        if isinstance(self.error, PassphraseRequiredError):
            return AWS_CLI_CONFIGURATION
        if isinstance(self.error, OutputRefusedError):  # refused before any work, as a flag is
            return AWS_CLI_SYNTAX
        return AWS_CLI_OTHER

    def line(self, message: str) -> str:
        """The one stderr line, given the error's message folded to one line."""
        if isinstance(self.error, KmsError):
            return (
                f"An error occurred ({self.error.code}) when calling the {self.api}"
                f" operation: {message}"
            )
        return f"{self.error.code}: {message}"


def one_line(text: str) -> str:
    """Fold a multi-line error (NoMatchingKeyringError lists every attempt) into one line."""
    first, *rest = text.splitlines() or [""]
    details = [line.strip().removeprefix("- ") for line in rest if line.strip()]
    return f"{first}: {'; '.join(details)}" if details else first
