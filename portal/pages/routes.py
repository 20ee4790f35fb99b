"""Home page, the footer's pages, the health check and the admins' page of e-mails that could not be sent."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy import text

from portal.common import audit, outbox
from portal.common.permissions import NotFound, public, role_required
from portal.common.roles import Role
from portal.directory.forms import DirectorySearchForm
from portal.extensions import db
from portal.models_base import utcnow

bp = Blueprint("pages", __name__)


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


@bp.route("/favicon.ico")
@public
def favicon() -> ResponseReturnValue:
    # Browsers ask for /favicon.ico whatever the page's <link rel="icon"> says; build-assets.mjs puts it in dist.
    # A few hundred bytes, read whole: no open file is left to whoever forgets to close the response.
    icon = (Path(current_app.static_folder or "static") / "dist" / "favicon.ico").read_bytes()
    response = Response(icon, mimetype="image/x-icon")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@bp.route("/admin")
@role_required(Role.MANAGER, Role.ADMIN)
def admin() -> ResponseReturnValue:
    # The menu's one "Admin" entry for managers, so the service navigation fits on one line.
    return render_template("pages/admin.html", title="Admin")


@bp.route("/healthz")
@public
def healthz() -> ResponseReturnValue:
    """For the load balancer and monitoring: 503 when the database does not answer; otherwise how long the
    longest-waiting due e-mail has waited (a stuck worker shows here first) and how many have failed."""
    try:
        db.session.execute(text("SELECT 1"))
        mail = outbox.state()
    except Exception:  # any failure to reach the database means "not healthy"
        db.session.rollback()
        return {"status": "unavailable"}, 503
    return {
        "status": "ok",
        "service": current_app.config["SERVICE_NAME"],
        "outbox": {
            "oldest_due_seconds": mail.oldest_due_seconds(utcnow()),
            "waiting": mail.waiting,
            "retrying": mail.retrying,
            "failed": mail.failed,
        },
    }


# --- e-mail waiting, retrying and failed (admins) ---------------------------------------------------


@bp.route("/admin/outbox")
@role_required(Role.ADMIN)
def failed_messages() -> ResponseReturnValue:
    # The page lists who, what subject and why; never a body (it can link to a case).
    return render_template(
        "admin/outbox.html",
        state=outbox.state(),
        now=utcnow(),
        retrying=outbox.retrying_messages(),
        messages=outbox.failed_messages(),
        form=FlaskForm(),  # the retry buttons post its CSRF token
        title="E-mail",
    )


@bp.route("/admin/outbox/<int:message_id>/retry", methods=["POST"])
@role_required(Role.ADMIN)
def retry_message(message_id: int) -> ResponseReturnValue:
    message = next((m for m in outbox.failed_messages() if m.id == message_id), None)
    if message is None:  # sent, retried already, or never there
        raise NotFound
    if FlaskForm().validate_on_submit():
        outbox.retry_message(message)
        audit.record("outbox.message_retried", obj=message)
        flash(f"The e-mail to {message.recipient} will be sent again.", "success")
    return redirect(url_for("pages.failed_messages"))
