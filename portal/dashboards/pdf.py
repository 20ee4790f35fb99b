"""The quarterly report as a tagged PDF (PDF/UA-1) with WeasyPrint.

The renderer sees the report as a page of the portal at `BASE_URL`, so `url_for("static", …)` links
resolve there. Its URL fetcher serves the app's own static files from disk and refuses everything else
(another host, another scheme, a path outside the static folder): a report can never make the server
fetch anything from the network or read any other file.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# A name that never resolves (RFC 2606): nothing is ever fetched from it, the fetcher maps it to files.
BASE_URL = "https://portal.invalid/"


class StaticFilesFetcher(URLFetcher):
    """Serves `<BASE_URL><url_path>/<file>` from `folder`; raises for anything else."""

    def __init__(self, *, folder: str | Path, url_path: str) -> None:
        super().__init__()
        self.folder = Path(folder).resolve()
        self.prefix = urlsplit(BASE_URL.rstrip("/") + "/" + url_path.strip("/") + "/")

    def path_of(self, url: str) -> Path:
        """The file `url` names under the static folder; ValueError when it names anything else."""
        parts = urlsplit(url)
        path = unquote(parts.path)
        if (parts.scheme, parts.netloc) != (self.prefix.scheme, self.prefix.netloc) or not path.startswith(
            self.prefix.path
        ):
            raise ValueError(f"the report fetches only the portal's static files, not {url[:80]}")
        # Resolved before the check, so "..", "%2e%2e" and symbolic links cannot leave the folder.
        file = (self.folder / path.removeprefix(self.prefix.path)).resolve()
        if not file.is_relative_to(self.folder) or not file.is_file():
            raise ValueError(f"not one of the portal's static files: {url[:80]}")
        return file

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        path = self.path_of(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def static_fetcher() -> StaticFilesFetcher:
    app = current_app
    if app.static_folder is None:  # pragma: no cover (the portal always has one)
        raise RuntimeError("the app has no static folder")
    return StaticFilesFetcher(folder=app.static_folder, url_path=app.static_url_path or "/static")


def render_pdf(html: str) -> bytes:
    pdf = HTML(string=html, base_url=BASE_URL, url_fetcher=static_fetcher()).write_pdf(
        pdf_variant="pdf/ua-1", pdf_tags=True
    )
    assert pdf is not None  # noqa: S101 (write_pdf returns the bytes when given no target)
    return bytes(pdf)
