"""Requests: ask, follow, work to an outcome; messages, promises, escalation and pod invites.

The package creates the blueprint; its route modules add their views to it when imported below.
"""

from __future__ import annotations

from flask import Blueprint

from portal.common.roles import Role

bp = Blueprint("requests", __name__, url_prefix="/requests")

STAFF = (Role.PRACTITIONER, Role.MANAGER)
PEOPLE = (Role.PARTNER, Role.PRACTITIONER, Role.MANAGER)

# The views register themselves on `bp`; imported after it exists, for that reason only.
from portal.requests.routes import invites, requests  # noqa: E402, F401
