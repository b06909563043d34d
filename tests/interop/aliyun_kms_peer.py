"""A peer process: Alibaba's two Python KMS SDKs calling ``kmskit serve``'s Alibaba API.

Run by tests/interop/test_aliyun_kms_sdks.py with the isolated ``.venv-aliyun-kms``
interpreter (alibabacloud-kms20160120 resolves cryptography<51; ``make
.venv-aliyun-kms/.installed`` builds it). It never imports kmskit. Each SDK is used as a user
would, changed only in its endpoint (and the CA of the test server's TLS certificate):

* ``"sdk": "tea"``: alibabacloud-kms20160120's ``Client`` (ACS3-HMAC-SHA256 signatures),
  each action through its typed ``<action>_with_options`` method and request model;
* ``"sdk": "core"``: aliyun-python-sdk-kms request classes on aliyun-python-sdk-core's
  ``AcsClient`` (RPC HMAC-SHA1 signatures), each parameter through its ``set_<Name>``.

request: {"sdk", "host": "127.0.0.1", "port": int, "ca": path, "access_key_id",
          "secret", "region", "calls": [[Action, {Param: wire string}], …]}
answer:  {"results": [{"ok": true, "body": {...}}
                      | {"ok": false, "code": str, "status": int, "message": str}, …]}
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from typing import Any


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _tea(request: dict[str, Any]) -> list[dict[str, Any]]:
    from alibabacloud_kms20160120 import models
    from alibabacloud_kms20160120.client import Client
    from alibabacloud_tea_openapi.models import Config
    from darabonba.runtime import RuntimeOptions

    client = Client(
        Config(
            access_key_id=request["access_key_id"],
            access_key_secret=request["secret"],
            region_id=request["region"],
            endpoint=f"{request['host']}:{request['port']}",
        )
    )
    runtime = RuntimeOptions(ca=request["ca"], autoretry=False, max_attempts=0)
    results = []
    for action, params in request["calls"]:
        typed = dict(params)
        # The typed models take the context as an object; the SDK sends it as JSON.
        for name in (
            "EncryptionContext",
            "SourceEncryptionContext",
            "DestinationEncryptionContext",
        ):
            if name in typed:
                typed[name] = json.loads(typed[name])
        model = getattr(models, f"{action}Request")().from_map(typed)
        try:
            reply = getattr(client, f"{_snake(action)}_with_options")(model, runtime)
            results.append({"ok": True, "body": reply.body.to_map()})
        except Exception as exc:  # the SDK's error: the test checks code and status
            data = getattr(exc, "data", None) or {}
            results.append(
                {
                    "ok": False,
                    "code": str(getattr(exc, "code", type(exc).__name__)),
                    "status": int(getattr(exc, "status_code", 0) or data.get("statusCode", 0)),
                    "message": str(getattr(exc, "message", exc)),
                }
            )
    return results


def _core(request: dict[str, Any]) -> list[dict[str, Any]]:
    from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
    from aliyunsdkcore.client import AcsClient

    client = AcsClient(
        request["access_key_id"],
        request["secret"],
        request["region"],
        port=request["port"],
        verify=request["ca"],
        max_retry_time=0,
        auto_retry=False,
    )
    results = []
    for action, params in request["calls"]:
        module = importlib.import_module(f"aliyunsdkkms.request.v20160120.{action}Request")
        call = getattr(module, f"{action}Request")()
        call.set_endpoint(request["host"])
        call.set_accept_format("JSON")
        for name, value in params.items():
            getattr(call, f"set_{name}")(value)
        try:
            body = client.do_action_with_exception(call)
            results.append({"ok": True, "body": json.loads(body)})
        except ServerException as exc:
            results.append(
                {
                    "ok": False,
                    "code": exc.get_error_code(),
                    "status": exc.get_http_status(),
                    "message": exc.get_error_msg(),
                }
            )
        except ClientException as exc:
            results.append(
                {
                    "ok": False,
                    "code": exc.get_error_code(),
                    "status": 0,
                    "message": exc.get_error_msg(),
                }
            )
    return results


def main() -> None:
    request = json.load(sys.stdin)
    run = {"tea": _tea, "core": _core}[request["sdk"]]
    json.dump({"results": run(request)}, sys.stdout)


if __name__ == "__main__":
    main()
