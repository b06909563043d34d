"""``kmskit kms`` argument parsing against the AWS CLI's own rules.

Two oracles: botocore's KMS service model (in the venv, with boto3) fixes every operation's
flag names, types and required members; the installed ``awscli`` package's shorthand
parser is run side by side with ours on the same strings. ``awscli`` lives in the base
interpreter, not the venv (its botocore pin clashes with boto3's), so it runs there in one
subprocess per test, and those tests skip where it is missing.
"""

from __future__ import annotations

import base64
import gzip
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest

from kmskit.cli._aws_args import AwsCommand, kebab, parse_request
from kmskit.cli._aws_shorthand import ShorthandError, parse_shorthand
from kmskit.cli.kms import OPERATIONS, kms

pytestmark = pytest.mark.unit


def _service_model() -> dict[str, Any]:
    botocore = pytest.importorskip("botocore")
    path = Path(botocore.__file__).parent / "data" / "kms" / "2014-11-01" / "service-2.json.gz"
    with gzip.open(path) as fh:
        model: dict[str, Any] = json.load(fh)
    return model


def run_awscli(script: str, payload: Any) -> Any:
    """Run ``script`` in the base interpreter (where awscli is), JSON in and JSON out."""
    base = getattr(sys, "_base_executable", sys.executable)
    probe = subprocess.run(
        [base, "-c", "import awscli"], capture_output=True, timeout=60, check=False
    )
    if probe.returncode != 0:
        pytest.skip("awscli is not installed in the base interpreter")
    proc = subprocess.run(
        [base, "-c", script],
        input=json.dumps(payload).encode(),
        capture_output=True,
        timeout=120,
        check=True,
    )
    return json.loads(proc.stdout)


# -- the operation table vs the service model -------------------------------------------

# Members we require although the model does not: without a blob there is nothing to do,
# and a usage error (exit 2) says so before the keystore is opened.
_STRICTER = {("Decrypt", "CiphertextBlob"), ("ReEncrypt", "CiphertextBlob")}


def _model_kind(shapes: dict[str, Any], shape_name: str) -> str:
    shape = shapes[shape_name]
    if shape["type"] == "list":
        member = shapes[shape["member"]["shape"]]["type"]
        return "structures" if member == "structure" else "list"
    return str(shape["type"])


# Our extensions, with the flags the issues fix (Alibaba's names, kebab-cased).
_NOT_AWS = {
    "SetDeletionProtection": ["--key-id", "--enable"],
    "GenerateAndExportDataKey": [
        "--key-id",
        "--public-key-blob",
        "--wrapping-key-spec",
        "--wrapping-algorithm",
        "--encryption-context",
        "--key-spec",
        "--number-of-bytes",
    ],
    "GenerateCsr": [
        "--key-id",
        "--common-name",
        "--organization",
        "--organizational-unit",
        "--state",
        "--locality",
        "--country",
        "--email",
        "--signing-algorithm",
        "--out",
        "--overwrite",
    ],
}


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.name)
def test_operation_matches_the_service_model(operation: Any) -> None:
    from botocore import xform_name

    model = _service_model()
    if operation.api in _NOT_AWS:  # Alibaba's, not in the AWS model
        assert [p.cli_flag for p in operation.params] == _NOT_AWS[operation.api]
        return
    op = model["operations"][operation.api]
    assert operation.name == xform_name(operation.api, "-")
    shapes = model["shapes"]
    shape = shapes[op["input"]["shape"]]
    required = set(shape.get("required", []))
    assert [p.member for p in operation.params] == list(shape["members"])
    for param in operation.params:
        member = shape["members"][param.member]
        assert param.cli_flag == "--" + xform_name(param.member, "-")
        assert param.kind == _model_kind(shapes, member["shape"]), param.member
        if (operation.api, param.member) not in _STRICTER:
            assert param.required == (param.member in required), param.member
        if param.choices:
            enum = shapes[member["shape"]].get("enum") or shapes[
                shapes[member["shape"]].get("member", {}).get("shape", member["shape"])
            ].get("enum")
            assert set(param.choices) <= set(enum) | {"SM4"}, param.member


def test_list_operations_are_the_models_paginators() -> None:
    """The operations botocore pages (paginators-1.json) are the ones kmskit pages."""
    botocore = pytest.importorskip("botocore")
    path = Path(botocore.__file__).parent / "data" / "kms" / "2014-11-01" / "paginators-1.json"
    paginators = json.loads(path.read_text())["pagination"]
    for operation in OPERATIONS:
        if operation.api in paginators:
            assert operation.list_key == paginators[operation.api]["result_key"], operation.name
        else:
            assert operation.list_key == "", operation.name


def test_every_listed_operation_is_a_command() -> None:
    wanted = """create-key describe-key list-keys create-alias update-alias delete-alias
    list-aliases enable-key disable-key schedule-key-deletion cancel-key-deletion
    tag-resource untag-resource list-resource-tags encrypt decrypt re-encrypt
    generate-data-key generate-data-key-without-plaintext generate-random
    generate-and-export-data-key
    set-deletion-protection
    sign verify derive-shared-secret generate-mac verify-mac get-public-key
    generate-data-key-pair generate-data-key-pair-without-plaintext
    get-parameters-for-import import-key-material delete-imported-key-material
    enable-key-rotation disable-key-rotation get-key-rotation-status
    rotate-key-on-demand list-key-rotations generate-csr
    put-key-policy get-key-policy list-key-policies create-grant list-grants
    list-retirable-grants retire-grant revoke-grant""".split()
    assert sorted(kms.commands) == sorted(wanted)


@pytest.mark.parametrize(
    "member",
    [
        "KeyId",
        "EncryptionContext",
        "BypassPolicyLockoutSafetyCheck",
        "NumberOfBytes",
        "CustomerMasterKeySpec",
        "DryRunModifiers",
        "XksKeyId",
        "AWSAccountId",
    ],
)
def test_kebab_is_botocore_xform_name(member: str) -> None:
    from botocore import xform_name

    pytest.importorskip("botocore")
    assert kebab(member) == xform_name(member, "-")


# -- flags --------------------------------------------------------------------------------


def parse(operation: str, *args: str) -> tuple[dict[str, Any], Any]:
    command = kms.commands[operation]
    assert isinstance(command, AwsCommand)
    return parse_request(command, click.Context(command), list(args))


def usage_error(operation: str, *args: str) -> str:
    with pytest.raises(click.UsageError) as info:
        parse(operation, *args)
    return info.value.format_message()


def test_list_of_structures_takes_every_word_up_to_the_next_flag() -> None:
    request, _ = parse(
        "create-key",
        "--tags",
        "TagKey=env,TagValue=prod",
        "TagKey=team,TagValue=a b",
        "--description",
        "x",
    )
    assert request["Tags"] == [
        {"TagKey": "env", "TagValue": "prod"},
        {"TagKey": "team", "TagValue": "a b"},
    ]
    assert request["Description"] == "x"


def test_list_of_structures_as_json_and_as_json_objects() -> None:
    as_list = parse("tag-resource", "--key-id", "k", "--tags", '[{"TagKey":"a","TagValue":"b"}]')
    objects = parse(
        "tag-resource",
        "--key-id",
        "k",
        "--tags",
        '{"TagKey":"a","TagValue":"b"}',
        '{"TagKey":"c","TagValue":""}',
    )
    assert as_list[0]["Tags"] == [{"TagKey": "a", "TagValue": "b"}]
    assert objects[0]["Tags"][1] == {"TagKey": "c", "TagValue": ""}


@pytest.mark.parametrize(
    ("tags", "complaint"),
    [
        (["TagKey=a,TagValue=b,TagKey=c,TagValue=d"], 'Second instance of key "TagKey"'),
        (["TagKey=a"], 'Missing required parameter "TagValue"'),
        (["TagKey=a,TagValue=b,Extra=c"], 'Unknown parameter "Extra"'),
        (['[{"TagKey": 1, "TagValue": "b"}]'], "TagKey must be a string"),
        (["[not json"], "Invalid JSON"),
    ],
)
def test_bad_tags_name_the_problem(tags: list[str], complaint: str) -> None:
    assert complaint in usage_error("tag-resource", "--key-id", "k", "--tags", *tags)


def test_list_of_strings() -> None:
    request, _ = parse("untag-resource", "--key-id", "k", "--tag-keys", "a", "b")
    assert request["TagKeys"] == ["a", "b"]
    request, _ = parse("untag-resource", "--key-id", "k", "--tag-keys", '["a", "b"]')
    assert request["TagKeys"] == ["a", "b"]


@pytest.mark.parametrize(
    "value",
    ["Purpose=test,Dept=IT", '{"Purpose": "test", "Dept": "IT"}', "Purpose = test , Dept=IT"],
)
def test_encryption_context_json_or_shorthand(value: str) -> None:
    request, _ = parse(
        "encrypt", "--key-id", "k", "--plaintext", "AQ==", "--encryption-context", value
    )
    assert request["EncryptionContext"] == {"Purpose": "test", "Dept": "IT"}


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("a=b,c", "must be a string, not a list"),
        ('{"a": 1}', "must be a string, not int"),
        ('["a"]', "expected a JSON object"),
        ("{bad json", "Invalid JSON"),
        ("a", "Expected: '='"),
    ],
)
def test_bad_encryption_context(value: str, complaint: str) -> None:
    message = usage_error(
        "encrypt", "--key-id", "k", "--plaintext", "AQ==", "--encryption-context", value
    )
    assert "--encryption-context" in message and complaint in message


def test_blob_forms(work: Path) -> None:
    raw = bytes(range(256))
    (work / "raw.bin").write_bytes(raw)
    (work / "b64.txt").write_text(base64.b64encode(raw).decode() + "\n")
    cases = {
        "fileb://raw.bin": raw,
        "file://b64.txt": raw,  # text that is base64, as AWS CLI v2 reads it
        base64.b64encode(b"hi").decode(): b"hi",
        "aGVs\nbG8=": b"hello",  # wrapped base64 (base64 without -w0) is fine
    }
    for value, expected in cases.items():
        request, _ = parse("encrypt", "--key-id", "k", "--plaintext", value)
        assert request["Plaintext"] == expected, value
    request, _ = parse(
        "encrypt",
        "--key-id",
        "k",
        "--plaintext",
        "héllo",
        "--cli-binary-format",
        "raw-in-base64-out",
    )
    assert request["Plaintext"] == "héllo".encode()


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("not base64!", 'Invalid base64: "not base64!"'),
        ("fileb://missing.bin", "Unable to load paramfile fileb://missing.bin"),
    ],
)
def test_bad_blobs(value: str, complaint: str) -> None:
    message = usage_error("encrypt", "--key-id", "k", "--plaintext", value)
    assert complaint in message and "--plaintext" in message


def test_file_prefix_reads_text_params(work: Path) -> None:
    (work / "ctx.json").write_text('{"a": "b"}\n')
    (work / "desc.txt").write_text("from a file")
    (work / "tags.json").write_text('[{"TagKey": "k", "TagValue": "v"}]')
    request, _ = parse(
        "create-key", "--description", "file://desc.txt", "--tags", "file://tags.json"
    )
    assert request == {"Description": "from a file", "Tags": [{"TagKey": "k", "TagValue": "v"}]}
    request, _ = parse(
        "encrypt", "--key-id", "k", "--plaintext", "AQ==", "--encryption-context", "file://ctx.json"
    )
    assert request["EncryptionContext"] == {"a": "b"}
    (work / "bin").write_bytes(b"\xff\xfe")
    assert "not UTF-8" in usage_error("create-key", "--description", "fileb://bin")
    assert "could not be decoded" in usage_error("create-key", "--description", "file://bin")


def test_booleans_and_last_one_wins() -> None:
    request, _ = parse("create-key", "--multi-region", "--no-multi-region")
    assert request == {"MultiRegion": False}
    request, _ = parse("set-deletion-protection", "--key-id", "k", "--disable", "--enable")
    assert request == {"KeyId": "k", "Enabled": True}
    assert "takes no value" in usage_error("create-key", "--multi-region=true")


def test_equals_form_integers_and_negative_numbers() -> None:
    request, _ = parse("generate-random", "--number-of-bytes=32")
    assert request == {"NumberOfBytes": 32}
    request, _ = parse("generate-random", "--number-of-bytes", "-1")
    assert request == {"NumberOfBytes": -1}  # the keystore answers ValidationException
    assert "invalid integer value: 'many'" in usage_error(
        "generate-random", "--number-of-bytes", "many"
    )


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--key-id", "k", "--bogus"], "No such option '--bogus'"),
        (["--key-id", "k", "--plaintex", "AQ=="], "Did you mean '--plaintext'?"),
        (["--key-id", "k", "--plaintext", "AQ==", "extra"], "Unknown options: extra"),
        (["--key-id"], "argument --key-id: expected a value"),
        (["--plaintext", "AQ=="], "the following arguments are required: --key-id"),
        (["--key-id", "k", "--plaintext", "AQ==", "--output", "table"], "'table' is not supported"),
        (
            [
                "--key-id",
                "k",
                "--plaintext",
                "AQ==",
                "--query",
                "a[",
            ],
            "Bad value for --query a[",
        ),
        (["--key-id", "k", "--plaintext", "AQ==", "--max-items", "3"], "No such option"),
    ],
)
def test_usage_errors(args: list[str], complaint: str) -> None:
    assert complaint in usage_error("encrypt", *args)


def test_globals_are_accepted_anywhere_and_ignored_ones_dropped() -> None:
    request, options = parse(
        "encrypt",
        "--region",
        "eu-west-1",
        "--key-id",
        "k",
        "--no-cli-pager",
        "--plaintext",
        "AQ==",
        "--profile",
        "p",
        "--output",
        "text",
        "--query",
        "KeyId",
        "--home",
        "h",
    )
    assert request == {"KeyId": "k", "Plaintext": b"\x01"}
    assert (options.output, options.home) == ("text", "h")
    assert options.query.search({"KeyId": "x"}) == "x"


def test_aws_default_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_OUTPUT", "text")
    assert parse("list-keys")[1].output == "text"
    # A format kmskit does not print is refused as --output would be, never silently json.
    monkeypatch.setenv("AWS_DEFAULT_OUTPUT", "table")
    assert "AWS_DEFAULT_OUTPUT=table is not supported" in usage_error("list-keys")
    assert parse("list-keys", "--output", "json")[1].output == "json"  # the flag wins


def test_paging_options() -> None:
    _, options = parse("list-keys", "--max-items", "2", "--page-size", "5")
    assert (options.paginate, options.max_items, options.page_size) == (True, 2, 5)
    request, options = parse("list-keys", "--limit", "5")
    assert (request, options.paginate) == ({"Limit": 5}, False)
    assert not parse("list-keys", "--no-paginate")[1].paginate
    assert "Cannot specify --no-paginate" in usage_error(
        "list-keys", "--no-paginate", "--max-items", "1"
    )


def test_cli_input_json(work: Path) -> None:
    (work / "in.json").write_text(
        json.dumps({"KeyId": "k", "Plaintext": "AQI=", "EncryptionContext": {"a": "b"}})
    )
    request, _ = parse("encrypt", "--cli-input-json", "file://in.json", "--key-id", "other")
    assert request == {"KeyId": "other", "Plaintext": b"\x01\x02", "EncryptionContext": {"a": "b"}}
    assert 'Unknown parameter "Nope"' in usage_error("encrypt", "--cli-input-json", '{"Nope": 1}')
    assert "wrong type" in usage_error(
        "generate-random", "--cli-input-json", '{"NumberOfBytes": "1"}'
    )


# -- shorthand, side by side with awscli ---------------------------------------------------

_ORACLE = """
import json, sys
from awscli.shorthand import ShorthandParser, ShorthandParseError
out = []
for text in json.load(sys.stdin):
    try:
        out.append({"ok": ShorthandParser().parse(text)})
    except ShorthandParseError:
        out.append({"error": True})
print(json.dumps(out))
"""

_HANDPICKED = [
    "a=b",
    "a=b,c=d",
    "a=b,c",
    "a=b,c,d=e",
    "a=b=c",
    "a = b , c = d",
    "a=",
    "a=,b=c",
    "a=[b,c]",
    "a=[]",
    "a=[b,[c,d]]",
    "a={b=c,d=[e,f]}",
    "a={}",
    "a='b,c'",
    'a="b,c"',
    "a='it\\'s'",
    'a="say \\"hi\\""',
    "a=b\\,c",
    "a=b,c\\,d",
    "a=b,",
    "a",
    "=b",
    "a=b c",
    "a=b ,c=d",
    "a:b=c",
    "a#b/c=d",
    "a-b.c_d=e",
    "TagKey=x,TagValue=y",
    "a=ü,b=€",
    "a=b,a=c",
    "a=[b,c",
    "a={b=c",
    "a=b,'c'",
    "a=b,'c",
    "a='b",
    "a=b,c=",
    "a=b]",
    "a=b}",
    "a=@b",
    "a=b@c,d=e",
    "a={b='c,d'}",
    "a=[ b , c ]",
    "a=b\tc",
    "a=\U0001f600",
    # create-grant --constraints, as the KMS concepts guide writes them
    "EncryptionContextEquals={Purpose=Test}",
    "EncryptionContextSubset={Department=IT,Purpose=Test}",
]


def test_create_grant_flags_parse_as_the_aws_cli_writes_them() -> None:
    request, _ = parse(
        "create-grant",
        "--key-id", "k",
        "--grantee-principal", "arn:aws:iam::111122223333:user/bob",
        "--operations", "GenerateDataKey", "Decrypt",
        "--constraints", "EncryptionContextEquals={Purpose=Test}",
        "--grant-tokens", "t1",
    )
    assert request == {
        "KeyId": "k",
        "GranteePrincipal": "arn:aws:iam::111122223333:user/bob",
        "Operations": ["GenerateDataKey", "Decrypt"],
        "Constraints": {"EncryptionContextEquals": {"Purpose": "Test"}},
        "GrantTokens": ["t1"],
    }


def test_shorthand_matches_awscli_on_chosen_strings() -> None:
    _compare(_HANDPICKED)


def test_shorthand_matches_awscli_on_random_strings() -> None:
    rng = random.Random(4)
    alphabet = ["a", "b", "=", ",", " ", "[", "]", "{", "}", "'", '"', "\\", "@", "x=", "k=v"]
    texts = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(3000)}
    _compare(sorted(texts))


def _compare(texts: list[str]) -> None:
    expected = run_awscli(_ORACLE, texts)
    mismatches = []
    for text, want in zip(texts, expected, strict=True):
        try:
            got: dict[str, Any] = {"ok": parse_shorthand(text)}
        except ShorthandError:
            got = {"error": True}
        if got != want:
            mismatches.append((text, got, want))
    assert mismatches == []
