"""Malformed requests to the site under gunicorn, as the image runs it: the site's own error
page in the visitor's language, never gunicorn's bare error, and nothing forged in the log."""

import pytest

from tests.gunicorn_site import sqlite_site

CSRF_COOKIE = "csrftoken=abcdefghijklmnopqrstuvwxyzABCDEF"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with sqlite_site(tmp_path_factory.mktemp("odd-requests")) as site:
        yield site


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/yhteydenotto/",
        "/en/yhteydenotto/",
        "/admin/login/",
        "/healthz",
        "/robots.txt",
        "/sitemap.xml",
    ],
)
def test_a_body_in_another_charset_gets_the_sites_own_400_page(site, path):
    status, _headers, body = site.request(
        "POST",
        path,
        body="a=b",
        headers={
            "Cookie": CSRF_COOKIE,
            "Referer": "https://aventuria.example/",
            "Content-Type": "application/x-www-form-urlencoded; charset=latin-1",
        },
    )
    assert status == 400
    language = "en" if path.startswith("/en/") else "fi"
    assert f'<html lang="{language}">' in body
    heading = "The request could not be read" if language == "en" else "Pyyntöä ei voitu lukea"
    assert heading in body
    assert 'href="mailto:henna@aventuria.fi"' in body  # the contact details
    assert "Internal Server Error" not in body
    assert "Traceback" not in site.log()


def test_a_broken_multipart_body_gets_the_400_page_too(site):
    status, _headers, body = site.request(
        "POST",
        "/yhteydenotto/",
        body="--x\r\nbroken",
        headers={"Cookie": CSRF_COOKIE, "Content-Type": "multipart/form-data; boundary="},
    )
    assert status == 400
    assert "Pyyntöä ei voitu lukea" in body


def test_a_path_cannot_forge_a_line_in_the_access_log(site):
    site.request("GET", "/x%0D%0AGET%20/fake-injected-line%20200%200%201ms")
    site.request("GET", "/nul%00byte%E2%80%A8sep")
    site.wait_for_log("GET /nul")
    log = site.wait_for_log("GET /x\\r\\n")  # each worker writes its own line when done
    lines = log.splitlines()
    assert not any(line.startswith("GET /fake-injected-line") for line in lines)
    assert "GET /x\\r\\nGET /fake-injected-line 200 0 1ms 404" in log
    assert "\x00" not in log
    assert any(line.startswith("GET /nul\\x00byte") for line in lines)


@pytest.mark.parametrize("path", ["/sivu%E2%80%A8/", "/en/sivu%E2%80%A8/", "/%C3%A4%00/"])
def test_a_path_with_a_separator_or_a_nul_in_it_gets_the_404_page(site, path):
    status, _headers, body = site.request("GET", path)
    assert status == 404
    assert "Internal Server Error" not in body
    assert ("Page not found" if path.startswith("/en/") else "Sivua ei löytynyt") in body


def test_no_token_of_a_link_reaches_the_log(site):
    """The feed's and the manage links' tokens are secrets: the access log and Django's
    warnings (not found, CSRF) name the path with the token segment redacted."""
    feed_token = "Fe3dT0kenAbcdefghijklmnopqrstuvwxyz0123456789"
    manage_token = "Ma9ageT0kenAbcdefghijklmnopqrst"
    site.request("GET", f"/kalenteri/{feed_token}.ics")
    site.request(
        "GET", f"/ajanvaraus/{manage_token}/", headers={"Referer": f"/en/booking/{manage_token}/"}
    )
    site.request("GET", f"/en/booking/confirm/{manage_token}/")  # a hold's confirm link
    site.request("POST", f"/ajanvaraus/{manage_token}/peru/", body="a=b")  # no CSRF cookie
    # Each worker writes its line just after its response, so the lines may come in any order:
    # wait for each one.
    for line in (
        "GET /kalenteri/[token].ics 404",
        "GET /ajanvaraus/[token]/ 404",
        "GET /en/booking/confirm/[token]/ 404",
        "Forbidden (Referer checking failed - no Referer.): /ajanvaraus/[token]/peru/",
        "POST /ajanvaraus/[token]/peru/",
    ):
        log = site.wait_for_log(line)
        assert line in log
    assert feed_token not in log
    assert manage_token not in log
