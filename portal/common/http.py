"""Small helpers for views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import request, url_for

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
