"""Lighthouse (mobile, its default) on the home, inquiry and booking pages in each language.

The aim is 100 in every category; the test fails below 95. Performance is measured on this
machine, so a busy machine costs a page points (a page without script showed 490 ms of blocking
time while other test suites ran beside it): a page below the mark is measured again, at most
twice, and its best run counts. A run in which Lighthouse itself fails, without scores, is
tried again, up to five times in all for a page: Lighthouse 12.8 with this Chromium now and then
records a trace without the page's navigation start ("NO_NAVSTART"), more often on a busy
machine (three times in a row once, while benchmarks ran beside CI). Its errors are kept, and
a page with no scored run fails the test with them. The scores are printed as a table and kept
in test-artifacts/.
"""

import json
import os
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.aventuria.node_tools import LIGHTHOUSE, require
from tests.aventuria.public_pages import LANGUAGES, page_url

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
]

CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
PASS_MARK = 95
MAX_RUNS = 3  # Scored runs of a page below the mark.
MAX_CRASHES = 5  # Runs of a page in which Lighthouse itself failed.
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run"


class LighthouseFailed(Exception):
    pass


def lighthouse(url: str, report: Path) -> dict:
    env = os.environ | {"CHROME_PATH": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")}
    report.unlink(missing_ok=True)
    try:
        run = subprocess.run(  # noqa: S603 (our own command line)
            [
                str(require(LIGHTHOUSE)),
                url,
                "--quiet",
                "--output=json",
                f"--output-path={report}",
                f"--only-categories={','.join(CATEGORIES)}",
                f"--chrome-flags={CHROME_FLAGS}",
            ],
            env=env,
            timeout=180,
            capture_output=True,
            text=True,
        )
    except subprocess.TimeoutExpired as exc:
        raise LighthouseFailed(f"no result within {exc.timeout} s") from exc
    if run.returncode != 0 or not report.exists():
        raise LighthouseFailed(f"exit code {run.returncode}: {run.stderr.strip()[-2000:]}")
    result = json.loads(report.read_text())
    if result.get("runtimeError"):
        raise LighthouseFailed(f"runtime error: {result['runtimeError']}")
    return result


def scores_of(result: dict) -> dict[str, int]:
    return {c: round(result["categories"][c]["score"] * 100) for c in CATEGORIES}


def markdown_table(rows: list[tuple[str, dict, int]]) -> str:
    lines = ["| page | " + " | ".join(CATEGORIES) + " | runs |"]
    lines.append("|---" * (len(CATEGORIES) + 2) + "|")
    for label, scores, runs in rows:
        lines.append(
            f"| {label} | " + " | ".join(str(scores[c]) for c in CATEGORIES) + f" | {runs} |"
        )
    return "\n".join(lines)


def test_home_inquiry_and_booking_pages_score_at_least_95_in_every_lighthouse_category(
    live_site, settings, artifacts_dir, capsys
):
    # Lighthouse treats localhost as a secure origin, as production's HTTPS is.
    settings.SITE_URL = f"http://localhost:{urlsplit(live_site.url).port}"
    rows = []
    failures = []
    for name in ("home", "inquiry", "booking"):
        for language in LANGUAGES:
            label = f"{name}-{language}"
            url = settings.SITE_URL + page_url(name, language)
            runs, scores, errors = 0, None, []
            while (
                runs - len(errors) < MAX_RUNS
                and len(errors) < MAX_CRASHES
                and (scores is None or scores["performance"] < PASS_MARK)
            ):
                runs += 1
                try:
                    run = lighthouse(url, artifacts_dir / f"lighthouse-{label}-{runs}.json")
                except LighthouseFailed as exc:
                    errors.append(f"run {runs}: {exc}")
                    continue
                if scores is None or scores_of(run)["performance"] > scores["performance"]:
                    result, scores = run, scores_of(run)
            if errors:
                (artifacts_dir / f"lighthouse-{label}-errors.txt").write_text("\n".join(errors))
            if scores is None:
                failures.append(f"{label}: Lighthouse failed {runs} times: {'; '.join(errors)}")
                continue
            rows.append((label, scores, runs))
            low = [f"{category} {score}" for category, score in scores.items() if score < PASS_MARK]
            if low:
                audits = [
                    audit["id"]
                    for audit in result["audits"].values()
                    if audit.get("score") is not None and audit["score"] < 1
                ]
                failures.append(f"{label}: {', '.join(low)} (audits below 1: {', '.join(audits)})")
    table = markdown_table(rows)
    (artifacts_dir / "lighthouse.md").write_text(table + "\n")
    with capsys.disabled():
        print("\nLighthouse, mobile:\n" + table)
    assert failures == []
