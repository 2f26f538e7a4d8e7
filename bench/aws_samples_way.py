"""The contrast for `cargo xtask bench`'s whole-run figure: a list pushed the way the aws-samples
GuardDuty multi-account scripts push it — for each region in turn, ListDetectors, then one
CreateMembers call per account, sequentially, with boto3's own retries (standard mode, 3 attempts).
An account whose call still fails after the SDK's retries is lost (the scripts print and move on).

    python3 bench/aws_samples_way.py ENDPOINT LIST.csv LIMIT REGION...

Reads the first LIMIT accounts of the console CSV and prints one line:

    bench aws-samples accounts=N regions=R calls=C created=K lost=L seconds=S
"""

import csv
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, path, limit, regions = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
with open(path, newline="") as f:
    rows = list(csv.reader(f))[1:]
accounts = [(row[0], row[1]) for row in rows[:limit]]

# The emulator's built-in keys (enlist_emulator::ACCESS_KEY / SECRET_KEY); never real AWS keys.
session = boto3.session.Session(
    aws_access_key_id="AKIDENLISTEMULATOR01",
    aws_secret_access_key="enlist/emulator/secret/not/a/real/aws/key",
)
config = Config(retries={"mode": "standard", "max_attempts": 3})

created = lost = calls = 0
start = time.monotonic()
for region in regions:
    client = session.client("guardduty", region_name=region, endpoint_url=endpoint, config=config)
    detector = client.list_detectors()["DetectorIds"][0]
    for account_id, email in accounts:
        calls += 1
        try:
            answer = client.create_members(DetectorId=detector, AccountDetails=[{"AccountId": account_id, "Email": email}])
        except ClientError as error:
            print(f"{region} {account_id}: {error.response['Error']['Code']}", file=sys.stderr)
            lost += 1
            continue
        if answer.get("UnprocessedAccounts"):
            lost += 1
        else:
            created += 1
seconds = time.monotonic() - start
print(
    f"bench aws-samples accounts={len(accounts)} regions={len(regions)} calls={calls} "
    f"created={created} lost={lost} seconds={seconds:.2f}"
)
