# Every install step lives here: CI runs `.ci/run` (which calls `make test`) on a clean clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-test
DEMO_STAMP := $(VENV)/.installed
# The layer folders install as kmskit.<layer> (pyproject.toml). A strict editable install links
# each file into build/__editable__*, which mypy can read; a file added or removed later needs
# a reinstall, so the folders themselves (their mtime changes then) are prerequisites.
PACKAGE_DIRS := facade offline keystore envelope envelope/keyrings cli server vectors vectors/oracles
EDITABLE := --config-settings editable_mode=strict
LINT_PATHS := facade offline keystore envelope cli server vectors tests bench

.PHONY: demo test lint bench clean fuzz

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(DEMO_STAMP): pyproject.toml $(PACKAGE_DIRS) | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[fast,server]' $(EDITABLE)
	touch $@

$(STAMP): pyproject.toml $(PACKAGE_DIRS) | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[fast,test]' $(EDITABLE)
	touch $@ $(DEMO_STAMP)

# The ESDK with the Material Providers Library, a test peer (tests/interop/mpl_peer.py). It
# lives in its own venv without kmskit: the MPL pins cryptography<51, and in the test extra
# it would hold kmskit's whole test run to an older cryptography.
MPL_VENV := .venv-mpl
MPL_STAMP := $(MPL_VENV)/.installed
MPL_PEER_DEPS := 'aws-encryption-sdk>=4,<5' 'aws-cryptographic-material-providers>=1.11,<2' 'boto3>=1.34'

$(MPL_STAMP): Makefile
	$(PYTHON) -m venv $(MPL_VENV)
	$(MPL_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(MPL_VENV)/bin/python -m pip install --quiet $(MPL_PEER_DEPS)
	touch $@

# Alibaba Cloud's Python Encryption SDK, a test peer (tests/interop/aliyun_esdk_peer.py). Its
# only PyPI build, bestv-aliyun-encryption-sdk, pins cryptography==3.2.1 (an abi3 wheel that
# installs on Python 3.11), so it gets a venv of its own without kmskit.
ALIYUN_ESDK_VENV := .venv-aliyun-esdk
ALIYUN_ESDK_STAMP := $(ALIYUN_ESDK_VENV)/.installed
ALIYUN_ESDK_PEER_DEPS := 'bestv-aliyun-encryption-sdk==0.1.2'

$(ALIYUN_ESDK_STAMP): Makefile
	$(PYTHON) -m venv $(ALIYUN_ESDK_VENV)
	$(ALIYUN_ESDK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(ALIYUN_ESDK_VENV)/bin/python -m pip install --quiet $(ALIYUN_ESDK_PEER_DEPS)
	touch $@

# Alibaba's two Python KMS SDKs, test peers of kmskit serve's Alibaba API
# (tests/interop/aliyun_kms_peer.py): alibabacloud-kms20160120 resolves cryptography<51
# through its signature utilities, so they get a venv of their own. kmskit[aliyun] is
# installed there too (cryptography 50 satisfies kmskit's >=50), as a user of the aliyun
# extra has it: tests/interop/test_aliyun_keyring.py runs that kmskit's provider=aliyun-kms
# keyring, the real SDK path, against kmskit serve. The install is editable in setuptools'
# lenient mode (a finder that maps kmskit.<layer> to the folders), so it always runs the
# working tree's code, new files included, and never touches .venv's strict build/ tree.
ALIYUN_KMS_VENV := .venv-aliyun-kms
ALIYUN_KMS_STAMP := $(ALIYUN_KMS_VENV)/.installed
ALIYUN_KMS_PEER_DEPS := 'alibabacloud-kms20160120>=3,<4' 'aliyun-python-sdk-kms>=2.16,<3' 'aliyun-python-sdk-core>=2.15,<3'

$(ALIYUN_KMS_STAMP): Makefile pyproject.toml
	$(PYTHON) -m venv $(ALIYUN_KMS_VENV)
	$(ALIYUN_KMS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(ALIYUN_KMS_VENV)/bin/python -m pip install --quiet $(ALIYUN_KMS_PEER_DEPS)
	$(ALIYUN_KMS_VENV)/bin/python -m pip install --quiet -e '.[aliyun]'
	touch $@

demo: $(DEMO_STAMP)
	$(VENV)/bin/kmskit demo

lint: $(STAMP)
	$(PY) -m ruff check $(LINT_PATHS)
	$(PY) -m mypy

# Every peer venv is built above, so a test that finds one missing fails (tests/_peers.py).
test: $(STAMP) $(MPL_STAMP) $(ALIYUN_ESDK_STAMP) $(ALIYUN_KMS_STAMP) lint
	KMSKIT_PEERS_REQUIRED=1 $(PY) -m pytest

# A long property-based campaign over every decoder (make test runs the same tests briefly).
FUZZ_EXAMPLES ?= 20000
fuzz: $(STAMP)
	KMSKIT_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q tests/fuzz

# bench_server.py drives both servers with wrk (a C load generator, Debian's package): a
# Python load tops out below what the servers serve. As root it is installed here; otherwise
# the bench says it falls back to a Python load.
bench: $(STAMP)
	@command -v wrk >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || \
	    { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } || true
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) $(MPL_VENV) $(ALIYUN_ESDK_VENV) $(ALIYUN_KMS_VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache

# Shipped test-vector sets: regenerate and compare byte for byte, then check each with the
# independent oracles. `make test` runs the same through tests/vectors/test_shipped.py.
VECTOR_KINDS := sm2-sign sm2-encrypt sm2-ecdh ecdsa rsa-pss rsa-pkcs1 rsa-oaep ecdh
VECTOR_SEED := kmskit-sets-v1
.PHONY: vectors-check vectors-regen
vectors-check: $(STAMP)
	@set -e; for k in $(VECTOR_KINDS); do \
	    $(VENV)/bin/kmskit vectors generate --kind $$k --seed $(VECTOR_SEED) -o - \
	        | cmp - vectors/sets/$$k.json; \
	    $(VENV)/bin/kmskit vectors check vectors/sets/$$k.json --oracle openssl; \
	done; \
	for k in sm2-sign sm2-encrypt; do \
	    $(VENV)/bin/kmskit vectors check vectors/sets/$$k.json --oracle gmssl; \
	done; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(VENV)/bin/kmskit vectors generate --kind envelope --seed $(VECTOR_SEED) -o $$tmp/envelope; \
	diff -r $$tmp/envelope vectors/sets/envelope; \
	$(VENV)/bin/kmskit vectors check vectors/sets/envelope --oracle esdk

vectors-regen: $(STAMP)
	@set -e; for k in $(VECTOR_KINDS); do \
	    $(VENV)/bin/kmskit vectors generate --kind $$k --seed $(VECTOR_SEED) \
	        -o vectors/sets/$$k.json --overwrite; \
	done; \
	$(VENV)/bin/kmskit vectors generate --kind envelope --seed $(VECTOR_SEED) \
	    -o vectors/sets/envelope --overwrite
