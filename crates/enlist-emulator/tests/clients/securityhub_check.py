"""Talks to the Enlist emulator's Security Hub with boto3 (the real AWS SDK for Python) and prints
what it got.

    python3 securityhub_check.py http://127.0.0.1:PORT ACCESS_KEY SECRET_KEY

The emulator is expected to run with the organization account 444455556666, `eu-north-1` among
`securityHubDisabledRegions`, and no faults: the script sets the faults itself at the end.
"""

import json
import sys
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, access_key, secret_key = sys.argv[1:4]
# One attempt: throttling and 5xx must reach the script, not botocore's retries.
config = Config(retries={"max_attempts": 1, "mode": "standard"})


def client(region="us-east-1"):
    return boto3.client(
        "securityhub",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=config,
    )


def error_of(call):
    try:
        call()
    except ClientError as error:
        return [error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"], error.response["Error"]["Message"]]
    return None


def set_faults(faults):
    request = urllib.request.Request(endpoint + "/_emulator/faults", data=json.dumps(faults).encode(), method="POST")
    with urllib.request.urlopen(request) as response:
        assert response.status == 204, response.status


def statuses(members):
    return [[m["AccountId"], m["MemberStatus"]] for m in members]


out = {}
sh = client()
hub = sh.describe_hub()
out["hub"] = {k: hub[k] for k in ("HubArn", "SubscribedAt", "AutoEnableControls", "ControlFindingGenerator")}
out["hub_named"] = sh.describe_hub(HubArn=hub["HubArn"])["HubArn"]

created = sh.create_members(
    AccountDetails=[
        {"AccountId": "222233334444", "Email": "member@example.com"},
        {"AccountId": "333344445555"},
        {"AccountId": "444455556666", "Email": "org@example.com"},
        {"AccountId": "555566667777", "Email": "fifth@example.com"},
        {"AccountId": "111122223333", "Email": "admin@example.com"},
        {"AccountId": "1234", "Email": "short@example.com"},
    ]
)
out["created_unprocessed"] = created["UnprocessedAccounts"]
out["created_again"] = sh.create_members(AccountDetails=[{"AccountId": "222233334444", "Email": "member@example.com"}])["UnprocessedAccounts"]
out["invited_unprocessed"] = sh.invite_members(AccountIds=["222233334444", "333344445555", "444455556666", "999988887777"])["UnprocessedAccounts"]

got = sh.get_members(AccountIds=["222233334444", "333344445555", "444455556666", "999988887777"])
out["get"] = statuses(got["Members"])
out["get_unprocessed"] = got["UnprocessedAccounts"]
first = got["Members"][0]
out["get_first"] = {
    "Email": first.get("Email"),
    "AdministratorId": first["AdministratorId"],
    "MasterId": first["MasterId"],
    # botocore parses the ISO-8601 timestamps into datetimes.
    "InvitedAt": type(first["InvitedAt"]).__name__,
    "UpdatedAt": type(first["UpdatedAt"]).__name__,
}
out["get_without_email"] = "Email" in got["Members"][1]
out["get_organization_invited_at"] = "InvitedAt" in got["Members"][2]

out["list_default"] = statuses(sh.list_members()["Members"])
out["list_associated"] = statuses(sh.list_members(OnlyAssociated=True)["Members"])
out["list_all"] = statuses(sh.list_members(OnlyAssociated=False)["Members"])
first_page = sh.list_members(OnlyAssociated=False, MaxResults=2)
out["list_first_page"] = [statuses(first_page["Members"]), "NextToken" in first_page]
pages = sh.get_paginator("list_members").paginate(OnlyAssociated=False, PaginationConfig={"PageSize": 2})
out["list_pages"] = [[m["AccountId"] for m in page["Members"]] for page in pages]
out["list_bad_max"] = error_of(lambda: sh.list_members(MaxResults=51))[:2]

deleted = sh.delete_members(AccountIds=["555566667777", "999988887777"])
out["delete_unprocessed"] = [u["AccountId"] for u in deleted["UnprocessedAccounts"]]
out["after_delete"] = [m["AccountId"] for m in sh.list_members(OnlyAssociated=False)["Members"]]

out["hub_disabled"] = error_of(lambda: client("eu-north-1").describe_hub())
out["hub_disabled_members"] = error_of(lambda: client("eu-north-1").create_members(AccountDetails=[{"AccountId": "222233334444"}]))[:2]
out["region_disabled"] = error_of(lambda: client("af-south-1").describe_hub())[:2]
try:
    set_faults({"throttleRate": 1.0})
    throttled = sh.exceptions.LimitExceededException
    try:
        sh.list_members()
        out["throttled"] = None
    except throttled as error:
        out["throttled"] = [error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"]]
    set_faults({"errorRate": 1.0})
    out["internal"] = error_of(lambda: sh.get_members(AccountIds=["222233334444"]))[:2]
finally:
    set_faults({})
print(json.dumps(out))
