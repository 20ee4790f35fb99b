"""Quarterly partnership meetings: invitations, answers, register, minutes, action log and coverage."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("meetings", __name__, url_prefix="/meetings")
