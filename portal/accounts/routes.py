"""Sign-in, sign-out, password reset, invitations and user administration."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user

from portal.accounts import audit_log, oidc, personal_data, second_factor, services
from portal.accounts.forms import (
    AuditSearchForm,
    CodeForm,
    ConfirmPasswordForm,
    ContactDetailsForm,
    HeadOfServiceForm,
    InvitationAcceptForm,
    InvitationCreateForm,
    NewPasswordForm,
    PasswordResetRequestForm,
    ProviderIdentityUnlinkForm,
    SecondFactorResetForm,
    SignInForm,
    SignOutForm,
    SignOutOthersForm,
    StartSecondFactorForm,
    UserDisableForm,
    UserEraseForm,
)
from portal.accounts.models import ContactRole
from portal.common.errors import DomainError
from portal.common.exports import csv_text
from portal.common.forms import show_domain_error
from portal.common.http import commits_on_get, page_number, safe_next
from portal.common.permissions import NotFound, current_person, public, role_required
from portal.common.roles import Role
from portal.config import OidcProvider
from portal.extensions import limiter

bp = Blueprint("accounts", __name__)

SIGN_IN_FAILED = "Enter a correct email address and password"
# How long a re-entered password lets someone export or erase data without typing it again.
REAUTHENTICATION_SECONDS = 5 * 60
# How long someone who gave the right password has to give their code.
PENDING_SIGN_IN_SECONDS = 5 * 60


def _sign_in_limit() -> str:
    return str(current_app.config["RATELIMIT_SIGN_IN"])


def _begin_session(user_token_user: object) -> None:
    # A fresh cookie on every sign-in: nothing from before sign-in carries over (no session fixation).
    session.clear()
    session.permanent = True
    login_user(user_token_user)


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(_sign_in_limit, methods=["POST"])
def sign_in() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    if form.validate_on_submit():
        user = services.authenticate(email=form.email.data or "", password=form.password.data or "")
        if user is not None and second_factor.is_required_for(user):
            # The password was right; the session starts only once the code is right too.
            session.clear()
            session["pending_sign_in"] = {"user_id": user.id, "at": int(time.time()), "next": safe_next("home.index")}
            if user.totp_secret:
                return redirect(url_for("accounts.enter_code"))
            second_factor.begin_set_up(user)
            return redirect(url_for("accounts.set_up_code"))
        if user is not None:
            services.start_session(user, ip_address=request.remote_addr, user_agent=request.user_agent.string)
            _begin_session(user)
            return redirect(safe_next("home.index"))
        form.email.errors = [SIGN_IN_FAILED]
        form.password.errors = [SIGN_IN_FAILED]
    return render_template("accounts/sign_in.html", form=form, providers=oidc.providers(), title="Sign in")


# The page, its title and status for each reason a provider's answer signs nobody in.
REFUSALS = {
    "failed": ("Sign-in did not work", 400),
    "unavailable": ("Sign-in is not available at the moment", 503),
    "unverified": ("Your organisation did not confirm your email address", 403),
    "unknown": ("You do not have an account yet", 403),
    "invited": ("Accept your invitation first", 403),
    "disabled": ("Your account has been disabled", 403),
    "another_person": ("This account is linked to someone else", 403),
}


def _provider(provider_name: str) -> OidcProvider:
    provider = oidc.find_provider(provider_name)
    if provider is None:
        raise NotFound
    return provider


def _refused(provider: OidcProvider, refused: oidc.SignInRefused) -> ResponseReturnValue:
    title, status = REFUSALS[refused.reason]
    page = render_template(
        "accounts/sign_in_refused.html", reason=refused.reason, email=refused.email, provider=provider, title=title
    )
    return page, status


@bp.route("/sign-in/with/<provider_name>")
@public
@limiter.limit(_sign_in_limit)
def sign_in_with(provider_name: str) -> ResponseReturnValue:
    provider = _provider(provider_name)
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    try:
        response = oidc.authorisation_redirect(provider)
    except oidc.SignInRefused as refused:
        return _refused(provider, refused)
    session["oidc_next"] = safe_next("home.index")
    return response


@bp.route("/sign-in/with/<provider_name>/callback")
@public
@commits_on_get
@limiter.limit(_sign_in_limit)
def oidc_callback(provider_name: str) -> ResponseReturnValue:
    provider = _provider(provider_name)
    next_url = session.pop("oidc_next", None) or url_for("home.index")
    try:
        signed_in = oidc.complete_sign_in(provider)
    except oidc.SignInRefused as refused:
        return _refused(provider, refused)
    user = signed_in.user
    # Kept for signing out of the provider too (its end-session endpoint takes the ID token as a hint).
    carried = {"provider": provider.name, "id_token": signed_in.id_token}
    if not signed_in.used_mfa and second_factor.is_required_for(user):
        # The provider checked only a password: the portal's own code comes next, as after a password.
        session.clear()
        session["pending_sign_in"] = {"user_id": user.id, "at": int(time.time()), "next": next_url, "oidc": carried}
        return redirect(url_for("accounts.enter_code" if user.totp_secret else "accounts.set_up_code"))
    services.start_session(user, ip_address=request.remote_addr)
    _begin_session(user)
    session["oidc"] = carried
    return redirect(next_url)


def _pending_sign_in() -> tuple[Any, dict[str, Any]] | None:
    pending = session.get("pending_sign_in")
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SIGN_IN_SECONDS:
        return None
    user = services.find_user(pending.get("user_id"))
    if user is None or not user.is_active:
        return None
    return user, pending


def _finish_sign_in(user: Any, pending: dict[str, Any], message: str = "") -> ResponseReturnValue:
    services.start_session(user, ip_address=request.remote_addr, user_agent=request.user_agent.string)
    _begin_session(user)
    if isinstance(pending.get("oidc"), dict):  # signed in with the organisation's account
        session["oidc"] = pending["oidc"]
    if message:  # after the fresh session begins, which clears everything before it
        flash(message, "success")
    return redirect(pending.get("next") or url_for("home.index"))


@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
@limiter.limit(_sign_in_limit, methods=["POST"])
def enter_code() -> ResponseReturnValue:
    found = _pending_sign_in()
    if found is None:
        session.pop("pending_sign_in", None)
        flash("Sign in again: the time to enter your code ran out.", "info")
        return redirect(url_for("accounts.sign_in"))
    user, pending = found
    if user.totp_secret is None:
        return redirect(url_for("accounts.set_up_code"))
    form = CodeForm()
    if form.validate_on_submit():
        if second_factor.verify(user, form.code.data or ""):
            return _finish_sign_in(user, pending)
        form.code.errors = ["The code is not right, or it has been used. Enter the code your app shows now"]
    return render_template("accounts/enter_code.html", form=form, title="Enter the code from your authenticator app")


@bp.route("/sign-in/set-up-code", methods=["GET", "POST"])
@public
@limiter.limit(_sign_in_limit, methods=["POST"])
def set_up_code() -> ResponseReturnValue:
    found = _pending_sign_in()
    if found is None:
        session.pop("pending_sign_in", None)
        flash("Sign in again: the time to set up your authenticator app ran out.", "info")
        return redirect(url_for("accounts.sign_in"))
    user, pending = found
    if user.totp_secret is not None:
        return redirect(url_for("accounts.enter_code"))
    secret = user.totp_pending_secret  # made at the password step (a POST): this page only shows it
    if secret is None:
        flash("Sign in again to set up your authenticator app.", "info")
        return redirect(url_for("accounts.sign_in"))
    form = CodeForm()
    if form.validate_on_submit():
        if second_factor.enrol(user, form.code.data or ""):
            return _finish_sign_in(
                user, pending, "Your authenticator app is set up. You will need a code from it each time you sign in."
            )
        form.code.errors = ["The code is not right. Check the key in your app and enter the code it shows now"]
    uri = second_factor.provisioning_uri(user, secret)
    return render_template(
        "accounts/set_up_code.html",
        form=form,
        qr_svg=second_factor.qr_svg(uri),
        key=second_factor.grouped(secret),
        title="Set up your authenticator app",
    )


@bp.route("/sign-out", methods=["POST"])
@role_required()
def sign_out() -> ResponseReturnValue:
    form = SignOutForm()
    if form.validate_on_submit():
        signed_in_with = session.get("oidc") or {}
        provider_sign_out = oidc.end_session_url(signed_in_with.get("provider"), signed_in_with.get("id_token"))
        services.end_session(current_person())
        logout_user()
        session.clear()
        flash("You have signed out.", "success")
        if provider_sign_out:  # and out of the organisation's account, which comes back to the home page
            return redirect(provider_sign_out)
    return redirect(url_for("pages.home"))


@bp.route("/account")
@role_required()
def account() -> ResponseReturnValue:
    me = current_person()
    return render_template(
        "accounts/account.html",
        title="Your account",
        sign_out_form=SignOutForm(),
        sessions=services.live_sessions(me),
        is_current=lambda row: services.is_current_session(me, row),
        others_form=SignOutOthersForm(),
        second_factor_form=StartSecondFactorForm(),
    )


@bp.route("/account/contact-details", methods=["GET", "POST"])
@role_required(Role.PARTNER)
def contact_details() -> ResponseReturnValue:
    me = current_person()
    form = ContactDetailsForm(
        contact_role=me.contact_role.value if me.contact_role else None, job_title=me.job_title, phone=me.phone
    )
    if form.validate_on_submit():
        services.set_contact_details(
            me,
            contact_role=ContactRole(form.contact_role.data),
            job_title=form.job_title.data or "",
            phone=form.phone.data or "",
        )
        flash("Your details have been saved. The locality team can see them.", "success")
        return redirect(url_for("accounts.account"))
    return render_template("accounts/contact_details.html", form=form, title="Your role and how to reach you")


@bp.route("/account/sessions/sign-out-others", methods=["POST"])
@role_required()
def sign_out_other_sessions() -> ResponseReturnValue:
    if SignOutOthersForm().validate_on_submit():
        ended = services.end_other_sessions(current_person())
        flash(f"You have signed out of {ended} other {'device' if ended == 1 else 'devices'}.", "success")
    return redirect(url_for("accounts.account"))


@bp.route("/account/authenticator-app", methods=["POST"])
@role_required()
def start_second_factor() -> ResponseReturnValue:
    me = current_person()
    if me.totp_secret is None and StartSecondFactorForm().validate_on_submit():
        second_factor.begin_set_up(me)
        return redirect(url_for("accounts.set_up_second_factor"))
    return redirect(url_for("accounts.account"))


@bp.route("/account/authenticator-app/set-up", methods=["GET", "POST"])
@role_required()
def set_up_second_factor() -> ResponseReturnValue:
    me = current_person()
    if me.totp_secret is not None or me.totp_pending_secret is None:
        return redirect(url_for("accounts.account"))
    form = CodeForm()
    if form.validate_on_submit():
        if second_factor.enrol(me, form.code.data or ""):
            flash("Your authenticator app is set up. You will need a code from it each time you sign in.", "success")
            return redirect(url_for("accounts.account"))
        form.code.errors = ["The code is not right. Check the key in your app and enter the code it shows now"]
    uri = second_factor.provisioning_uri(me, me.totp_pending_secret)
    return render_template(
        "accounts/set_up_code.html",
        form=form,
        qr_svg=second_factor.qr_svg(uri),
        key=second_factor.grouped(me.totp_pending_secret),
        title="Set up your authenticator app",
        voluntary=True,
    )


def recent_password_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Send the person to type their password again unless they did so in the last few minutes.
    Goes under the access decorator, so the access decision comes first."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        confirmed_at = session.get("reauthenticated_at", 0)
        if not isinstance(confirmed_at, int | float) or time.time() - confirmed_at > REAUTHENTICATION_SECONDS:
            return redirect(url_for("accounts.confirm_password", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


@bp.route("/account/confirm-password", methods=["GET", "POST"])
@role_required()
@limiter.limit(_sign_in_limit, methods=["POST"])
def confirm_password() -> ResponseReturnValue:
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        if services.confirm_password(current_person(), form.password.data or ""):
            session["reauthenticated_at"] = int(time.time())
            return redirect(safe_next("accounts.account"))
        form.password.errors = ["Enter your password correctly"]
    return render_template("accounts/confirm_password.html", form=form, title="Confirm it is you")


@bp.route("/account/your-data")
@role_required()
@recent_password_required
def your_data() -> ResponseReturnValue:
    """Subject access, as a page to read."""
    return render_template(
        "accounts/your_data.html", data=personal_data.readable_export(current_person()), title="Your data"
    )


@bp.route("/account/your-data.json")
@role_required()
@recent_password_required
def export_data() -> ResponseReturnValue:
    """Subject access: everything the portal holds about the signed-in person, as a JSON download."""
    data = personal_data.export(current_person())
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False),
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="partner-portal-your-data.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/account/your-data.csv")
@role_required()
@recent_password_required
def export_data_csv() -> ResponseReturnValue:
    """Subject access as a spreadsheet: the page's plain English, one row per detail."""
    return Response(
        personal_data.export_csv(current_person()),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="partner-portal-your-data.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/password-reset", methods=["GET", "POST"])
@public
@limiter.limit(_sign_in_limit, methods=["POST"])
def request_password_reset() -> ResponseReturnValue:
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(email=form.email.data or "")
        return render_template("accounts/password_reset_sent.html", title="Check your email", email=form.email.data)
    return render_template("accounts/password_reset_request.html", form=form, title="Reset your password")


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_sign_in_limit, methods=["POST"])
def reset_password(token: str) -> ResponseReturnValue:
    reset = services.find_open_reset(token)
    if reset is None:
        return render_template("accounts/link_expired.html", title="This link has expired"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        services.reset_password(reset, password=form.password.data or "")
        flash("Your password has been changed. Sign in with your new password.", "success")
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/new_password.html", form=form, title="Choose a new password")


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_sign_in_limit, methods=["POST"])
def accept_invitation(token: str) -> ResponseReturnValue:
    invitation = services.find_open_invitation(token)
    if invitation is None:
        return render_template("accounts/link_expired.html", title="This link has expired"), 404
    form = InvitationAcceptForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(
                invitation, password=form.password.data or "", ip_address=request.remote_addr
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="password")
        else:
            _begin_session(user)
            flash("Your account has been created.", "success")
            return redirect(url_for("home.index"))
    return render_template(
        "accounts/accept_invitation.html", form=form, invitation=invitation, title="Create your account"
    )


@bp.route("/invitations")
@role_required(Role.ADMIN, Role.MANAGER)
def invitations() -> ResponseReturnValue:
    return render_template(
        "accounts/invitations.html", invitations=services.list_invitations(current_person()), title="Invitations"
    )


@bp.route("/invitations/new", methods=["GET", "POST"])
@role_required(Role.ADMIN, Role.MANAGER)
def new_invitation() -> ResponseReturnValue:
    choices = services.invitation_choices(current_person())
    form = InvitationCreateForm()
    form.set_choices(
        roles=choices.roles,
        organisations=[(o.id, o.name) for o in choices.organisations],
        localities=[(loc.id, loc.name) for loc in choices.localities],
    )
    if len(choices.roles) == 1 and request.method == "GET":
        form.role.data = choices.roles[0].value
    if form.validate_on_submit():
        try:
            services.invite_user(
                by=current_person(),
                email=form.email.data or "",
                name=form.name.data or "",
                role=Role(form.role.data),
                organisation_id=form.organisation_id.data if form.role.data == Role.PARTNER.value else None,
                locality_id=form.chosen_locality_id(),
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="email")
        else:
            flash(f"Invitation sent to {form.email.data}.", "success")
            return redirect(url_for("accounts.invitations"))
    return render_template("accounts/new_invitation.html", form=form, title="Invite someone")


@bp.route("/users")
@role_required(Role.ADMIN)
def users() -> ResponseReturnValue:
    return render_template(
        "accounts/users.html",
        users=services.list_users(),
        form=UserDisableForm(),
        head_form=HeadOfServiceForm(),
        reset_form=SecondFactorResetForm(),
        unlink_form=ProviderIdentityUnlinkForm(),
        linked=oidc.linked_user_ids(),
        title="Users",
    )


@bp.route("/users/<int:user_id>/disable", methods=["POST"])
@role_required(Role.ADMIN)
def disable_user(user_id: int) -> ResponseReturnValue:
    user = services.get_user(user_id)
    form = UserDisableForm()
    if form.validate_on_submit():
        try:
            services.set_user_disabled(user, by=current_person(), disabled=True)
        except DomainError as error:
            flash(error.message, "info")
        else:
            flash(f"{user.name}'s account has been disabled.", "success")
    return redirect(url_for("accounts.users"))


@bp.route("/users/<int:user_id>/head-of-service", methods=["POST"])
@role_required(Role.ADMIN)
def set_head_of_service(user_id: int) -> ResponseReturnValue:
    user = services.get_user(user_id)
    form = HeadOfServiceForm()
    if form.validate_on_submit():
        try:
            services.set_head_of_service(user, by=current_person(), head_of_service=not user.is_head_of_service)
        except DomainError as error:
            flash(error.message, "info")
        else:
            flash(f"{user.name} is {'now' if user.is_head_of_service else 'no longer'} the head of service.", "success")
    return redirect(url_for("accounts.users"))


@bp.route("/users/<int:user_id>/enable", methods=["POST"])
@role_required(Role.ADMIN)
def enable_user(user_id: int) -> ResponseReturnValue:
    user = services.get_user(user_id)
    form = UserDisableForm()
    if form.validate_on_submit():
        try:
            services.set_user_disabled(user, by=current_person(), disabled=False)
        except DomainError as error:
            flash(error.message, "info")
        else:
            flash(f"{user.name}'s account has been enabled.", "success")
    return redirect(url_for("accounts.users"))


@bp.route("/users/<int:user_id>/erase", methods=["GET", "POST"])
@role_required(Role.ADMIN)
@recent_password_required
def erase_user(user_id: int) -> ResponseReturnValue:
    user = services.get_user(user_id)
    form = UserEraseForm()
    if request.method == "POST" and not form.validate_on_submit():  # not a yes from this page: ask again
        return redirect(url_for("accounts.erase_user", user_id=user.id))
    if form.validate_on_submit():
        name = user.name
        try:
            personal_data.erase(user, by=current_person())
        except DomainError as refused:
            show_domain_error(form, refused)
        else:
            flash(f"{name}'s account has been erased.", "success")
            return redirect(url_for("accounts.users"))
    status = 409 if form.form_errors else 200  # refused: the account is still needed
    return render_template(
        "accounts/erase.html", user=user, form=form, title=f"Are you sure you want to erase {user.name}'s account?"
    ), status


@bp.route("/users/<int:user_id>/reset-second-factor", methods=["POST"])
@role_required(Role.ADMIN)
def reset_second_factor(user_id: int) -> ResponseReturnValue:
    user = services.get_user(user_id)
    if SecondFactorResetForm().validate_on_submit():
        second_factor.reset(user, by=current_person())
        flash(f"{user.name} will set up a new authenticator app the next time they sign in.", "success")
    return redirect(url_for("accounts.users"))


@bp.route("/users/<int:user_id>/unlink-organisation-account", methods=["POST"])
@role_required(Role.ADMIN)
def unlink_organisation_account(user_id: int) -> ResponseReturnValue:
    user = services.get_user(user_id)
    if ProviderIdentityUnlinkForm().validate_on_submit():
        oidc.unlink_identities(user, by=current_person())
        flash(
            f"{user.name} can sign in with a new organisation account; the next one they use will be linked.", "success"
        )
    return redirect(url_for("accounts.users"))


# --- the audit log --------------------------------------------------------------------------------


def _audit_search() -> tuple[AuditSearchForm, audit_log.AuditSearch | None]:
    """The search form from the query string, and the search when it is valid (None shows the errors)."""
    form = AuditSearchForm(request.args)
    form.set_choices(record_types=audit_log.record_types(), actions=audit_log.actions())
    if request.args and not form.validate():
        return form, None
    search = audit_log.AuditSearch(
        person=(form.person.data or "").strip(),
        record_type=form.record_type.data or "",
        record_id=form.record_id.data,
        action=form.action.data or "",
        from_date=form.from_date.data,
        to_date=form.to_date.data,
    )
    return form, search


@bp.route("/audit")
@role_required(Role.MANAGER, Role.ADMIN)
def audit_log_page() -> ResponseReturnValue:
    form, search = _audit_search()
    found = audit_log.search_events(current_person(), search, page=page_number()) if search else None
    return render_template(
        "accounts/audit_log.html",
        form=form,
        found=found,
        query=search.args() if search else {},
        title="Audit log",
        has_errors=search is None,
    )


@bp.route("/audit.csv")
@role_required(Role.MANAGER, Role.ADMIN)
def audit_log_csv() -> ResponseReturnValue:
    _, search = _audit_search()
    if search is None:
        # The page shows what is wrong with the search.
        return redirect(f"{url_for('accounts.audit_log_page')}?{urlencode(list(request.args.items(multi=True)))}")
    data = csv_text(audit_log.export_rows(current_person(), search))
    return Response(
        data,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"', "Cache-Control": "no-store"},
    )
