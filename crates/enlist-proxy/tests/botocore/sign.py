"""Signs requests with botocore's SigV4Auth at a fixed time, for comparison with the proxy.

Reads [{"method", "url", "body", "headers", "service", "region"}] on stdin and prints the
Authorization header botocore computes for each, with the AWS SigV4 test suite's credentials.
"""

import datetime
import json
import sys
from unittest import mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

CREDENTIALS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
TIME = datetime.datetime(2015, 8, 30, 12, 36, 0)

out = []
for case in json.load(sys.stdin):
    request = AWSRequest(method=case["method"], url=case["url"], data=case["body"].encode("utf-8"), headers=case["headers"])
    with mock.patch("botocore.auth.get_current_datetime", return_value=TIME):
        SigV4Auth(CREDENTIALS, case["service"], case["region"]).add_auth(request)
    out.append(request.headers["Authorization"])
json.dump(out, sys.stdout)
