"""The README and the docs stay short, linked and true to the code: a newcomer who follows a
link finds the file (and the heading), and a module the docs name is one that imports."""

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = [README, ROOT / "bench" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
# A dotted name in our own packages: bookings.scheduling.meetings, aventuria.cache.cached, ...
# (not the tail of a file name, a host name or an address such as noreply@aventuria.fi).
MODULE = re.compile(r"(?<![\w/.@-])(?:bookings|aventuria|services)(?:\.[A-Za-z_]\w*)+")
# A path in the repository: bookings/outbox/worker.py, tests/bookings/scheduling/, ...
TOP = "aventuria|bookings|services|tests|bench|docs|bin|static|templates|locale"
PATH = re.compile(rf"`((?:{TOP})/[\w./-]*)")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.DOTALL)
    return {slug(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}


def resolves(name: str) -> bool:
    """Whether `name` is a module, or an attribute of one (a class, a function)."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(found, attribute):
                return False
            found = getattr(found, attribute)
        return True
    return False


def test_the_readme_is_at_most_200_lines():
    lines = len(README.read_text().splitlines())
    assert lines <= 200


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_finds_its_file_and_heading(doc):
    broken = []
    for target in LINK.findall(doc.read_text()):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:
        file, _, anchor = target.partition("#")
        linked = (doc.parent / file).resolve() if file else doc
        heading_found = not anchor or linked.suffix != ".md" or anchor in anchors(linked)
        if not (linked.exists() and heading_found):
            broken.append(target)
    assert broken == []


def named_but_missing(text: str) -> list[str]:
    """The modules and repository paths named in `text` that do not exist."""
    modules = {name for name in MODULE.findall(text) if not name.endswith(".py")}
    missing = sorted(name for name in modules if not resolves(name))
    paths = {path.rstrip(".,:") for path in PATH.findall(text) if "<" not in path}
    return missing + sorted(path for path in paths if not (ROOT / path).exists())


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_module_and_path_named_exists(doc):
    assert named_but_missing(doc.read_text()) == []


def test_a_module_or_path_from_before_the_restructure_is_reported():
    text = (
        "The write path (`bookings/booking.py`, `bookings.booking.book_meeting`) now lives in "
        "`bookings/scheduling/meetings.py` as `bookings.scheduling.meetings.book_meeting`; "
        "`services.shared_pages.shared_page` is `aventuria.shared_pages.shared_page`, "
        "`services.py` is a file name and noreply@aventuria.fi an address."
    )
    assert named_but_missing(text) == [
        "bookings.booking.book_meeting",
        "services.shared_pages.shared_page",
        "bookings/booking.py",
    ]
