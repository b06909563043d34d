"""PEM text (RFC 7468): one encoder for every key, certificate request and vector we write.

RFC 7468 §2 has generators wrap the base64 at exactly 64 characters per line, as OpenSSL and
cryptography do; ``base64.encodebytes`` wraps at 76, which strict parsers refuse.
"""

from __future__ import annotations

import base64

__all__ = ["pem_text"]


def pem_text(label: str, der: bytes) -> str:
    """``-----BEGIN label-----``, the base64 of ``der`` in 64-column lines, the END line."""
    b64 = base64.b64encode(der).decode("ascii")
    lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----", ""])
