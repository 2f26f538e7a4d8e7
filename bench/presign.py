"""Writes a wrk Lua script that sends one GuardDuty CreateMembers request (50 accounts) signed by
botocore for the emulator at ENDPOINT. The signature stays valid for five minutes.

    python3 bench/presign.py http://127.0.0.1:PORT DETECTOR_ID > emulator.lua
"""

import json
import sys

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

endpoint, detector = sys.argv[1], sys.argv[2]
# The emulator's built-in keys (enlist_emulator::ACCESS_KEY / SECRET_KEY); never real AWS keys.
credentials = Credentials("AKIDENLISTEMULATOR01", "enlist/emulator/secret/not/a/real/aws/key")
accounts = [{"accountId": f"{500000000000 + i:012d}", "email": f"load{i}@example.com"} for i in range(50)]
body = json.dumps({"accountDetails": accounts})
request = AWSRequest(method="POST", url=f"{endpoint}/detector/{detector}/member", data=body.encode(), headers={"Content-Type": "application/json"})
SigV4Auth(credentials, "guardduty", "us-east-1").add_auth(request)
headers = {k: v for k, v in request.headers.items()}
lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(body)}"]
lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
print("\n".join(lines))
