"""Links that leave the portal (e-mails, calendar files, printed set-up links) are built from one
trusted address, `PUBLIC_URL`, never from the request's `Host` or `X-Forwarded-Host`: a reset link
sent to an address an attacker chose would hand them the account."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


class PublicUrlMissing(RuntimeError):
    """There is no PUBLIC_URL, so a link for outside the portal cannot be written."""


def split_public_url(public_url: str) -> tuple[str, str, str]:
    """'https://portal.example.org/base' → ('https', 'portal.example.org', '/base'). Raises ValueError
    for anything that is not an absolute http(s) address without a query or fragment."""
    parts = urlsplit(public_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError("PUBLIC_URL must be the portal's address, like https://portal.example.org")
    return parts.scheme, parts.netloc, parts.path.rstrip("/")


def public_host(public_url: str) -> str:
    """The host name of PUBLIC_URL (no port), as TRUSTED_HOSTS wants it."""
    return urlsplit(public_url.strip()).hostname or ""


def public_url_for(endpoint: str, **values: Any) -> str:
    """The absolute address of `endpoint` at PUBLIC_URL, whatever request (or none) is being served."""
    public_url = current_app.config.get("PUBLIC_URL") or ""
    if not public_url:
        raise PublicUrlMissing("Set PUBLIC_URL to the portal's address (e.g. https://portal.example.org)")
    scheme, netloc, script_name = split_public_url(public_url)
    anchor = values.pop("_anchor", None)
    adapter = current_app.url_map.bind(netloc, script_name=script_name or "/", url_scheme=scheme)
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{anchor}" if anchor else url
