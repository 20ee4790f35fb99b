"""Managers' dashboards and the quarterly report."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dashboards", __name__, url_prefix="/dashboards")
