"""Python baseline for `cargo xtask bench`: what the aws-samples GuardDuty/Detective scripts do.

The scripts read the account list with the csv module and check each ID with a regular
expression; they do not check emails. This does exactly that (and `json` for list-accounts
output), splits the accounts into chunks of 50, and prints the median time per input in the
same line format as the Rust benchmark.

    python3 bench/baseline.py DIR
"""

import csv
import io
import json
import re
import statistics
import sys
import time
from pathlib import Path

ACCOUNT_ID = re.compile(r"^\d{12}$")


def from_rows(rows):
    accounts = {}
    for row in rows:
        if len(row) < 2:
            continue
        account_id, email = row[0].strip(), row[1].strip()
        if not ACCOUNT_ID.match(account_id):
            continue
        accounts[account_id] = email
    return accounts


def parse_csv(text, delimiter):
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    next(reader, None)  # the header row
    return from_rows(reader)


def parse_json(text):
    data = json.loads(text)
    return from_rows((a.get("Id", ""), a.get("Email", "")) for a in data["Accounts"] if a.get("Status") == "ACTIVE")


def chunks(accounts):
    items = list(accounts.items())
    return [items[i : i + 50] for i in range(0, len(items), 50)]


PARSERS = {
    "csv": lambda text: parse_csv(text, ","),
    "tsv": lambda text: parse_csv(text, "\t"),
    "json": parse_json,
}


def measure(parser, text):
    accounts = parser(text)
    times = []
    started = time.perf_counter()
    while len(times) < 5 or (time.perf_counter() - started < 4 and len(times) < 50):
        start = time.perf_counter()
        chunks(parser(text))
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), len(accounts)


def main():
    folder = Path(sys.argv[1])
    for name, ext in (("console-csv", "csv"), ("spreadsheet-tsv", "tsv"), ("list-accounts-json", "json")):
        text = (folder / f"{name}.{ext}").read_text(encoding="utf-8")
        median, minimum, count = measure(PARSERS[ext], text)
        lines = text.count("\n")
        print(f"bench {name} lines={lines} accounts={count} bytes={len(text.encode())} median_ms={median * 1e3:.3f} min_ms={minimum * 1e3:.3f}")


if __name__ == "__main__":
    main()
