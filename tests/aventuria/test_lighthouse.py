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

The runs go in rounds, each round's pages one after another in one Chromium
(lighthouse_runs.mjs): 6 pages in about 35 s where the command line tool, a browser per page and
a wait before it exits, took 70 s.
"""

import json
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.aventuria.node_tools import LIGHTHOUSE, require
from tests.aventuria.public_pages import LANGUAGES, page_url

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
    pytest.mark.long(seconds=35),
]

CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
PASS_MARK = 95
MAX_RUNS = 3  # Scored runs of a page below the mark.
MAX_CRASHES = 5  # Runs of a page in which Lighthouse itself failed.
CHROME_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
]
RUNS_SCRIPT = Path(__file__).with_name("lighthouse_runs.mjs")
RUN_SECONDS = 90  # A page's run, in lighthouse_runs.mjs (10-15 s here, more on a busy machine).


def node() -> str:
    require(LIGHTHOUSE)
    return shutil.which("node") or pytest.fail("node is missing: install Node.js (npm's own)")


def lighthouse(runs: list[tuple[str, Path]], plan: Path) -> list[dict]:
    """Lighthouse's reports of the (url, report path) runs, made one after another in one
    Chromium by lighthouse_runs.mjs. A report whose run failed holds its `runtimeError`; a run
    with no report at all (the whole command failed) gets one here."""
    for _, report in runs:
        report.unlink(missing_ok=True)
    plan.write_text(
        json.dumps(
            {
                "categories": CATEGORIES,
                "chromeFlags": CHROME_FLAGS,
                "runSeconds": RUN_SECONDS,
                "runs": [{"url": url, "output": str(report)} for url, report in runs],
            }
        )
    )
    env = os.environ | {"CHROME_PATH": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")}
    command = subprocess.Popen(  # noqa: S603 (our own command line)
        [node(), str(RUNS_SCRIPT), str(plan)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    # The script gives each run RUN_SECONDS; this is the backstop for the script itself.
    deadline = RUN_SECONDS * len(runs) + 60
    try:
        _, stderr = command.communicate(timeout=deadline)
        failure = f"exit code {command.returncode}: {stderr.strip()[-2000:]}"
    except subprocess.TimeoutExpired:
        # SIGINT first: chrome-launcher then closes the Chromium it started in a process group
        # of its own, which a kill of Node would leave running.
        command.send_signal(signal.SIGINT)
        try:
            command.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            command.kill()
            command.communicate()
        failure = f"no result within {deadline} s"
    return [read_report(report, failure) for _, report in runs]


def read_report(report: Path, failure: str) -> dict:
    try:
        return json.loads(report.read_text())
    except FileNotFoundError:
        return {"runtimeError": {"code": "NO_REPORT", "message": failure}}
    except json.JSONDecodeError as exc:
        return {"runtimeError": {"code": "BROKEN_REPORT", "message": str(exc)}}


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


@dataclass
class Page:
    label: str
    url: str
    runs: int = 0
    errors: list[str] = field(default_factory=list)
    scores: dict[str, int] | None = None
    result: dict | None = None

    def wants_another_run(self) -> bool:
        return (
            self.runs - len(self.errors) < MAX_RUNS
            and len(self.errors) < MAX_CRASHES
            and (self.scores is None or self.scores["performance"] < PASS_MARK)
        )

    def record(self, result: dict) -> None:
        self.runs += 1
        if result.get("runtimeError"):
            self.errors.append(f"run {self.runs}: runtime error: {result['runtimeError']}")
        elif self.scores is None or scores_of(result)["performance"] > self.scores["performance"]:
            self.result, self.scores = result, scores_of(result)


def test_home_inquiry_and_booking_pages_score_at_least_95_in_every_lighthouse_category(
    live_site, settings, artifacts_dir, capsys
):
    # Lighthouse treats localhost as a secure origin, as production's HTTPS is.
    settings.SITE_URL = f"http://localhost:{urlsplit(live_site.url).port}"
    pages = [
        Page(f"{name}-{language}", settings.SITE_URL + page_url(name, language))
        for name in ("home", "inquiry", "booking")
        for language in LANGUAGES
    ]
    # Every page once, then again those below the mark or whose run failed, each round in one
    # Chromium.
    while todo := [page for page in pages if page.wants_another_run()]:
        reports = [artifacts_dir / f"lighthouse-{page.label}-{page.runs + 1}.json" for page in todo]
        results = lighthouse(
            [(page.url, report) for page, report in zip(todo, reports, strict=True)],
            artifacts_dir / "lighthouse-runs.json",
        )
        for page, result in zip(todo, results, strict=True):
            page.record(result)
    rows, failures = [], []
    for page in pages:
        if page.errors:
            (artifacts_dir / f"lighthouse-{page.label}-errors.txt").write_text(
                "\n".join(page.errors)
            )
        if page.scores is None:
            failures.append(
                f"{page.label}: Lighthouse failed {page.runs} times: {'; '.join(page.errors)}"
            )
            continue
        rows.append((page.label, page.scores, page.runs))
        low = [f"{c} {score}" for c, score in page.scores.items() if score < PASS_MARK]
        if low:
            audits = [
                audit["id"]
                for audit in page.result["audits"].values()
                if audit.get("score") is not None and audit["score"] < 1
            ]
            failures.append(f"{page.label}: {', '.join(low)} (audits below 1: {', '.join(audits)})")
    table = markdown_table(rows)
    (artifacts_dir / "lighthouse.md").write_text(table + "\n")
    with capsys.disabled():
        print("\nLighthouse, mobile:\n" + table)
    assert failures == []
