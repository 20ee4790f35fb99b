"""Home page, the footer's pages and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from portal.common.permissions import public
from portal.directory.forms import DirectorySearchForm
from portal.extensions import db

bp = Blueprint("common", __name__)


@bp.route("/")
@public
def home() -> ResponseReturnValue:
    return render_template("pages/home.html", form=DirectorySearchForm(formdata=None), title="Find your locality lead")


@bp.route("/accessibility")
@public
def accessibility() -> ResponseReturnValue:
    return render_template("pages/accessibility.html", title="Accessibility statement for Partner Portal")


@bp.route("/privacy")
@public
def privacy() -> ResponseReturnValue:
    return render_template("pages/privacy.html", title="Privacy notice")


@bp.route("/cookies")
@public
def cookies() -> ResponseReturnValue:
    return render_template("pages/cookies.html", title="Cookies")


@bp.route("/contact")
@public
def feedback_contact() -> ResponseReturnValue:
    return render_template("pages/contact.html", title="Contact and feedback")


@bp.route("/healthz")
@public
def healthz() -> ResponseReturnValue:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means "not healthy"
        db.session.rollback()
        return {"status": "unavailable"}, 503
    return {"status": "ok", "service": current_app.config["SERVICE_NAME"]}
