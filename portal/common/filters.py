"""Template filters: dates and times are stored in UTC and shown in Europe/London."""

from __future__ import annotations

from flask import Flask

from portal.common.times import format_date, format_datetime
from portal.models_base import utcnow


def register(app: Flask) -> None:
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_global(utcnow, "now_utc")
