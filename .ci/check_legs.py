"""Every test runs at least once across CI's two legs, and the `once` checks in one leg only.

Collects the suite once, evaluates each leg's marker expression (as .ci/run passes them with
-m) on every test's markers, prints the count per leg, and exits non-zero when a test is in
neither leg or a `once` test would run in both.

    .venv/bin/python .ci/check_legs.py
"""

import os
import sys
from pathlib import Path

import pytest
from _pytest.mark.expression import Expression

ROOT = Path(__file__).resolve().parent.parent
LEGS = {
    "SQLite": "not postgres",
    "PostgreSQL": "postgres or not once",
}


class Markers:
    def __init__(self):
        self.tests: dict[str, set[str]] = {}

    def pytest_collection_finish(self, session):
        for item in session.items:
            self.tests[item.nodeid] = {mark.name for mark in item.iter_markers()}


def main() -> None:
    # Outside CI's rules (CI=true refuses a PostgreSQL test collected without PostgreSQL):
    # this only lists the tests, it runs none.
    os.environ.pop("CI", None)
    os.chdir(ROOT)
    markers = Markers()
    code = pytest.main(["--collect-only", "-qq", "-p", "no:cacheprovider"], plugins=[markers])
    if code != 0 or not markers.tests:
        sys.exit(f"collecting the tests failed ({code})")

    def selected(expression: str) -> set[str]:
        compiled = Expression.compile(expression)
        return {
            test
            for test, names in markers.tests.items()
            if compiled.evaluate(lambda name, /, _names=names, **_kwargs: name in _names)
        }

    legs = {name: selected(expression) for name, expression in LEGS.items()}
    once = selected("once")
    print()
    for name, tests in legs.items():
        print(f"{name} leg (-m '{LEGS[name]}'): {len(tests)} tests")
    both = set.intersection(*legs.values())
    print(
        f"all: {len(markers.tests)} tests, {len(once)} of them `once`; "
        f"{len(both)} run in both legs (they depend on the database)"
    )
    missing = markers.tests.keys() - set.union(*legs.values())
    twice = once & both
    for test in sorted(missing):
        print(f"in neither leg: {test}")
    for test in sorted(twice):
        print(f"`once` but in both legs: {test}")
    if missing or twice:
        sys.exit(1)


if __name__ == "__main__":
    main()
