"""What the emulator behind an Enlist proxy holds: every member of GuardDuty, Detective and Security
Hub in every region given, read
with the services' own ListMembers through the proxy (retried through injected faults).

    python3 truth.py PROXY_URL TOKEN DETECTOR_ID REGION...

Prints one line per member: `service region account status`.
"""

import json
import sys
import time
import urllib.error
import urllib.request

proxy, token, detector, *regions = sys.argv[1:]


def call(method, path, body=None):
    for _ in range(200):
        request = urllib.request.Request(proxy + path, method=method, data=body)
        request.add_header("authorization", f"Bearer {token}")
        if body is not None:
            request.add_header("content-type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)
        except (urllib.error.HTTPError, urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.05)
    raise SystemExit(f"{method} {path} kept failing")


for region in regions:
    token_ = None
    while True:
        query = "onlyAssociated=false&maxResults=50" + (f"&nextToken={token_}" if token_ else "")
        page = call("GET", f"/v1/guardduty/{region}/detector/{detector}/member?{query}")
        for member in page["members"]:
            print("guardduty", region, member["accountId"], member["relationshipStatus"])
        token_ = page.get("nextToken")
        if not token_:
            break
    token_ = None
    while True:
        body = {"GraphArn": f"arn:aws:detective:{region}:111122223333:graph:{detector}", "MaxResults": 200}
        if token_:
            body["NextToken"] = token_
        page = call("POST", f"/v1/detective/{region}/graph/members/list", json.dumps(body).encode())
        for member in page["MemberDetails"]:
            print("detective", region, member["AccountId"], member["Status"])
        token_ = page.get("NextToken")
        if not token_:
            break
    token_ = None
    while True:
        query = "OnlyAssociated=false&MaxResults=50" + (f"&NextToken={token_}" if token_ else "")
        page = call("GET", f"/v1/securityhub/{region}/members?{query}")
        for member in page["Members"]:
            print("securityhub", region, member["AccountId"], member["MemberStatus"])
        token_ = page.get("NextToken")
        if not token_:
            break
