"""A small HTTP client for tests against a real server process (gunicorn on loopback): it keeps cookies
itself (the portal's are Secure, and a proxy in front speaks HTTPS while the test speaks HTTP to the app),
sends the headers a TLS-terminating proxy would, follows redirects and fills in forms with their CSRF token."""

from __future__ import annotations

import http.client
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from bs4 import BeautifulSoup


@dataclass
class Page:
    status: int
    url: str
    headers: dict[str, str]
    body: str

    @property
    def soup(self) -> BeautifulSoup:
        return BeautifulSoup(self.body, "html.parser")

    @property
    def h1(self) -> str:
        heading = self.soup.h1
        return heading.get_text(" ", strip=True) if heading else ""


@dataclass
class ProxiedClient:
    """Talks to http://127.0.0.1:`port` as if through a proxy for `public_url` (Host and X-Forwarded-*)."""

    port: int
    public_url: str
    extra_headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    def _path_of(self, url: str) -> str:
        parts = urlsplit(urljoin(self.public_url + "/", url))
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def request(self, method: str, url: str, data: dict[str, Any] | None = None, *, follow: bool = True) -> Page:
        path = self._path_of(url)
        for _ in range(10):
            headers = {
                "Host": urlsplit(self.public_url).netloc,
                "X-Forwarded-Proto": urlsplit(self.public_url).scheme,
                "X-Forwarded-For": "192.0.2.10",
                **self.extra_headers,
            }
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            body = None
            if data is not None:
                body = urlencode(data, doseq=True)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                headers["Referer"] = self.public_url + path
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                for name, value in response.getheaders():
                    if name.lower() == "set-cookie":
                        cookie, _, _ = value.partition(";")
                        key, _, val = cookie.partition("=")
                        if val:
                            self.cookies[key.strip()] = val.strip()
                        else:
                            self.cookies.pop(key.strip(), None)
                page = Page(response.status, path, {k.lower(): v for k, v in response.getheaders()}, text)
            finally:
                connection.close()
            if follow and page.status in (301, 302, 303) and "location" in page.headers:
                path = self._path_of(page.headers["location"])
                method, data = "GET", None
                continue
            return page
        raise AssertionError("too many redirects")

    def get(self, url: str, **kwargs: Any) -> Page:
        return self.request("GET", url, **kwargs)

    def submit(self, url: str, fields: dict[str, Any], *, form_index: int = 0, action: str | None = None) -> Page:
        """GET the page at `url` and POST its form as a browser would: what the page fills in (the CSRF
        token, text already there, each select's chosen option, ticked boxes), with `fields` typed over it."""
        page = self.get(url)
        assert page.status == 200, (page.status, page.url, page.body[:500])
        forms = page.soup.select(f"form[action='{action}']") if action else page.soup.select("main form")
        form = forms[form_index]
        data: dict[str, Any] = {}
        for tag in form.select("input[name]"):
            kind = tag.get("type", "text")
            if kind in ("checkbox", "radio") and not tag.has_attr("checked"):
                continue
            if kind not in ("submit", "button", "file"):
                data[str(tag["name"])] = tag.get("value", "on" if kind in ("checkbox", "radio") else "")
        for tag in form.select("select[name]"):
            chosen = tag.select_one("option[selected]") or tag.select_one("option")
            data[str(tag["name"])] = chosen.get("value", chosen.get_text()) if chosen else ""
        for tag in form.select("textarea[name]"):
            data[str(tag["name"])] = tag.get_text()
        data.update(fields)
        action = form.get("action") or page.url
        return self.request("POST", str(action), data)
