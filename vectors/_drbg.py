"""The deterministic byte streams every generated vector is drawn from (docs/vectors.md#drbg).

Construction (version 1), simple enough to reimplement in any language::

    K       = SHA-256("kmskit-vectors/v1" ‖ 0x00 ‖ UTF-8(seed))
    block_i = HMAC-SHA256(K, UTF-8(label) ‖ 0x00 ‖ uint64_be(i))     for i = 0, 1, 2, …
    stream(seed, label) = block_0 ‖ block_1 ‖ …

This is HMAC-SHA256 in counter mode (the PRF construction of NIST SP 800-108 §4.1 with the
label as fixed input). Every key, nonce, salt, OAEP seed and message has its own label (for
example ``sm2-sign/key0/k/normal_short``), and bytes are read from the start of that label's
stream in order. Labels isolate draws from each other, so adding a case or a group never
changes the bytes of another one.

Derived values:

* ``read(n)``: the next n bytes.
* ``scalar(upper)``: uniform in [1, upper] by rejection sampling. With ``L = ceil(b/8)``
  where ``b`` is the bit length of ``upper``, read L bytes, interpret them big-endian, shift
  right by ``8L − b``, and accept if the value is in [1, upper]; otherwise read again.

Not for keys that protect anything: anyone with the seed has every private key.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

__all__ = ["DOMAIN", "Drbg"]

DOMAIN: Final = b"kmskit-vectors/v1"
_MAX_TRIES: Final = 1024


class Drbg:
    """A readable stream for one (seed, label) pair; :meth:`child` makes sub-labels."""

    def __init__(self, seed: str, label: str) -> None:
        if not isinstance(seed, str) or not isinstance(label, str):
            raise TypeError("seed and label must be str")
        self._seed = seed
        self._label = label
        self._key = hashlib.sha256(DOMAIN + b"\x00" + seed.encode("utf-8")).digest()
        self._prefix = label.encode("utf-8") + b"\x00"
        self._counter = 0
        self._buffer = b""

    @property
    def seed(self) -> str:
        return self._seed

    @property
    def label(self) -> str:
        return self._label

    def child(self, name: str) -> Drbg:
        """Return the fresh stream for label ``<this label>/<name>`` under the same seed."""
        return Drbg(self._seed, f"{self._label}/{name}" if self._label else name)

    def at(self, label: str) -> Drbg:
        """Return the fresh stream for the absolute ``label`` under the same seed."""
        return Drbg(self._seed, label)

    def read(self, n: int) -> bytes:
        """Return the next ``n`` bytes of the stream."""
        if n < 0:
            raise ValueError("negative length")
        while len(self._buffer) < n:
            block = hmac.new(
                self._key, self._prefix + self._counter.to_bytes(8, "big"), hashlib.sha256
            ).digest()
            self._buffer += block
            self._counter += 1
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out

    def scalar(self, upper: int) -> int:
        """Return an integer uniform in [1, upper] (rejection sampling, see the module doc)."""
        if upper < 1:
            raise ValueError("upper must be at least 1")
        bits = upper.bit_length()
        length = (bits + 7) // 8
        for _ in range(_MAX_TRIES):
            value = int.from_bytes(self.read(length), "big") >> (8 * length - bits)
            if 1 <= value <= upper:
                return value
        raise RuntimeError("the DRBG did not produce a scalar in range")  # pragma: no cover
