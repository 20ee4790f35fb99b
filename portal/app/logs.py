"""Logs an operator can search: one JSON object a line on stderr, each with the request id that nginx (or
the portal, when none came) gave the request, so one request's lines can be found across processes.

Logs never carry passwords, tokens, cookies or child identifiers: the portal logs events and ids only.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# What we accept from the proxy: a plain token (nginx's $request_id is 32 hex digits), nothing to inject.
_GOOD_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_ENVIRON_KEY = "portal.request_id"


class RequestIdFilter(logging.Filter):
    """Puts the current request's id (or "-" outside a request) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request.environ.get(_ENVIRON_KEY, "-") if has_request_context() else "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(app: Flask) -> None:
    """JSON lines (LOG_FORMAT=json, production's default) or plain text, at LOG_LEVEL, on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    portal_logger = logging.getLogger("portal")
    # One handler however many apps a process makes (the tests make many).
    portal_logger.handlers = [h for h in portal_logger.handlers if not getattr(h, "portal_handler", False)]
    handler.portal_handler = True  # type: ignore[attr-defined]
    portal_logger.addHandler(handler)
    portal_logger.setLevel(app.config["LOG_LEVEL"])
    portal_logger.propagate = app.config.get("TESTING", False)  # pytest's caplog listens on the root logger

    @app.before_request
    def take_request_id() -> None:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        # Kept on the request itself, not on `g`, which belongs to the app context and can outlive it.
        request.environ[_ENVIRON_KEY] = given if _GOOD_ID.fullmatch(given) else uuid.uuid4().hex

    @app.after_request
    def give_request_id(response: Response) -> Response:
        if _ENVIRON_KEY in request.environ:
            response.headers[REQUEST_ID_HEADER] = request.environ[_ENVIRON_KEY]
        return response
