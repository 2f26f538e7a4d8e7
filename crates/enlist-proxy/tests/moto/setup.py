"""Creates an IAM user, an access key and a GuardDuty policy in a moto server whose first three
actions are unauthenticated (INITIAL_NO_AUTH_ACTION_COUNT=3), and prints the key and secret.

    python3 setup.py http://127.0.0.1:PORT
"""

import json
import sys

import boto3

iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="setup", aws_secret_access_key="setup")
iam.create_user(UserName="enlist")
key = iam.create_access_key(UserName="enlist")["AccessKey"]
policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "guardduty:*", "Resource": "*"}]}
iam.put_user_policy(UserName="enlist", PolicyName="guardduty", PolicyDocument=json.dumps(policy))
print(key["AccessKeyId"], key["SecretAccessKey"])
