"""The PDF renderer's URL fetcher: the app's own static files, and nothing else (no other file, host or
scheme), so a report can never make the server read or fetch anything else."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.dashboards.pdf import BASE_URL, StaticFilesFetcher


@pytest.fixture
def fetcher(tmp_path: Path) -> StaticFilesFetcher:
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "print.css").write_text("h1 { color: #0b0c0c }")
    (tmp_path / "secret.txt").write_text("not for the report")
    (static / "link.txt").symlink_to(tmp_path / "secret.txt")
    return StaticFilesFetcher(folder=static, url_path="/static")


def test_a_static_file_is_served_from_the_static_folder(fetcher):
    response = fetcher.fetch(f"{BASE_URL}static/css/print.css")
    try:
        assert (response.read(), response.content_type) == (b"h1 { color: #0b0c0c }", "text/css")
    finally:
        response.close()


@pytest.mark.parametrize(
    "url",
    [
        f"{BASE_URL}static/../secret.txt",
        f"{BASE_URL}static/css/../../secret.txt",
        f"{BASE_URL}static/%2e%2e/secret.txt",
        f"{BASE_URL}static/%2E%2E%2Fsecret.txt",
        f"{BASE_URL}static/link.txt",  # a link inside the folder to a file outside it
        f"{BASE_URL}static/",
        f"{BASE_URL}static/css",
        f"{BASE_URL}static/missing.css",
        f"{BASE_URL}static-other/css/print.css",
        f"{BASE_URL}secret.txt",
        "https://portal.invalid.example.com/static/css/print.css",
        "http://portal.invalid/static/css/print.css",
        "https://example.com/static/css/print.css",
        "ftp://portal.invalid/static/css/print.css",
        "data:text/css,h1%7Bcolor:red%7D",
        f"{BASE_URL}static/css/print.css%00.png",
    ],
)
def test_anything_else_is_refused(fetcher, tmp_path, url):
    with pytest.raises(ValueError):
        fetcher.fetch(url)


def test_a_file_url_is_refused_even_for_a_static_file(fetcher, tmp_path):
    with pytest.raises(ValueError):
        fetcher.fetch((tmp_path / "static" / "css" / "print.css").as_uri())
