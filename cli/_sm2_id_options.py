"""``--sm2-id TEXT`` and ``--sm2-id-hex HEX``: the SM2 distinguishing ID a command uses.

Free of click, so that the click commands
(:func:`kmskit.cli.offline_output.sm2_id_from_options`, which turns these errors into usage
errors) and the click-free fast path
(:mod:`kmskit.cli.verify_fast_path`, which leaves them to the click command) read the two
options by one rule.
"""

from __future__ import annotations

from kmskit.offline.errors import ValidationException

__all__ = ["BothSm2IdsGiven", "Sm2IdNotHex", "sm2_id_bytes"]


class BothSm2IdsGiven(ValueError):
    """--sm2-id and --sm2-id-hex were both given."""


class Sm2IdNotHex(ValueError):
    """--sm2-id-hex is not hex."""


def sm2_id_bytes(text: str | None, hex_id: str | None) -> bytes | None:
    """The ID's bytes, or None for the default (1234567812345678, applied by the library).

    Raises :class:`BothSm2IdsGiven`, :class:`Sm2IdNotHex`, and :class:`ValidationException`
    for a ``--sm2-id`` that is not UTF-8 (a PEP 383 surrogate-escaped argument).
    """
    if text is not None and hex_id is not None:
        raise BothSm2IdsGiven("give --sm2-id or --sm2-id-hex, not both")
    if hex_id is not None:
        try:
            return bytes.fromhex(hex_id)
        except ValueError:
            raise Sm2IdNotHex("not hex") from None
    if text is None:
        return None
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationException(
            "--sm2-id is not valid UTF-8; give it with --sm2-id-hex"
        ) from None
