"""Envelope vectors (kind ``envelope``): a directory in the AWS crypto-tools test-vector format.

:func:`generate_tree` returns the directory as a mapping of relative paths to bytes
(docs/vectors.md#envelope-manifest-format):

* ``manifest.json`` and ``keys.json``: an ``awses-decrypt`` version 2 manifest and a ``keys``
  version 3 manifest that any ESDK test-vector runner can run: raw AES and RSA keys, suites
  0x0478 and 0x0578, failures every ESDK must report;
* ``kmskit-manifest.json`` and ``kmskit-keys.json``: the cases that need kmskit's extensions
  (GM suites, SM2 keys, an EDK limit, a required encryption context);
* ``ciphertexts/<test id>`` and ``plaintexts/<name>``.

Every test carries ``kmskit-expect`` from the closed vocabulary of
:mod:`vectors._envelope_expect`. The same seed and count give byte-identical directories;
every case is checked by kmskit before the tree is returned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import metadata
from typing import Any, Final

from kmskit.offline.errors import ValidationException
from kmskit.vectors._doc import FORMAT_VERSION, dumps
from kmskit.vectors._drbg import Drbg
from kmskit.vectors._envelope_cases import CASES, PLAINTEXTS, EnvCase, Setup
from kmskit.vectors._envelope_expect import DESCRIPTIONS, SUCCESS
from kmskit.vectors._envelope_keys import KeySet, keys_manifest

__all__ = [
    "DEFAULT_COUNT",
    "EXTENDED_KEYS",
    "EXTENDED_MANIFEST",
    "KEYS",
    "KIND",
    "MANIFEST",
    "generate_tree",
]

KIND: Final = "envelope"
ALGORITHM: Final = "AWSES-DECRYPT"
DEFAULT_COUNT: Final = 1
MANIFEST: Final = "manifest.json"
KEYS: Final = "keys.json"
EXTENDED_MANIFEST: Final = "kmskit-manifest.json"
EXTENDED_KEYS: Final = "kmskit-keys.json"
DECRYPT_MANIFEST_VERSION: Final = 2
_HEADER: Final = (
    "Envelope messages (AWS Encryption SDK message format version 2, plus kmskit's GM"
    " suites 0x4D04/0x4D05) for decryptors, in the AWS crypto-tools test-vector framework's"
    " awses-decrypt format.",
    "Every test declares kmskit-expect from a closed vocabulary (kmskit.expect); a negative"
    " test changes exactly one thing in a valid message.",
    "The keys are public test keys drawn from the seed: never use them to protect data.",
)


def _version() -> str:
    try:
        return metadata.version("kmskit")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0+unknown"


def _test_id(index: int, name: str) -> str:
    return name if index == 0 else f"set{index}-{name}"


def _entry(test_id: str, case: EnvCase) -> dict[str, Any]:
    result: dict[str, Any]
    if case.expect == SUCCESS:
        result = {"output": {"plaintext": f"file://plaintexts/{case.plaintext}"}}
    else:
        result = {"error": {"error-description": f"{case.expect}: {case.error}"}}
    entry: dict[str, Any] = {
        "description": case.description,
        "ciphertext": f"file://ciphertexts/{test_id}",
        "master-keys": [dict(spec) for spec in case.master_keys],
        "result": result,
        "kmskit-expect": case.expect,
    }
    if case.required_context is not None:
        entry["kmskit-required-encryption-context"] = dict(case.required_context)
    if case.tampering is not None:
        entry["kmskit-tampering"] = case.tampering
    if case.max_encrypted_data_keys is not None:
        entry["kmskit-max-encrypted-data-keys"] = case.max_encrypted_data_keys
    return entry


def _manifest(
    tests: Mapping[str, EnvCase], keys_file: str, generator: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "manifest": {"type": "awses-decrypt", "version": DECRYPT_MANIFEST_VERSION},
        "client": {"name": "kmskit", "version": generator["version"]},
        "keys": f"file://{keys_file}",
        "kmskit": {
            "expect": dict(DESCRIPTIONS),
            "generator": dict(generator),
            "header": list(_HEADER),
        },
        "tests": {test_id: _entry(test_id, case) for test_id, case in tests.items()},
    }


def _assemble(
    cases: Mapping[str, EnvCase],
    sets: Sequence[KeySet],
    plaintexts: Mapping[str, bytes],
    generator: Mapping[str, Any],
) -> dict[str, bytes]:
    portable = {i: c for i, c in cases.items() if not c.extended}
    extended = {i: c for i, c in cases.items() if c.extended}
    tree = {
        MANIFEST: dumps(_manifest(portable, KEYS, generator)),
        KEYS: dumps(keys_manifest(sets, with_sm2=False)),
        EXTENDED_MANIFEST: dumps(_manifest(extended, EXTENDED_KEYS, generator)),
        EXTENDED_KEYS: dumps(keys_manifest(sets, with_sm2=True)),
    }
    for test_id, case in cases.items():
        tree[f"ciphertexts/{test_id}"] = case.ciphertext
        if case.plaintext is not None:
            tree[f"plaintexts/{case.plaintext}"] = plaintexts[case.plaintext]
    return dict(sorted(tree.items()))


def generate_tree(*, seed: str, count: int | None = None) -> dict[str, bytes]:
    """Build the envelope vector directory from ``seed``: relative path -> bytes.

    ``count`` is the number of key sets (default 1); each runs the whole case list with its
    own keys. Deterministic. Every case is checked by kmskit before returning. Raises
    ValidationException for a count outside [1, 64] or a non-string seed; RuntimeError if
    kmskit disagrees with a case it just generated (a bug in kmskit or in the generator).
    """
    from kmskit.vectors._check import MAX_COUNT
    from kmskit.vectors._envelope_check import check_tree

    if not isinstance(seed, str):
        raise ValidationException("the seed must be a string")
    n = DEFAULT_COUNT if count is None else count
    if not isinstance(n, int) or not 1 <= n <= MAX_COUNT:
        raise ValidationException(f"count must be between 1 and {MAX_COUNT} (got {n})")
    root = Drbg(seed, KIND)
    plaintexts = {
        name: root.at(f"envelope/plaintexts/{name}").read(size) for name, size in PLAINTEXTS.items()
    }
    sets = [KeySet.draw(root, i) for i in range(n)]
    cases: dict[str, EnvCase] = {}
    for key_set in sets:
        setup = Setup(key_set, plaintexts)
        set_rng = root.at(f"envelope/set{key_set.index}")
        for fn in CASES:
            cases[_test_id(key_set.index, fn.name)] = fn.make(setup, set_rng.child(fn.name))
    generator = {
        "count": n,
        "drbg": "HMAC-SHA256-CTR/v1",
        "format": FORMAT_VERSION,
        "kind": KIND,
        "name": "kmskit",
        "seed": seed,
        "version": _version(),
    }
    tree = _assemble(cases, sets, plaintexts, generator)
    report = check_tree(tree)
    if not report.ok:
        first = report.failures[0]
        raise RuntimeError(
            f"kmskit disagrees with {len(report.failures)} generated envelope case(s); first:"
            f" {first.comment} expected {first.expected}, got {first.got}: {first.detail}"
        )
    return tree
