"""Checks every HTML page the tests render (after GOV.UK Notify's admin test client):
valid HTML, one h1, a title that starts with the h1, no duplicate ids, CSRF on every POST form,
the CSP nonce on every script, every radio and checkbox group in a fieldset whose legend is the question,
and every phone number a `tel:` link (axe catches neither)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

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
    check_choices_have_questions(soup, path=path)
    check_phone_numbers_are_links(soup, path=path)
    return soup


def _text(tag: Any) -> str:
    return " ".join(tag.get_text().split())


def check_choices_have_questions(soup: BeautifulSoup, *, path: str = "") -> None:
    """Every radio, and every checkbox that is one of several of the same name, sits in a fieldset whose
    legend says the question; every fieldset has one. A lone checkbox ("I have checked…") is its own label."""
    for fieldset in soup.find_all("fieldset"):
        legend = fieldset.find("legend")
        if legend is None or not _text(legend):
            raise PageCheckError(f"{path}: a fieldset has no legend, or an empty one")
    names: Counter[tuple[int, str]] = Counter()
    boxes = soup.find_all("input", attrs={"type": ("radio", "checkbox")})
    for box in boxes:
        names[(id(box.find_parent("form")), str(box.get("name", "")))] += 1
    for box in boxes:
        if box["type"] == "checkbox" and names[(id(box.find_parent("form")), str(box.get("name", "")))] < 2:
            continue
        if box.find_parent("fieldset") is None:
            raise PageCheckError(f"{path}: the choices {box.get('name')!r} are not in a fieldset with a legend")


# A UK phone number as people write it: 0 or +44 and 9 or 10 more digits, spaced or not; and 999.
PHONE = re.compile(r"(?<![\w/#=,.-])(?:(?:\+44\s?|0)\d(?:[ \u00a0]?\d){8,9}|999)(?![\w/,-]|\.\d)")
TEL_HREF = re.compile(r"tel:\+?\d+")


def check_phone_numbers_are_links(soup: BeautifulSoup, *, path: str = "") -> None:
    """Every phone number shown is inside a `tel:` link whose href is the number's digits (a phone dials it);
    text people typed (form fields) is left alone."""
    for link in soup.select('a[href^="tel:"]'):
        if not TEL_HREF.fullmatch(str(link["href"])):
            raise PageCheckError(f"{path}: {link['href']!r} is not a tel: link of digits")
    for node in soup.find_all(string=PHONE):
        if node.find_parent(("script", "style", "textarea", "title", "option")) is not None:
            continue
        link = node.find_parent("a")
        if link is None or not str(link.get("href", "")).startswith("tel:"):
            number = PHONE.search(str(node))
            raise PageCheckError(f"{path}: the phone number {number.group(0) if number else node!r} is not a tel: link")
