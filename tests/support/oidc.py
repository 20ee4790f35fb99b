"""Going through the identity provider as a person would, for the test client: follow its redirects, fill
in its sign-in page, and stop at the address it sends the person back to (the portal's callback)."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import requests

from portal.config import OidcProvider
from tests.support.servers import OidcProviderServer

PORTAL = "http://localhost"


def provider_settings(server: OidcProviderServer, **changes: object) -> OidcProvider:
    settings: dict[str, object] = {
        "name": "council",
        "label": "Shire County Council",
        "issuer": server.issuer,
        "client_id": server.client_id,
        "client_secret": server.client_secret,
        "domains": ("example.org",),
    }
    settings.update(changes)
    return OidcProvider(**settings)  # type: ignore[arg-type]


def through_provider(authorisation_url: str, email: str) -> str:
    """Sign in at the provider as `email`; the portal address (path and query) it sends the browser back to."""
    browser = requests.Session()
    browser.trust_env = False
    response = browser.get(authorisation_url, allow_redirects=False, timeout=10)
    for _ in range(10):
        if response.status_code in (302, 303):
            location = urljoin(response.url, response.headers["Location"])
            if location.startswith(PORTAL + "/"):
                parts = urlsplit(location)
                return f"{parts.path}?{parts.query}"
            response = browser.get(location, allow_redirects=False, timeout=10)
        elif response.status_code == 200 and "/interaction/" in response.url:
            response = browser.post(response.url, data={"email": email}, allow_redirects=False, timeout=10)
        else:
            raise AssertionError(f"the provider answered {response.status_code}: {response.text[:500]}")
    raise AssertionError("the provider never sent the browser back")
