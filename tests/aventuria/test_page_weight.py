"""The home page is light: at most 30 KB over the wire in all, nothing from another origin, no
JavaScript, and nothing the Content-Security-Policy has to refuse (bench/page_weight: per page)."""

from urllib.parse import urlsplit

import pytest

from tests.aventuria.public_pages import LANGUAGES, page_url

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
]

BUDGET = 30 * 1024


@pytest.mark.parametrize("language", LANGUAGES)
def test_home_page_transfers_under_budget_from_one_origin_without_script(live_site, page, language):
    responses = []
    console_errors = []
    page.on("response", lambda response: responses.append(response))
    page.on("console", lambda message: message.type == "error" and console_errors.append(message))
    page.goto(live_site.url + page_url("home", language), wait_until="networkidle")

    origins = {urlsplit(response.url).netloc for response in responses}
    assert origins == {urlsplit(live_site.url).netloc}
    assert [r.url for r in responses if r.status != 200] == []
    scripts = [
        r.url
        for r in responses
        if r.request.resource_type in ("script", "xhr", "fetch", "eventsource", "websocket")
    ]
    assert scripts == []
    # The stylesheet comes compressed, as WhiteNoise serves it.
    stylesheet = next(r for r in responses if r.request.resource_type == "stylesheet")
    assert stylesheet.header_value("content-encoding") in ("br", "gzip")
    transferred = 0
    for response in responses:
        sizes = response.request.sizes()
        transferred += sizes["responseHeadersSize"] + sizes["responseBodySize"]
    assert 0 < transferred <= BUDGET
    # The only <script> is the JSON-LD data block; no CSP refusal shows in the console.
    assert page.evaluate("[...document.scripts].map(s => s.type)") == ["application/ld+json"]
    assert [message.text for message in console_errors] == []
    assert page.evaluate("JSON.parse(document.scripts[0].text)['@type']") == "ProfessionalService"
