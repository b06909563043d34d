"""The SM2 recommended curve's parameters (GB/T 32918.5, sm2p256v1) as plain integers.

Kept apart from :mod:`kmskit.offline._sm2_curve` so that code which only needs the order or
the field size (DER and signature-form checks) does not import the curve arithmetic and
gmpy2, which together cost more than a whole ``kmskit offline verify`` of an ECDSA signature.
"""

from __future__ import annotations

from typing import Final

# y² = x³ + ax + b over GF(p), a = −3.
P_INT: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A_INT: Final = P_INT - 3
B_INT: Final = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N_INT: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX_INT: Final = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY_INT: Final = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0
