"""Proves the fuzzer's checks fail on what they are meant to catch, before
any fuzzing relies on them. Run by scripts/fuzz.sh; exits 1 on a miss."""

import sys
from types import SimpleNamespace

from leak_checks import leaks_nothing, typed_errors_only


def response(text, status=200):
    return SimpleNamespace(text=text, status_code=status)


MUST_FAIL = [
    (leaks_nothing, response('{"errors":[{"message":"error returned from database: sqlx::Error"}]}')),
    (leaks_nothing, response('{"errors":[{"message":"SELECT \\"id\\" FROM \\"cases\\" WHERE"}]}')),
    (leaks_nothing, response('{"errors":[{"message":"relation \\"cases\\" does not exist"}]}')),
    (leaks_nothing, response('{"errors":[{"message":"UPDATE \\"cases\\" SET \\"version\\" = $1"}]}')),
    (leaks_nothing, response('{"errors":[{"message":"thread panicked at src/domain/cases.rs:42:7"}]}')),
    (typed_errors_only, response('{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}')),
    (typed_errors_only, response('{"errors":[{"message":"no code"}]}')),
    (typed_errors_only, response("<html>Bad Gateway</html>", 502)),
    (typed_errors_only, response("", 200)),
]

MUST_PASS = [
    (leaks_nothing, response('{"data":{"policy":{"source":"// update the customer, then set a date"}}}')),
    (typed_errors_only, response('{"data":null,"errors":[{"message":"case not found","extensions":{"code":"NOT_FOUND"}}]}')),
    (typed_errors_only, response('[{"data":{"me":{"subject":"a"}}},{"data":null,"errors":[{"message":"x","extensions":{"code":"FORBIDDEN"}}]}]')),
    (typed_errors_only, response('{"data":{"officers":[{"subject":"INTERNAL","displayName":"INTERNAL"}]}}')),
]


def main():
    missed = []
    for check, sample in MUST_FAIL:
        try:
            check(None, sample, None)
            missed.append(f"{check.__name__} let through: {sample.text[:80]}")
        except AssertionError:
            pass
    for check, sample in MUST_PASS:
        try:
            check(None, sample, None)
        except AssertionError as error:
            missed.append(f"{check.__name__} refused a good response: {error}")
    for line in missed:
        print(line, file=sys.stderr)
    print(f"fuzz checks: {len(MUST_FAIL)} bad and {len(MUST_PASS)} good samples, {len(missed)} misjudged")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
