"""Reflow (WCAG 1.4.10): no page scrolls sideways at 320 CSS px. Each role's browser follows every link it can
reach from its home page (signed in once, one tab), and every page it lands on must be no wider than the
window, pass axe-core (WCAG 2.2 AA) and the page checks."""

from __future__ import annotations

from collections import deque
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from seeds.demo import DEMO_PASSWORD
from tests.browser.conftest import AXE_TAGS
from tests.support.pages import check_page

NARROW = {"width": 320, "height": 800}
# Each URL pattern (endpoint) is opened once per role: the same template with other ids is the same page. A request
# and a meeting look different in each state (open, arranged, closed; to come, held), so a few of those are opened.
PER_ENDPOINT = {"requests.request_page": 3, "meetings.meeting_page": 3}
# Downloads, not pages.
NOT_PAGES = {
    "accounts.export_data",
    "accounts.export_data_csv",
    "accounts.audit_log_csv",
    "dashboards.report_csv",
    "dashboards.report_pdf",
    "dashboards.report_year_csv",
    "dashboards.report_year_pdf",
    "pages.favicon",
}

# The widest elements that stick out past the right edge of the window: what to fix when a page fails.
_OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && !el.closest('.portal-table-scroll')) {
      const parent = el.parentElement;
      if (parent && parent.getBoundingClientRect().right > width + 1 && !parent.closest('.portal-table-scroll')
          && parent !== document.body) continue;
      out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${[...el.classList].join('.')}`
               + ` (${Math.round(box.right)}px)`);
    }
  }
  return out.slice(0, 5);
}"""


def _crawl(visitor: Any, app: Any, starts: list[str]) -> list[str]:
    """Open every page reachable by links from `starts` (same site, GET), and return what is wrong with each."""
    page = visitor.page
    adapter = app.url_map.bind("localhost")
    seen: set[str] = set(starts)
    per_endpoint: dict[str, int] = {}
    queue = deque(starts)
    problems: list[str] = []
    while queue:
        path = queue.popleft()
        parts = urlsplit(path)
        try:
            endpoint, _ = adapter.match(parts.path, method="GET")
        except HTTPException:
            endpoint = "(no route)"
        if (
            endpoint in NOT_PAGES
            or endpoint == "static"
            or per_endpoint.get(endpoint, 0) >= PER_ENDPOINT.get(endpoint, 1)
        ):
            continue
        per_endpoint[endpoint] = per_endpoint.get(endpoint, 0) + 1
        response = page.goto(visitor.base_url + path)
        assert response is not None
        if response.status >= 500:
            problems.append(f"{path}: {response.status}")
            continue
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        check_page(response.text(), response.headers.get("content-security-policy"), path=path)
        results = visitor.axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        if results.violations_count:
            problems.append(f"{path}: axe:\n{results.generate_report()}")
        width = page.evaluate("document.documentElement.scrollWidth")
        window = page.evaluate("document.documentElement.clientWidth")
        if width > window:
            problems.append(f"{path}: {width}px wide in a {window}px window: {page.evaluate(_OVERFLOWING)}")
        visitor.checked.append(path)
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            url = urlsplit(urljoin(visitor.base_url + path, href))
            if url.scheme + "://" + url.netloc != visitor.base_url:
                continue
            link = url.path + (f"?{url.query}" if url.query else "")
            if link not in seen:
                seen.add(link)
                queue.append(link)
    return problems


@pytest.mark.parametrize(
    "email",
    [
        None,
        "partner@example.org",
        "dev.sandhu@example.org",  # Coalville's locality lead (a practitioner)
        "manager@example.org",  # Charnwood South and Desford's manager: meetings in every quarter
        "admin@example.org",
        "senior@example.org",
    ],
    ids=["anonymous", "partner", "practitioner", "manager", "admin", "senior"],
)
def test_no_page_scrolls_sideways_at_320px(visitor_factory, live_server, email):
    visitor = visitor_factory(viewport=NARROW)
    starts = ["/", "/schools?q=castle"]  # a search, as no link leads to one
    if email is not None:
        visitor.sign_in(email)
        # "Your data" asks for the password again first; confirmed once, the crawl reaches it by its link.
        page = visitor.goto("/account/confirm-password")
        page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
        visitor.submit("Continue")
    problems = _crawl(visitor, live_server.app, starts)
    assert len(visitor.checked) > 5, visitor.checked
    assert not problems, f"{len(problems)} of {len(visitor.checked)} pages:\n" + "\n".join(problems)
