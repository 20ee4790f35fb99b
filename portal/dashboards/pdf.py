"""The quarterly report as a tagged PDF (PDF/UA-1) with WeasyPrint.

The print template holds its own styles and draws its charts as inline SVG, so the renderer needs no
file: its URL fetcher refuses every URL, and a report can never make the server fetch anything.
"""

from __future__ import annotations

from typing import Any

from weasyprint import HTML, URLFetcher


class NothingFetcher(URLFetcher):
    """Fetches nothing: the report is self-contained."""

    def fetch(self, url: str, headers: Any = None) -> Any:
        raise ValueError(f"the report fetches nothing ({url[:40]})")


def render_pdf(html: str) -> bytes:
    pdf = HTML(string=html, base_url="about:blank", url_fetcher=NothingFetcher()).write_pdf(
        pdf_variant="pdf/ua-1", pdf_tags=True
    )
    assert pdf is not None  # noqa: S101 (write_pdf returns the bytes when given no target)
    return bytes(pdf)
