"""``kmskit offline verify`` of one signature, answered without click when nothing can go wrong.

Scripts verify one file per process, so start-up is most of the cost: importing click (with
``inspect``, ``uuid``, ``platform``…) alone takes longer than the verification itself on a
2-core machine (issue 10 sets ``kmskit offline verify`` at ≤ 5× ``python -c pass``).

This module runs the common, unambiguous forms of the command itself and hands everything
else to the click command (:func:`kmskit.cli.offline.verify`), which stays the one
definition of the command's behaviour:

* It accepts only the command's own options, each given once, as ``--name VALUE`` or
  ``--name=VALUE``, with a value click would accept unchanged (a member of the choice
  list; not ``-``, stdin; not starting with ``-``). Anything else (``--help``, ``--batch``,
  a repeat, a positional, an unknown option) returns ``None`` before any work.
* It succeeds or steps aside. If reading, parsing or verifying raises anything at all (an
  invalid signature included), it returns ``None`` and the click command runs the same
  verification again and reports the error exactly as it always has. A failure therefore
  costs one more (read-only) attempt; a success costs no click import.

``tests/cli/test_verify_fast_path.py`` runs every form both ways and compares stdout, stderr
and the exit status byte for byte.
"""

from __future__ import annotations

import os
import sys

from kmskit.cli._blob_words import MAX_BLOB, blob_path
from kmskit.cli._sm2_id_options import sm2_id_bytes

__all__ = ["try_verify"]

# Options of `kmskit offline verify` that this path handles, with their click destinations.
_VALUED = {
    "--public-key": "public_key",
    "--signing-algorithm": "signing_algorithm",
    "--message": "message",
    "--digest-of": "digest_of",
    "--signature": "signature",
    "--signature-format": "signature_format",
    "--message-type": "message_type",
    "--sm2-id": "sm2_id",
    "--sm2-id-hex": "sm2_id_hex",
    "--output": "output",
}
_FLAGS = {"--force": "force"}
_SIGNATURE_FORMATS = ("der", "raw", "auto")
_OUTPUTS = ("text", "json")


def _parse(args: list[str]) -> dict[str, str] | None:
    """The options as click would bind them, or None for any form left to click."""
    given: dict[str, str] = {}
    i = 0
    while i < len(args):
        token = args[i]
        i += 1
        name, eq, inline = token.partition("=")
        if name in _FLAGS and not eq:
            dest, value = _FLAGS[name], "1"
        elif name in _VALUED:
            if eq:
                value = inline
            elif i < len(args):
                value = args[i]
                i += 1
            else:
                return None
            if value == "-" or value.startswith("-"):
                return None
            dest = _VALUED[name]
        else:
            return None
        if dest in given:
            return None
        given[dest] = value
    return given


def _choices_hold(given: dict[str, str]) -> bool:
    from kmskit.offline.specs import MessageType, SigningAlgorithm

    checks = {
        "signing_algorithm": {m.value for m in SigningAlgorithm},
        "message_type": {m.value for m in MessageType},
        "signature_format": set(_SIGNATURE_FORMATS),
        "output": set(_OUTPUTS),
    }
    return all(given[dest] in allowed for dest, allowed in checks.items() if dest in given)


def _path(value: str) -> str | None:
    """The path a blob argument names (as cli/_files.py reads it); None for stdin."""
    path = blob_path(value)
    return None if path == "-" else path


def _read(value: str) -> bytes | None:
    path = _path(value)
    if path is None:
        return None
    with open(path, "rb") as fh:
        data = fh.read(MAX_BLOB + 1)
    return None if len(data) > MAX_BLOB else data  # too large: click reports it


def _verify(given: dict[str, str]) -> str | None:
    """Verify; return the text to print, or None to leave the command to click."""
    from kmskit.offline.keys import load_public_key
    from kmskit.offline.signing import verify

    required = ("public_key", "signing_algorithm", "signature")
    if any(dest not in given for dest in required):
        return None
    if ("message" in given) == ("digest_of" in given):
        return None
    # Both IDs, bad hex or a non-UTF-8 ID raise here: the click command reports them.
    sm2_id = sm2_id_bytes(given.get("sm2_id"), given.get("sm2_id_hex"))
    key_bytes = _read(given["public_key"])
    if key_bytes is None:
        return None
    pub = load_public_key(key_bytes)
    algorithm = given["signing_algorithm"]
    if "message" in given:
        message = _read(given["message"])
        if message is None:
            return None
        message_type = given.get("message_type", "RAW")
    else:
        path = _path(given["digest_of"])
        if path is None or "message_type" in given:
            return None
        from kmskit.offline.file_digest import digest_of_stream

        with open(path, "rb") as fh:
            mtype, message = digest_of_stream(pub, algorithm, fh, sm2_id=sm2_id)
        message_type, sm2_id = mtype.value, None
    signature = _read(given["signature"])
    if signature is None:
        return None
    verify(
        pub,
        message,
        signature,
        algorithm,
        message_type,
        sm2_id=sm2_id,
        force="force" in given,
        signature_format=given.get("signature_format", "auto"),
    )
    if given.get("output", "text") == "json":
        import json

        doc = {"KeyId": pub.key_id, "SignatureValid": True, "SigningAlgorithm": algorithm}
        return json.dumps({k: v for k, v in doc.items() if v is not None}, indent=2) + "\n"
    return f"Signature is valid ({algorithm}).\n"


def try_verify(args: list[str]) -> int | None:
    """Run ``kmskit offline verify ARGS`` if it is a form handled here; return the exit
    status, or None (having written nothing) for the click command to run it."""
    if sys.stdout is None or any(k.startswith("_KMSKIT_COMPLETE") for k in os.environ):
        return None  # a closed stdout, or shell completion: click's business
    given = _parse(args)
    if given is None or not _choices_hold(given):
        return None
    try:
        text = _verify(given)
    except Exception:  # any failure is reported by the click command instead
        return None
    if text is None:
        return None
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `kmskit offline verify … | head -c0`: quiet, as main() is
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except OSError:  # a full disk under stdout: click's run reports it as it always has
        return None
    return 0
