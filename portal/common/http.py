"""Small helpers for views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import request, url_for
from werkzeug.routing import IntegerConverter, Map

# The largest id a column holds: PostgreSQL's integer. A larger id in a URL or a query string is no record's
# (a 404, or the first page) rather than an error from the database (PostgreSQL refuses it, SQLite overflows).
MAX_ID = 2**31 - 1

F = TypeVar("F", bound=Callable[..., Any])


def commits_on_get(view: F) -> F:
    """Let this GET view's transaction commit (every other GET is rolled back: GET never writes).

    Only for a redirect back from another site that a protocol makes a GET and that carries its own proof
    of coming from this browser's journey: the OpenID Connect callback, whose one-time `state` is checked
    against the session before anything is written."""
    view.commits_on_get = True  # type: ignore[attr-defined]
    return view


def safe_next(default_endpoint: str = "pages.home") -> str:
    """The `next` parameter when it is a path on this site, else the default page (no open redirect)."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if (
        target.startswith("/")
        and not target.startswith("//")
        and not parts.scheme
        and not parts.netloc
        and "\\" not in target
    ):
        return target
    return url_for(default_endpoint)


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: ASCII digits, 1 to MAX_ID, else no match (a 404). Werkzeug's own takes any
    size, which reaches the database as a number it cannot hold."""

    def __init__(self, url_map: Map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_ID) -> None:
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max)


def whole_number(text: Any, *, low: int = 1, high: int = MAX_ID) -> int | None:
    """`text` as a whole number from `low` to `high`, else None: ASCII digits only (str.isdigit() takes "²",
    which int() refuses), so a query parameter like `page` or `locality` cannot raise or reach the database
    as a number it cannot hold."""
    value = str(text or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(high)):
        return None
    number = int(value)
    return number if low <= number <= high else None


def page_number(name: str = "page") -> int:
    """The page of a paginated list the query string asks for: 1 unless it is a whole number in range."""
    return whole_number(request.args.get(name), high=100_000) or 1
