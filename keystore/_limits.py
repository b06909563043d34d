"""The limits of the KMS key model (aliases, tags, deletion windows, pages), in one place.

Algorithm facts (key lengths, plaintext and blob sizes, NumberOfBytes) live in
:mod:`offline.specs`; this module holds the rest, each with its AWS or Alibaba source.
"""

from __future__ import annotations

import re

# AWS KMS CreateAlias: "alias/" prefix, 1–256 characters, ^alias/[a-zA-Z0-9/_-]+$, and the
# alias/aws/ prefix is reserved for AWS managed keys.
ALIAS_PREFIX = "alias/"
RESERVED_ALIAS_PREFIX = "alias/aws/"
MAX_ALIAS_NAME = 256
ALIAS_PATTERN = re.compile(r"alias/[a-zA-Z0-9/_-]+")

# AWS KMS TagResource: keys 1–128 characters, values 0–256, at most 50 tags per key, and the
# aws: prefix is reserved (in any case). Alibaba Cloud reserves acs: and aliyun as well.
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 256
MAX_TAGS_PER_KEY = 50
RESERVED_TAG_PREFIXES = ("aws:", "acs:", "aliyun")

# AWS KMS ScheduleKeyDeletion PendingWindowInDays: 7–30, default 30.
MIN_PENDING_WINDOW_DAYS = 7
MAX_PENDING_WINDOW_DAYS = 30
DEFAULT_PENDING_WINDOW_DAYS = 30

# AWS KMS list operations, "Limit" (minimum 1) and its default when absent. Markers are
# 1–1024 characters.
LIST_KEYS_LIMITS = (1000, 100)  # ListKeys: at most 1000, default 100
LIST_ALIASES_LIMITS = (100, 50)  # ListAliases: at most 100, default 50
LIST_TAGS_LIMITS = (50, 50)  # ListResourceTags: at most 50, default 50
MAX_MARKER = 1024

# AWS KMS CreateKey Description: 0–8192 characters. KeyIdType: 1–2048 characters.
MAX_DESCRIPTION = 8192
MAX_KEY_ID = 2048

# AWS KMS EnableKeyRotation RotationPeriodInDays: 90–2560, default 365. Alibaba Cloud KMS
# automatic rotation (RotationInterval): 7–365 days. Keyed by the home's naming.
ROTATION_PERIOD_DAYS = {"aws": (90, 2560), "alibaba": (7, 365)}
DEFAULT_ROTATION_PERIOD_DAYS = 365
# AWS KMS RotateKeyOnDemand: at most 25 on-demand rotations per key.
MAX_ON_DEMAND_ROTATIONS = 25
# AWS KMS ListKeyRotations Limit: at most 1000, default 100.
LIST_ROTATIONS_LIMITS = (1000, 100)

# AWS KMS GetParametersForImport: the wrapping public key and import token are valid for 24
# hours. ImportKeyMaterial ValidTo: a future time at most 365 days after the request.
IMPORT_PARAMETERS_VALID_HOURS = 24
MAX_VALID_TO_DAYS = 365

# X.520 upper bounds (RFC 5280 Appendix A) for the subject of a CSR: common name,
# organization and unit 64 characters, state and locality 128, e-mail 255 (PKCS #9); the
# country is two letters (ISO 3166).
CSR_SUBJECT_LIMITS = {
    "common_name": 64,
    "organization": 64,
    "organizational_unit": 64,
    "state": 128,
    "locality": 128,
    "email": 255,
}
