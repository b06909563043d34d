"""offline/_pyca_loaders.py hands out cryptography's own loaders, not look-alikes."""

from __future__ import annotations

import subprocess
import sys

from cryptography.hazmat.primitives import serialization

from kmskit.offline import _pyca_loaders


def test_the_loaders_are_cryptographys_own_functions() -> None:
    assert _pyca_loaders.load_der_public_key is serialization.load_der_public_key
    assert _pyca_loaders.load_der_private_key is serialization.load_der_private_key


def test_loading_a_public_key_does_not_import_the_serialization_package() -> None:
    # The reason the module exists: see its docstring. A P-256 key made once with the openssl
    # CLI (`openssl ecparam -name prime256v1 -genkey | openssl ec -pubout`).
    code = (
        "import sys\n"
        "from kmskit.offline.keys import load_public_key\n"
        "pem = b'''-----BEGIN PUBLIC KEY-----\n"
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEYVM19D7VQ704yNB/UlbI4EuBCv39\n"
        "Q55eCRJ+rWz8qF5p1ciIvz8L1O2GBpQpXTI9mKYJckT06iDxVdNI8H8vCQ==\n"
        "-----END PUBLIC KEY-----\n'''\n"
        "load_public_key(pem)\n"
        "print(sorted(m for m in sys.modules if m in {\n"
        "    'cryptography.hazmat.primitives.serialization', 'dataclasses', 'inspect', 'click'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
