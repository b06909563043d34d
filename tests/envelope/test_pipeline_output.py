"""The pipelined body writer produces the bytes the serial one did; the pipelined reader
releases what the serial one did.

IVs are frame sequence numbers, so with a fixed ``rng`` (message id, data key, wrapping IV)
and a fixed footer key pair a message is fully determined. The digests below are of the
messages written by the serial implementation before the pipeline (main at cf42e6f), for
sizes that end inside, on, and one past a frame and a batch boundary. For the signed suites
the digest covers everything before the footer (ECDSA signatures are randomized); the footer
is checked separately against the fixed public key.
"""

from __future__ import annotations

import hashlib
import io
import struct
from collections.abc import Callable
from itertools import count

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from kmskit.envelope import decrypt_stream, encrypt, encrypt_stream
from kmskit.envelope.header import parse_header
from kmskit.envelope.keyrings import RawAesKeyring
from kmskit.offline import sm2
from kmskit.offline.errors import BodyFormatError, MessageSignatureError, PayloadAuthenticationError
from tests.envelope._helpers import aes_keyring

_EC_KEY = ec.derive_private_key(0x5EED_1234_5678_9ABC_DEF0, ec.SECP384R1())
_SM2_KEY = sm2.SM2PrivateKey(0x5EED_0FED_CBA9_8765_4321)

_SUITES = {
    "0478": "AES_256_GCM_HKDF_SHA512_COMMIT_KEY",
    "0578": "AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384",
    "4D04": "SM4_GCM_HKDF_SM3_COMMIT_KEY",
    "4D05": "SM4_GCM_HKDF_SM3_COMMIT_KEY_SM2",
}
_K = 1 << 10
_CASES = [  # (frame length, plaintext length)
    (65536, 0),
    (65536, 1),
    (65536, 65536),
    (65536, 65537),
    (65536, 3 * 65536 + 17),
    (65536, 4 * _K * _K),
    (65536, 4 * _K * _K + 1),
    (65536, 9 * _K * _K + 12345),
    (16, 1000),
    (4096, 100 * 4096),
    (1 << 20, 3 * _K * _K + 5),
    (3 << 20, 5 << 20),
]

# sha256 of the message (before the footer for 0578/4D05) written by the serial writer.
EXPECTED: dict[tuple[str, int, int], str] = {
    ("0478", 65536, 0): "bc221f2035d98ceeea294f5b56e62016ca30a328eaaeb83b35edf8152aba7e20",
    ("0578", 65536, 0): "12923e61a083cfba66aa21b67f4fec01c0fffee352268f883877d7e0aeab054f",
    ("4D04", 65536, 0): "6f39df6abaf6af25e48589250753baff57d2c3175e725bd2ccbd95b1203bedc1",
    ("4D05", 65536, 0): "e53096ce3cbfb57292e19a5fcdb3a004754216e6a6c43d0b02e807274169f660",
    ("0478", 65536, 1): "156fc42a24f7db3f2f38d57f69cb0fa4af08a3e6cedf6d5ce7eee0eeb3e825d3",
    ("0578", 65536, 1): "03671670eb9ce41e1c50a110c9693e98f220f94572a4e2e1c5a2756555e25603",
    ("4D04", 65536, 1): "f51590989db8b6b720c801f0ddc264c3c26a9e6ac8b278ef7a6ff314357e3c2f",
    ("4D05", 65536, 1): "13852aa04bfe2cebd2c8694529a0205efec40a8e7a882719a38d8e230b3c4155",
    ("0478", 65536, 65536): "7db1619e08c5cd687d6998394aca207e1ec2aa4a51419de7af52b44541597121",
    ("0578", 65536, 65536): "dae26f19266ce76a13b28554eae0aae8324e7057af0dbb0f1fda11f08f49e74f",
    ("4D04", 65536, 65536): "403fd700e51111d56f9307402212aa9ffa61dfd1afa597d70e4331ced905229f",
    ("4D05", 65536, 65536): "9533fce27fe7a93fc51dc03e8265ca656592082bc9723bd1a073b77c9c2c9112",
    ("0478", 65536, 65537): "d40443d70989f91de0eb62c11db53153cad70311934e0d68fc9a810c81c4c706",
    ("0578", 65536, 65537): "c85ee5c9db1b60acd56c8f747341e8062c18d70c8068422af190b1baefdbc39d",
    ("4D04", 65536, 65537): "60ffabf1983e6d60772da51386b10ba7f03916376ed8a182883cd8fe291e065b",
    ("4D05", 65536, 65537): "38122b3bab6155debc618309c1b30e7481831ad43bdd064813dd93640b259a48",
    ("0478", 65536, 196625): "379a83862a49b920159652dcdfa7f87309a646c05f787644161bc4e8f6869bc6",
    ("0578", 65536, 196625): "241c670e2b073b55d8678ff478c3a9876277a62bd38949555ed58cb7b302087a",
    ("4D04", 65536, 196625): "f656bb4ed975e2751de5195a63cc83a517f74e7ad261cb83d99f1ce25ebf1d57",
    ("4D05", 65536, 196625): "397f0222dc82dc91328002b2c574e65d54fe3008b7e9380bc658b892ce0216a4",
    ("0478", 65536, 4194304): "5ab8a8c5b5a68b4d73ddd5223685c2726eb7731a2dcbe152527ea6baee680c6e",
    ("0578", 65536, 4194304): "a143182967aa11050e9596413098ff833e9b51291043c10486ff581d722db084",
    ("4D04", 65536, 4194304): "c1ce17c8955ffab53aab4009f0f588fef14e42d15c3ed878a03e07cc4a70ff2c",
    ("4D05", 65536, 4194304): "208dbe875235c2b18686d435292b24939b458f5c34e3db49f9c1fba916be1fa8",
    ("0478", 65536, 4194305): "1d8f9f0a94e29cf8ed24926c68c107b436dc432590ff8ef3e260f92e9a37caf1",
    ("0578", 65536, 4194305): "dcded3d54ca49df13e20c340803d06152078ac4850eaf8cd945889ba4a5b28e2",
    ("4D04", 65536, 4194305): "c8dbde02c9f91affdd6b985c50680436b1eb742bd25f7a29c13ef8e5b13b5f1d",
    ("4D05", 65536, 4194305): "66fd36d8d5317777a0ceacc271bcb67461e96c1dad62bc4d42ea2aed4bdd15b8",
    ("0478", 65536, 9449529): "3087110165e3eac342bc8bf8f06106304b1a44754b254ac122f57e42a8e3da85",
    ("0578", 65536, 9449529): "d23feb8b3b9d41eacdccd6b65d20b0751237ce9c416c8de9666889d1d8bafd28",
    ("4D04", 65536, 9449529): "96a7ae6e54aef231d8508462f4e183fa8c8215c5e78aaa230454dca5c0be276f",
    ("4D05", 65536, 9449529): "77c3af2af8b5c722347607d841069c0908f02886ef8f770ef76819837b696a50",
    ("0478", 16, 1000): "55fb79796e1755cf87143b1a020742aac43a09d55ad0843f74d3a5c6c39f16e6",
    ("0578", 16, 1000): "0b952507a6ee85bb8dbf8f28087e613ba509a3c017f6d9fe55a42f9b0e20571d",
    ("4D04", 16, 1000): "dee3282b9120cbdeb1ca24c31f37e9c1443e909fa313a156a4bde43a58806277",
    ("4D05", 16, 1000): "31ba9ea5c883cb26ee44166b97eb4851f23738c32f3b43695573b762a449a588",
    ("0478", 4096, 409600): "1fcf5d207f49a5bb9b794698b7fc401117497d04ae9955d478c13c133aad33db",
    ("0578", 4096, 409600): "b110a22e176f3d7fe3dc600f15da3ea829c285c192cda4705425ffd2366e8c30",
    ("4D04", 4096, 409600): "999ba4df873f66719c186e19d3229bff055d3e886c4604401a280ebd8be74a30",
    ("4D05", 4096, 409600): "8f9b1611e88a31fdfd3072997b08781916505914537ad0f3e98bb169d2881063",
    ("0478", 1048576, 3145733): "c82a1c0af730d8df7d770878113f8d97432a7b71883f5481aeb244da5141bb00",
    ("0578", 1048576, 3145733): "afe7836227ecbfb65a3ac68de3fa737817fa90a0e1d7b26230169533a391a908",
    ("4D04", 1048576, 3145733): "d2e5bd30418699dd7dfa94a1349532ce23d3c3dcf031bdccd4603c1fd142f9c9",
    ("4D05", 1048576, 3145733): "42c7bdd7baec1caa668fb2f3bfbe55c0d29f7538797ba489f4c1b2ba05394092",
    ("0478", 3145728, 5242880): "450a26148386b7f1df4e378508ff921a3104569326942b3bb14a69ecd36e1d66",
    ("0578", 3145728, 5242880): "faf832d94e4ad43011ee863053e75b4245495cf95935d75110a1db05c10563c9",
    ("4D04", 3145728, 5242880): "37c6c4095974671df4ebe89df536103ba13e25f8e1c4c6a063c39a69d868561f",
    ("4D05", 3145728, 5242880): "5ccc70627fb5936a4ead18ea9c715d185c27298cd86fc3ac15da31693b6ee455",
}


def _plaintext(n: int) -> bytes:
    return hashlib.shake_128(b"kmskit pipeline %d" % n).digest(n) if n else b""


def _rng() -> Callable[[int], bytes]:
    counter = count(1)
    return lambda n: bytes((next(counter) * 37) & 0xFF for _ in range(n))


@pytest.fixture
def fixed_footer_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    # FooterSigner draws its key pair from these two; fixed keys make the header fixed.
    monkeypatch.setattr(ec, "generate_private_key", lambda curve: _EC_KEY)
    monkeypatch.setattr(sm2, "generate_private_key", lambda: _SM2_KEY)


def _seal(suite: str, frame_length: int, data: bytes) -> bytes:
    keyring = RawAesKeyring("kmskit-test", "pinned", bytes(range(32)), rng=_rng())
    out = io.BytesIO()
    encrypt_stream(
        io.BytesIO(data),
        out,
        keyrings=keyring,
        algorithm=_SUITES[suite],
        frame_length=frame_length,
        rng=_rng(),
        encryption_context={"purpose": "pinned"},
    )
    return out.getvalue()


def _split_footer(suite: str, message: bytes) -> tuple[bytes, bytes]:
    """Split off the footer (uint16 length ‖ signature). Signature bytes can look like a
    length by chance, so a split counts only when its signature verifies."""
    if suite in ("0478", "4D04"):
        return message, b""
    for n in range(64, 110):
        if struct.unpack(">H", message[-2 - n : -n])[0] != n:
            continue
        signed, signature = message[: -2 - n], message[-n:]
        try:
            _check_footer(suite, signed, signature)
        except (AssertionError, InvalidSignature):
            continue
        return signed, signature
    raise AssertionError("no footer")


def _check_footer(suite: str, signed: bytes, signature: bytes) -> None:
    if suite == "0578":
        assert len(signature) == 103
        digest = hashlib.sha384(signed).digest()
        _EC_KEY.public_key().verify(signature, digest, ec.ECDSA(Prehashed(hashes.SHA384())))
    elif suite == "4D05":
        assert sm2.verify(_SM2_KEY.public_key(), signed, signature)


@pytest.mark.usefixtures("fixed_footer_keys")
@pytest.mark.parametrize("suite", sorted(_SUITES))
@pytest.mark.parametrize(("frame_length", "size"), _CASES)
def test_output_is_byte_identical_to_the_serial_writer(
    suite: str, frame_length: int, size: int
) -> None:
    data = _plaintext(size)
    message = _seal(suite, frame_length, data)
    signed, signature = _split_footer(suite, message)
    assert hashlib.sha256(signed).hexdigest() == EXPECTED[(suite, frame_length, size)]
    _check_footer(suite, signed, signature)
    for verify_before_release in (False, True):
        out = io.BytesIO()
        decrypt_stream(
            io.BytesIO(message),
            out,
            keyrings=RawAesKeyring("kmskit-test", "pinned", bytes(range(32))),
            verify_before_release=verify_before_release,
        )
        assert out.getvalue() == data


# -- decrypt across batches: release stops exactly at the damage ----------------------------

_FRAME = 4096
_STRIDE = 4 + 12 + _FRAME + 16
_DATA = _plaintext(900 * _FRAME + 77)  # more than three 1 MiB batches of frames


def _damaged(algorithm: str, bad_frame: int | None, cut_frame: int | None) -> tuple[bytes, int]:
    message = bytearray(
        encrypt(_DATA, keyrings=aes_keyring(), algorithm=algorithm, frame_length=_FRAME)
    )
    body = parse_header(bytes(message)).length
    if bad_frame is not None:
        message[body + (bad_frame - 1) * _STRIDE + 100] ^= 0x01
    if cut_frame is not None:
        del message[body + (cut_frame - 1) * _STRIDE + 50 :]
    return bytes(message), body


@pytest.mark.parametrize("algorithm", [_SUITES["0478"], _SUITES["0578"]])
@pytest.mark.parametrize(
    ("bad_frame", "cut_frame", "error"),
    [
        (300, None, PayloadAuthenticationError),
        (1, None, PayloadAuthenticationError),
        (None, 700, BodyFormatError),
        (300, 700, PayloadAuthenticationError),  # the earlier damage is reported, as serially
        (700, 300, BodyFormatError),
    ],
)
def test_decrypt_releases_exactly_the_frames_before_the_damage(
    algorithm: str, bad_frame: int | None, cut_frame: int | None, error: type[Exception]
) -> None:
    message, _ = _damaged(algorithm, bad_frame, cut_frame)
    first_damage = min(f for f in (bad_frame, cut_frame) if f is not None)
    out = io.BytesIO()
    with pytest.raises(error):
        decrypt_stream(io.BytesIO(message), out, keyrings=aes_keyring())
    assert out.getvalue() == _DATA[: (first_damage - 1) * _FRAME]
    out = io.BytesIO()
    with pytest.raises(error):
        decrypt_stream(io.BytesIO(message), out, keyrings=aes_keyring(), verify_before_release=True)
    assert out.getvalue() == b""


def test_signed_decrypt_holds_the_final_frame_until_the_footer_verifies() -> None:
    message = bytearray(
        encrypt(_DATA, keyrings=aes_keyring(), algorithm=_SUITES["0578"], frame_length=_FRAME)
    )
    message[-5] ^= 0x01
    out = io.BytesIO()
    with pytest.raises(MessageSignatureError):
        decrypt_stream(io.BytesIO(bytes(message)), out, keyrings=aes_keyring())
    assert out.getvalue() == _DATA[: 900 * _FRAME]  # every regular frame, not the final one
