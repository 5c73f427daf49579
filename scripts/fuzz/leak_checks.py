"""Checks schemathesis runs on every response the fuzzer gets from Redress.

Loaded through SCHEMATHESIS_HOOKS by scripts/fuzz.sh. Every response must
be JSON below HTTP 500, every error must carry a documented
`extensions.code` other than INTERNAL, and nothing may leak how the server
is built.
"""

import json
import re

import schemathesis

# What no response may contain: the database drivers and ORM, SQL as a
# database prints it, Rust source paths and panics. Policy scripts and
# complaint texts are prose, so SQL keywords count only in capitals. Bodies
# are read as raw JSON text, where a quote may be escaped.
LEAKS = re.compile(
    r"(?i:sqlx|sea_orm|sea-orm|seaorm|rusqlite|tokio_postgres|"
    r"no such table|SQLSTATE|syntax error at or near|"
    r"panicked at|stack backtrace|RUST_BACKTRACE)|"
    r"\bSELECT\b[^\n]{0,200}\bFROM\b|\bINSERT INTO\b|\bUPDATE\s+\\?\"?\w+\\?\"?\s+SET\b|\bDELETE FROM\b|"
    r"relation \\?\"\w+\\?\" does not exist|/src/[\w/]+\.rs|\.rs:\d+"
)

CODES = {
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "CONFLICT",
    "POLICY_REJECTED",
    "POLICY_ERROR",
    "INTERNAL",
}


def _errors(body):
    if isinstance(body, list):
        for item in body:
            yield from _errors(item)
    elif isinstance(body, dict):
        yield from body.get("errors") or []


@schemathesis.check
def leaks_nothing(ctx, response, case):
    """No response names SQL, drivers, source files, panics or backtraces."""
    text = response.text or ""
    found = LEAKS.search(text)
    if found:
        raise AssertionError(f"the response leaks internals ({found.group(0)!r}): {text[:500]}")


@schemathesis.check
def typed_errors_only(ctx, response, case):
    """No 5xx; every answer is JSON and every error has a documented code other than INTERNAL.

    Schemathesis' own `not_a_server_error` counts every GraphQL error as a
    server failure; here FORBIDDEN, NOT_FOUND and BAD_USER_INPUT are the
    right answers to generated input, and only INTERNAL is a failure.
    """
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}: {(response.text or '')[:300]}")
    try:
        body = json.loads(response.text or "")
    except ValueError:
        raise AssertionError(f"HTTP {response.status_code} without a JSON body: {(response.text or '')[:300]}")
    for error in _errors(body):
        code = (error.get("extensions") or {}).get("code")
        if code not in CODES:
            raise AssertionError(f"an error without a documented code: {error}")
        if code == "INTERNAL":
            raise AssertionError(f"the server failed internally: {error}")
