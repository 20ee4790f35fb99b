"""The signed-in person's own pages: notifications (and, by role, their home)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm

from portal.common import notifications
from portal.common.permissions import NotFound, current_person, role_required
from portal.common.roles import Role
from portal.home import services

bp = Blueprint("home", __name__)


@bp.route("/home")
@role_required()
def index() -> ResponseReturnValue:
    """Where sign-in lands: what waits for this person, by role. The public search stays at /."""
    me = current_person()
    if me.role is Role.PARTNER:
        return render_template("home/partner.html", home=services.partner_home(me), title="Your home")
    if me.role is Role.PRACTITIONER:
        return render_template("home/practitioner.html", home=services.practitioner_home(me), title="Your work")
    if me.role is Role.MANAGER:
        return render_template("home/manager.html", home=services.manager_home(me), title="Your area")
    if me.role is Role.SENIOR:
        return render_template("home/senior.html", home=services.senior_home(me), title="The service’s figures")
    return render_template("home/admin.html", home=services.admin_home(me), title="Running the portal")


@bp.route("/notifications")
@role_required()
def list_notifications() -> ResponseReturnValue:
    unread_only = request.args.get("show") == "unread"
    listing = notifications.page_of(
        current_user.id, page=request.args.get("page", 1, type=int) or 1, unread_only=unread_only
    )
    return render_template(
        "home/notifications.html", listing=listing, unread_only=unread_only, form=FlaskForm(), title="Notifications"
    )


@bp.route("/notifications/<int:notification_id>/open", methods=["POST"])
@role_required()
def open_notification(notification_id: int) -> ResponseReturnValue:
    """Marks it read and goes to the thing it is about."""
    notification = notifications.find_own(current_user.id, notification_id)
    if notification is None:
        raise NotFound()
    if not FlaskForm().validate_on_submit():
        return redirect(url_for("home.list_notifications"))
    notifications.mark_read(notification)
    return redirect(request.script_root + notification.link if notification.link else url_for(".list_notifications"))


@bp.route("/notifications/read", methods=["POST"])
@role_required()
def mark_all_read() -> ResponseReturnValue:
    if FlaskForm().validate_on_submit():
        count = notifications.mark_all_read(current_user.id)
        flash(f"{count} notification{'' if count == 1 else 's'} marked as read" if count else "Nothing was unread")
    return redirect(url_for("home.list_notifications"))
