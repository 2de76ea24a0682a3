"""Every public page is valid HTML by the Nu HTML Checker (vnu.jar, the W3C validator's engine)."""

import json
import shutil
import subprocess

import pytest

from tests.aventuria.node_tools import VNU, require
from tests.aventuria.public_pages import LANGUAGES, page_url, public_pages

pytestmark = pytest.mark.django_db


def test_every_public_page_is_valid_html(client, tmp_path):
    java = shutil.which("java")
    if java is None:
        pytest.fail("Java is needed to run vnu.jar (Debian package default-jre-headless)")
    documents = {label: client.get(path) for label, path in public_pages()}
    for language in LANGUAGES:
        # An empty form comes back with the error summary and the errors at the fields.
        documents[f"inquiry-errors-{language}"] = client.post(page_url("inquiry", language), {})
    for label, response in documents.items():
        assert response["Content-Type"] == "text/html; charset=utf-8", label
        (tmp_path / f"{label}.html").write_bytes(response.content)
    # One Java start for all pages: the checker takes seconds to start.
    result = subprocess.run(  # noqa: S603 (our own command line)
        [java, "-jar", str(require(VNU)), "--format", "json", "--stdout", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(result.stdout)["messages"]
    problems = [
        f"{message['url'].rsplit('/', 1)[-1]}:{message.get('lastLine')}: {message['message']}"
        for message in messages
        if message["type"] == "error" or message.get("subType") in ("warning", "fatal")
    ]
    assert not problems, "\n".join(problems)
    assert len(documents) == 16
