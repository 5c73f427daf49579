"""Reads schemathesis' VCR cassettes once more, response bodies only, so a
check that failed to load cannot let a leak pass silently.

    python cassette_leaks.py CASSETTE...   # exit 1 when a response leaks
"""

import sys
from types import SimpleNamespace

import yaml

from leak_checks import leaks_nothing, typed_errors_only


def responses(path):
    with open(path, encoding="utf-8") as file:
        cassette = yaml.safe_load(file) or {}
    for interaction in cassette.get("http_interactions") or []:
        response = interaction.get("response") or {}
        body = response.get("body") or {}
        text = body.get("string") if isinstance(body, dict) else None
        status = (response.get("status") or {}).get("code")
        yield status, text or ""


def main(paths):
    bad = 0
    seen = 0
    for path in paths:
        for status, text in responses(path):
            seen += 1
            # The same checks the fuzzer ran live: a data value that
            # happens to read "INTERNAL" (an officer named so) is no error.
            response = SimpleNamespace(text=text, status_code=int(status or 0))
            try:
                leaks_nothing(None, response, None)
                typed_errors_only(None, response, None)
            except AssertionError as error:
                bad += 1
                if bad <= 5:
                    print(f"{path}: HTTP {status}: {error}"[:400], file=sys.stderr)
    print(f"{seen} recorded responses read, {bad} leaking, INTERNAL or 5xx")
    if seen == 0:
        print("no responses were recorded", file=sys.stderr)
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
