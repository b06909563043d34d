"""kmskit's HTTP front end: ``kmskit serve``, the AWS KMS JSON 1.1 API over HTTP.

The keystore's operation table (:mod:`kmskit.keystore.api_table`) is the API; this layer
only authenticates requests (SigV4 with access keys the keystore issues), turns JSON into
table requests and results into AWS-shaped responses, and runs on uvicorn. It does no
cryptography of its own. Installed with ``pip install 'kmskit[server]'``.

spec: docs/server.md
"""
