"""Logs are JSON lines carrying the request id the proxy gave (or the portal made), echoed on the response."""

from __future__ import annotations

import io
import json
import logging

from portal.app.logs import JsonFormatter, RequestIdFilter


def test_every_response_carries_a_request_id_and_a_good_one_from_the_proxy_is_kept(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32 and int(made, 16) >= 0
    assert client.get("/healthz").headers["X-Request-ID"] != made
    given = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    assert client.get("/healthz", headers={"X-Request-ID": given}).headers["X-Request-ID"] == given
    forged = client.get("/healthz", headers={"X-Request-ID": "<script> or a=b"}).headers["X-Request-ID"]
    assert len(forged) == 32 and int(forged, 16) >= 0


def test_a_log_line_is_one_json_object_with_the_request_id(app):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("portal.test")
    logger.addHandler(handler)
    try:
        with app.test_request_context(headers={"X-Request-ID": "req-12345678"}):
            app.preprocess_request()
            logger.warning("outbox message %s not sent", 7)
        logger.warning("outside a request")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "outbox message 7 not sent"
    assert (first["level"], first["logger"], first["request_id"]) == ("WARNING", "portal.test", "req-12345678")
    assert first["time"].endswith("+00:00")
    assert second["request_id"] == "-"


def test_production_logs_json_and_development_text(app, database_url, make_app):
    production = make_app(
        "production", SECRET_KEY="p" * 40, SQLALCHEMY_DATABASE_URI=database_url, PUBLIC_URL="https://localhost"
    )
    assert production.config["LOG_FORMAT"] == "json"
    [handler] = [h for h in logging.getLogger("portal").handlers if getattr(h, "portal_handler", False)]
    assert isinstance(handler.formatter, JsonFormatter)
    make_app("development", SQLALCHEMY_DATABASE_URI=database_url)
    [handler] = [h for h in logging.getLogger("portal").handlers if getattr(h, "portal_handler", False)]
    assert not isinstance(handler.formatter, JsonFormatter)
