"""Serializes requests and decodes error responses with botocore, the AWS reference client.

Reads a JSON object from stdin: {"requests": [{"service", "operation", "params"}],
"errors": [{"service", "operation", "status", "headers", "body"}]} and prints what botocore makes
of each, offline (no credentials, no network): the request's method, path, query and parsed JSON
body, with the service model's validation on; and the error's code, message and request ID.
"""

import json
import sys

import botocore.session
from botocore import serialize
from botocore.awsrequest import HeadersDict
from botocore.parsers import RestJSONParser


def main():
    cases = json.load(sys.stdin)
    session = botocore.session.get_session()
    validating = serialize.create_serializer("rest-json", include_validation=True)
    # botocore's Detective model marks EmailAddress required, but Detective accepts organization
    # accounts without one (its CreateMembers documentation says so); such cases ask for no
    # validation.
    plain = serialize.create_serializer("rest-json", include_validation=False)
    requests = []
    for case in cases["requests"]:
        operation = session.get_service_model(case["service"]).operation_model(case["operation"])
        serializer = validating if case.get("validate", True) else plain
        request = serializer.serialize_to_request(case["params"], operation)
        body = request["body"].decode("utf-8") if request["body"] else ""
        requests.append(
            {
                "method": request["method"],
                "path": request["url_path"],
                "query": {k: str(v) for k, v in request["query_string"].items()},
                "contentType": request["headers"].get("Content-Type"),
                "body": json.loads(body) if body else None,
            }
        )
    errors = []
    for case in cases["errors"]:
        operation = session.get_service_model(case["service"]).operation_model(case["operation"])
        headers = HeadersDict()
        for name, value in case["headers"]:
            headers[name] = value
        response = {"status_code": case["status"], "headers": headers, "body": case["body"].encode("utf-8")}
        parsed = RestJSONParser().parse(response, operation.output_shape)
        errors.append(
            {
                "code": parsed["Error"]["Code"],
                "message": parsed["Error"]["Message"],
                "requestId": parsed.get("ResponseMetadata", {}).get("RequestId"),
            }
        )
    json.dump({"requests": requests, "errors": errors}, sys.stdout)


if __name__ == "__main__":
    main()
