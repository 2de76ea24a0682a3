"""Hypothesis profiles: "ci" (the default) runs a fifth of each property test's examples, so the
suite stays within minutes; HYPOTHESIS_PROFILE=thorough runs them all (before a release, or
after a change to the slot engine or the forms):

    HYPOTHESIS_PROFILE=thorough .venv/bin/python -m pytest -q tests/bookings/test_fuzz.py

Every property test keeps derandomize=True, so both profiles are deterministic."""

import os

from hypothesis import settings

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.register_profile("ci", deadline=None)
settings.register_profile("thorough", deadline=None)
settings.load_profile(PROFILE)


def examples(thorough: int) -> int:
    """A property test's examples under the current profile, from its thorough count."""
    return thorough if PROFILE == "thorough" else max(10, thorough // 5)
