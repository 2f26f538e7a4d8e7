"""Talks to the Enlist emulator with boto3 (the real AWS SDK for Python) and prints what it got.

    python3 boto3_check.py http://127.0.0.1:PORT ACCESS_KEY SECRET_KEY
"""

import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, access_key, secret_key = sys.argv[1:4]
# Detective's operations carry the host prefix `api.`, which an endpoint on loopback cannot take;
# recent botocore leaves it off explicit endpoints by itself, this makes it explicit.
config = Config(inject_host_prefix=False, retries={"max_attempts": 1})


def client(service, region="us-east-1", secret=secret_key):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret,
        config=config,
    )


def error_code(call):
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"]
    return None


out = {}
gd = client("guardduty")
detector = gd.list_detectors()["DetectorIds"][0]
out["detector"] = detector
created = gd.create_members(
    DetectorId=detector,
    AccountDetails=[
        {"AccountId": "111122223333", "Email": "admin@example.com"},
        {"AccountId": "222233334444", "Email": "member@example.com"},
        {"AccountId": "333344445555", "Email": "second@example.com"},
    ],
)
out["gd_unprocessed"] = created["UnprocessedAccounts"]
again = gd.create_members(DetectorId=detector, AccountDetails=[{"AccountId": "222233334444", "Email": "member@example.com"}])
out["gd_again"] = [u["Result"] for u in again["UnprocessedAccounts"]]
members = gd.list_members(DetectorId=detector, OnlyAssociated="false")["Members"]
out["gd_members"] = [(m["AccountId"], m["RelationshipStatus"]) for m in members]
out["gd_invite"] = gd.invite_members(DetectorId=detector, AccountIds=["222233334444"], Message="Join us", DisableEmailNotification=True)["UnprocessedAccounts"]
out["gd_get"] = [(m["AccountId"], m["RelationshipStatus"]) for m in gd.get_members(DetectorId=detector, AccountIds=["222233334444"])["Members"]]
# An organization account of a delegated administrator is enabled at once; a wrong root email
# fails verification after the invitation.
gd.create_members(DetectorId=detector, AccountDetails=[{"AccountId": "444455556666", "Email": "org@example.com"}, {"AccountId": "555566667777", "Email": "wrong@example.com"}])
gd.invite_members(DetectorId=detector, AccountIds=["555566667777"])
got = gd.get_members(DetectorId=detector, AccountIds=["444455556666", "555566667777", "999988887777"])
out["gd_lifecycle"] = [(m["AccountId"], m["RelationshipStatus"]) for m in got["Members"]]
out["gd_get_unprocessed"] = [u["AccountId"] for u in got["UnprocessedAccounts"]]
out["gd_delete"] = gd.delete_members(DetectorId=detector, AccountIds=["555566667777", "999988887777"])["UnprocessedAccounts"]
out["gd_after_delete"] = sorted(m["AccountId"] for m in gd.list_members(DetectorId=detector, OnlyAssociated="false")["Members"])
out["gd_wrong_detector"] = error_code(lambda: gd.create_members(DetectorId="0" * 32, AccountDetails=[{"AccountId": "222233334444", "Email": "member@example.com"}]))

det = client("detective")
graph = det.list_graphs()["GraphList"][0]["Arn"]
out["graph"] = graph
created = det.create_members(
    GraphArn=graph,
    Message="Join us",
    DisableEmailNotification=True,
    Accounts=[{"AccountId": "222233334444", "EmailAddress": "member@example.com"}, {"AccountId": "111122223333", "EmailAddress": "admin@example.com"}],
)
out["det_members"] = [(m["AccountId"], m["Status"]) for m in created["Members"]]
out["det_unprocessed"] = [u["Reason"] for u in created["UnprocessedAccounts"]]
out["det_list"] = [(m["AccountId"], m["Status"]) for m in det.list_members(GraphArn=graph)["MemberDetails"]]
out["det_get_unprocessed"] = [u["AccountId"] for u in det.get_members(GraphArn=graph, AccountIds=["999988887777"])["UnprocessedAccounts"]]
out["det_get"] = [(m["AccountId"], m["Status"]) for m in det.get_members(GraphArn=graph, AccountIds=["222233334444"])["MemberDetails"]]
removed = det.delete_members(GraphArn=graph, AccountIds=["222233334444", "999988887777"])
out["det_delete"] = [removed["AccountIds"], [u["AccountId"] for u in removed["UnprocessedAccounts"]]]
out["det_unknown_graph"] = error_code(lambda: det.list_members(GraphArn=graph.replace("us-east-1:111122223333", "us-east-1:999988887777")))
out["disabled_region"] = error_code(lambda: client("guardduty", region="af-south-1").list_detectors())
out["wrong_secret"] = error_code(lambda: client("guardduty", secret="not-the-secret").list_detectors())
print(json.dumps(out))
