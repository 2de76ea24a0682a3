"""The MDN HTTP Observatory's scoring rules for one response, as far as headers decide them.

Transcribed from the Observatory's scoring document (mozilla/http-observatory,
httpobs/docs/scoring.md, 2024 edition): a page starts at 100 and each failed test subtracts its
modifier. Bonuses are left out on purpose, so that "no penalty" means exactly that.
"""

import re

SIX_MONTHS = 15768000
PRIVATE_REFERRER_POLICIES = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}


def parse_csp(header: str) -> dict[str, list[str]]:
    policy = {}
    for directive in filter(None, (part.strip() for part in header.split(";"))):
        name, *sources = directive.split()
        policy[name.lower()] = sources
    return policy


def effective_sources(policy: dict[str, list[str]], directive: str) -> list[str]:
    return policy.get(directive, policy.get("default-src", []))


def penalties(response) -> list[str]:
    """Each Observatory test the response would fail, with its penalty, e.g. '-20 csp-...'."""
    found = []
    csp_header = response.headers.get("Content-Security-Policy")
    if not csp_header:
        found.append("-25 csp-not-implemented")
    else:
        policy = parse_csp(csp_header)
        scripts = effective_sources(policy, "script-src")
        styles = effective_sources(policy, "style-src")
        all_sources = [source for sources in policy.values() for source in sources]
        if "'unsafe-inline'" in scripts or "data:" in scripts:
            found.append("-20 csp-implemented-with-unsafe-inline")
        if "'unsafe-eval'" in scripts:
            found.append("-10 csp-implemented-with-unsafe-eval")
        if "'unsafe-inline'" in styles:
            found.append("0 csp-implemented-with-unsafe-inline-in-style-src-only")
        if any(source in ("http:", "*") or source.startswith("http://") for source in all_sources):
            found.append("-20 csp-implemented-with-insecure-scheme")
    hsts = response.headers.get("Strict-Transport-Security", "")
    match = re.search(r"max-age=(\d+)", hsts)
    if not match:
        found.append("-20 hsts-not-implemented")
    elif int(match.group(1)) < SIX_MONTHS:
        found.append("-10 hsts-implemented-max-age-less-than-six-months")
    if response.headers.get("X-Content-Type-Options", "").lower() != "nosniff":
        found.append("-5 x-content-type-options-not-implemented")
    frame_ancestors = parse_csp(csp_header or "").get("frame-ancestors")
    if not frame_ancestors and response.headers.get("X-Frame-Options", "").upper() not in (
        "DENY",
        "SAMEORIGIN",
    ):
        found.append("-20 x-frame-options-not-implemented")
    referrer = response.headers.get("Referrer-Policy")
    if referrer is not None:
        last = referrer.split(",")[-1].strip().lower()
        if last not in PRIVATE_REFERRER_POLICIES:
            found.append("-5 referrer-policy-unsafe")
    corp = response.headers.get("Cross-Origin-Resource-Policy")
    if corp is not None and corp not in ("same-site", "same-origin", "cross-origin"):
        found.append("-5 cross-origin-resource-policy-header-invalid")
    if response.headers.get("Access-Control-Allow-Origin") == "*":
        found.append("-50 cross-origin-resource-sharing-implemented-with-universal-access")
    found.extend(cookie_penalties(response))
    return found


def cookie_penalties(response) -> list[str]:
    found = []
    for morsel in response.cookies.values():
        name = morsel.key.lower()
        is_session = "session" in name or name.endswith("id")
        if not morsel["secure"]:
            found.append(f"-20 cookies-without-secure-flag ({morsel.key})")
        if is_session and not morsel["httponly"]:
            found.append(f"-30 cookies-session-without-httponly-flag ({morsel.key})")
        samesite = str(morsel["samesite"]).lower()
        if samesite and samesite not in ("strict", "lax", "none"):
            found.append(f"-20 cookies-samesite-flag-invalid ({morsel.key})")
        if "csrf" in name and not samesite:
            found.append(f"-20 cookies-anticsrf-without-samesite-flag ({morsel.key})")
    return found
