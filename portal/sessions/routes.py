"""Front Door shadowing and locality open days: publish, book, waiting list, attendance and feedback."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sessions", __name__, url_prefix="/sessions")
