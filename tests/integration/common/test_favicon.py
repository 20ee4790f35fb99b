"""Every browser asks for /favicon.ico: the portal answers with the council's own icon (not GOV.UK's crown),
and every page names its icons."""

from __future__ import annotations

from pathlib import Path


def test_favicon_ico_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/x-icon"
    assert response.data == Path("static/dist/favicon.ico").read_bytes()
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an icon file's header


def test_every_page_links_its_icons(client, world):
    soup = client.get("/").soup
    icons = [link["href"] for link in soup.select("link[rel=icon]")]
    assert "/favicon.ico" in icons
    assert "/static/dist/favicon.svg" in icons
    response = client.get("/static/dist/favicon.svg")
    assert response.status_code == 200
    response.close()
