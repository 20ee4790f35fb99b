"""Checks every HTML page the tests render (after GOV.UK Notify's admin test client):
valid HTML, one h1, a title that starts with the h1, no duplicate ids, CSRF on every POST form,
and the CSP nonce on every script."""

from __future__ import annotations

import re
from collections import Counter

import html5lib
from bs4 import BeautifulSoup


class PageCheckError(AssertionError):
    pass


def check_page(html: str, csp_header: str | None, *, path: str = "") -> BeautifulSoup:
    try:
        html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)
    except html5lib.html5parser.ParseError as error:
        raise PageCheckError(f"{path}: invalid HTML: {error}") from error
    soup = BeautifulSoup(html, "html.parser")
    h1s = soup.find_all("h1")
    if len(h1s) != 1:
        raise PageCheckError(f"{path}: expected one <h1>, found {len(h1s)}")
    h1 = " ".join(h1s[0].get_text().split())
    title = " ".join((soup.title.get_text() if soup.title else "").split())
    if not title.removeprefix("Error: ").startswith(h1):
        raise PageCheckError(f"{path}: <title> {title!r} does not start with the <h1> {h1!r}")
    ids = Counter(tag["id"] for tag in soup.find_all(attrs={"id": True}))
    duplicates = [i for i, n in ids.items() if n > 1]
    if duplicates:
        raise PageCheckError(f"{path}: duplicate ids {duplicates}")
    for form in soup.find_all("form"):
        if (form.get("method") or "get").lower() == "post" and not form.find("input", attrs={"name": "csrf_token"}):
            raise PageCheckError(f"{path}: a POST form has no CSRF token")
    nonce = None
    if csp_header:
        match = re.search(r"'nonce-([^']+)'", csp_header)
        nonce = match.group(1) if match else None
    for script in soup.find_all("script"):
        if nonce is None or script.get("nonce") != nonce:
            raise PageCheckError(f"{path}: a <script> lacks the CSP nonce")
    return soup
