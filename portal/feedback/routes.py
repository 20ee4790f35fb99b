"""Partners' feedback, the pulse after a closed request, recognition and "You said, we did"."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("feedback", __name__, url_prefix="/feedback")
