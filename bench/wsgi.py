"""The portal as gunicorn serves it for the benchmark, plus a bare /bench-hello route to compare with.

Configured by the environment the benchmark sets: PORTAL_ENV=development (plain http on loopback; the
production config's Talisman would redirect every request to https), DATABASE_URL pointing at the
benchmark's database and a random SECRET_KEY. `gunicorn 'bench.wsgi:make_app()'`: a factory, so that
importing this module (as the benchmark does, for add_hello_route) builds no app.
"""

from __future__ import annotations

import os

from flask import Flask

from portal import create_app
from portal.common.permissions import public


def add_hello_route(app: Flask) -> None:
    """A route that does nothing, behind the same hooks (security headers, session, transaction) as every page."""

    @public
    def bench_hello() -> str:
        return "hello"

    app.add_url_rule("/bench-hello", "bench_hello", bench_hello)


def warm_search_index(app: Flask) -> None:
    """Build the search index now, as the first search would, so that load figures are the steady state."""
    from portal.directory.services import search_index
    from portal.extensions import db

    with app.app_context():
        search_index()
        db.session.remove()


def make_app() -> Flask:
    app = create_app()
    add_hello_route(app)
    if os.environ.get("BENCH_WARM_INDEX") == "1":
        warm_search_index(app)
    return app
