"""Accounts: sign-in and server-side sessions, invitations, password resets, disabling users.

Services flush, never commit: the request's transaction commits once after the view succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from portal import access
from portal.accounts.models import ContactRole, Invitation, PasswordReset, User, UserSession
from portal.common import audit, outbox
from portal.common.errors import DomainError
from portal.common.links import public_url_for
from portal.common.permissions import Forbidden, NotFound
from portal.common.roles import Role
from portal.common.security import hash_password, hash_token, new_token, verify_password
from portal.directory.models import Locality, Organisation
from portal.extensions import db
from portal.models_base import utcnow


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def find_user(user_id: object) -> User | None:
    return db.session.get(User, user_id) if isinstance(user_id, int) else None


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound
    return user


# --- sign-in and sessions -------------------------------------------------------------------------


def authenticate(*, email: str, password: str) -> User | None:
    """The user when the e-mail and password match an enabled account, else None.

    Every failure (unknown e-mail, wrong password, disabled account) costs one argon2 verification,
    so neither the answer nor its timing tells them apart.
    """
    user = find_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        audit.record_now("sign_in.failed", actor_id=user.id if user else None)
        return None
    return user


def confirm_password(user: User, password: str) -> bool:
    """Re-authentication before a sensitive step: the signed-in person types their password again."""
    ok = verify_password(user.password_hash, password)
    audit.record_now("reauthentication.succeeded" if ok else "reauthentication.failed", actor_id=user.id)
    return ok


def start_session(user: User, *, ip_address: str | None, user_agent: str | None = None) -> str:
    """Open a server-side session for `user`; returns the token the cookie will carry. The browser's
    User-Agent is kept (cut to its column) so that "Your account" can say which browser each session is."""
    token, token_hash = new_token()
    db.session.add(
        UserSession(
            user_id=user.id,
            token_hash=token_hash,
            ip_address=ip_address,
            user_agent=(user_agent or "")[:300] or None,
            last_used_at=utcnow(),
        )
    )
    user.last_sign_in_at = utcnow()
    user.session_token = token
    audit.record("sign_in.succeeded", obj=user, actor_id=user.id)
    db.session.flush()
    return token


def load_user_from_session_token(token: str) -> User | None:
    """Flask-Login's user loader: the user of a live session, or None (which signs the cookie out).

    A session is live when it is not revoked, not past the absolute timeout, and its user is
    enabled: disabling a user or signing out takes effect on the next request.
    """
    # One statement on every signed-in request: the user with their live session's id, start and last use.
    row = db.session.execute(
        select(User, UserSession.id, UserSession.created_at, UserSession.last_used_at)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == hash_token(token), UserSession.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    user, session_id, started, last_used = row
    if utcnow() - started > current_app.config["ABSOLUTE_SESSION_LIFETIME"]:
        return None
    if not user.is_active:
        return None
    user.session_token = token
    _note_use(session_id, last_used)
    return user


# How stale "last used" may be: writing it on every request would make every page a write.
LAST_USED_EVERY = timedelta(minutes=5)


def _note_use(session_id: int, last_used: datetime | None) -> None:
    """Record that the session was used now, at most every LAST_USED_EVERY, in its own transaction (like
    the audit of a view): a GET commits nothing of the request's own."""
    now = utcnow()
    if last_used is not None and now - last_used < LAST_USED_EVERY:
        return
    with db.engine.begin() as conn:
        conn.execute(update(UserSession).where(UserSession.id == session_id).values(last_used_at=now))


def live_sessions(user: User) -> list[UserSession]:
    """`user`'s sessions still signed in (not revoked, not past the absolute timeout), last used first."""
    since = utcnow() - current_app.config["ABSOLUTE_SESSION_LIFETIME"]
    query = select(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None), UserSession.created_at > since
    )
    rows = list(db.session.scalars(query))
    return sorted(rows, key=lambda row: row.last_used_at or row.created_at, reverse=True)


def is_current_session(user: User, row: UserSession) -> bool:
    return user.session_token is not None and row.token_hash == hash_token(user.session_token)


def end_other_sessions(user: User) -> int:
    """Sign `user` out of every other device: revoke every live session but this one. Returns how many."""
    ended = 0
    for row in live_sessions(user):
        if not is_current_session(user, row):
            row.revoked_at = utcnow()
            ended += 1
    audit.record("sign_out.other_sessions", obj=user, actor_id=user.id, sessions=ended)
    db.session.flush()
    return ended


def end_session(user: User) -> None:
    """Revoke the current session server side, so a copied cookie stops working too."""
    if user.session_token:
        row = db.session.scalar(select(UserSession).where(UserSession.token_hash == hash_token(user.session_token)))
        if row is not None and row.revoked_at is None:
            row.revoked_at = utcnow()
    audit.record("sign_out", obj=user, actor_id=user.id)
    db.session.flush()


def _revoke_all_sessions(user: User) -> None:
    for row in db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    ):
        row.revoked_at = utcnow()


# --- invitations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvitationChoices:
    roles: list[Role]
    organisations: list[Organisation]
    localities: list[Locality]


def invitation_choices(inviter: User) -> InvitationChoices:
    """What `inviter` may invite: admins anyone anywhere; managers partners of the localities they manage."""
    orgs = select(Organisation).order_by(Organisation.name)
    if inviter.role is Role.ADMIN:
        return InvitationChoices(
            roles=list(Role),
            organisations=list(db.session.scalars(orgs)),
            localities=list(db.session.scalars(select(Locality).order_by(Locality.name))),
        )
    area = access.managed_locality_ids(inviter)
    if area:
        return InvitationChoices(
            roles=[Role.PARTNER],
            organisations=list(db.session.scalars(orgs.where(Organisation.locality_id.in_(area)))),
            localities=[],
        )
    return InvitationChoices(roles=[], organisations=[], localities=[])


def invite_user(
    *, by: User, email: str, name: str, role: Role, organisation_id: int | None, locality_id: int | None
) -> tuple[Invitation, str]:
    """Create an invitation and queue its e-mail; returns it with the link token (shown nowhere else)."""
    choices = invitation_choices(by)
    if role not in choices.roles:
        raise Forbidden
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise DomainError("There is already an account with this email address")
    if role is Role.PARTNER:
        if organisation_id not in {o.id for o in choices.organisations}:
            raise DomainError("Select the partner's organisation")
        org = db.session.get(Organisation, organisation_id)
        locality_id = org.locality_id if org else None
    else:
        organisation_id = None
        if locality_id is not None and locality_id not in {loc.id for loc in choices.localities}:
            raise DomainError("Select a locality")
        if role in (Role.PRACTITIONER, Role.MANAGER) and locality_id is None:
            raise DomainError("Select the locality they work in")
    token, token_hash = new_token()
    invitation = Invitation(
        email=email,
        name=name.strip(),
        role=role,
        organisation_id=organisation_id,
        locality_id=locality_id,
        token_hash=token_hash,
        invited_by_id=by.id,
        expires_at=utcnow() + current_app.config["INVITATION_LIFETIME"],
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record("invitation.created", obj=invitation, role=role.value)
    outbox.enqueue(
        to=email,
        template="emails/invitation.txt",
        subject=f"You have been invited to {current_app.config['SERVICE_NAME']}",
        link=public_url_for("accounts.accept_invitation", token=token),
        invited_by=by.name,
        expires_at=invitation.expires_at,
    )
    return invitation, token


def find_open_invitation(token: str) -> Invitation | None:
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at < utcnow():
        return None
    return invitation


def accept_invitation(invitation: Invitation, *, password: str, ip_address: str | None) -> User:
    """Create the invited account (once: the link cannot be used again) and sign it in."""
    if invitation.accepted_at is not None or invitation.expires_at < utcnow():
        raise DomainError("This invitation link has expired or has already been used")
    if find_user_by_email(invitation.email) is not None:
        raise DomainError("There is already an account with this email address")
    invitation.accepted_at = utcnow()
    user = User(
        email=invitation.email,
        name=invitation.name,
        role=invitation.role,
        organisation_id=invitation.organisation_id,
        locality_id=invitation.locality_id,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    audit.record("invitation.accepted", obj=invitation, actor_id=user.id)
    start_session(user, ip_address=ip_address)
    return user


def list_invitations(viewer: User) -> list[Invitation]:
    query = select(Invitation).order_by(Invitation.created_at.desc()).limit(200)
    if viewer.role is not Role.ADMIN:
        query = query.where(Invitation.invited_by_id == viewer.id)
    return list(db.session.scalars(query))


# --- password reset -------------------------------------------------------------------------------


def request_password_reset(*, email: str) -> None:
    """Queue a reset link when the address belongs to an enabled account; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    token, token_hash = new_token()
    reset = PasswordReset(
        user_id=user.id,
        token_hash=token_hash,
        expires_at=utcnow() + current_app.config["PASSWORD_RESET_LIFETIME"],
    )
    db.session.add(reset)
    db.session.flush()
    audit.record("password_reset.requested", obj=user, actor_id=user.id)
    outbox.enqueue(
        to=user,
        link_is_secret=True,
        template="emails/password_reset.txt",
        subject=f"Reset your {current_app.config['SERVICE_NAME']} password",
        link=public_url_for("accounts.reset_password", token=token),
        expires_at=reset.expires_at,
    )


def find_open_reset(token: str) -> PasswordReset | None:
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == hash_token(token)))
    if reset is None or reset.used_at is not None or reset.expires_at < utcnow() or not reset.user.is_active:
        return None
    return reset


def reset_password(reset: PasswordReset, *, password: str) -> User:
    """Set the new password, use up the link, and sign out every existing session of the user."""
    if reset.used_at is not None or reset.expires_at < utcnow():
        raise DomainError("This link has expired or has already been used")
    user = reset.user
    # Every open link of the user dies with this one: an older e-mail must not reset the new password.
    for open_reset in db.session.scalars(
        select(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
    ):
        open_reset.used_at = utcnow()
    reset.used_at = utcnow()
    user.password_hash = hash_password(password)
    _revoke_all_sessions(user)
    audit.record("password_reset.completed", obj=user, actor_id=user.id)
    db.session.flush()
    return user


# --- administration -------------------------------------------------------------------------------


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(func.lower(User.name))))


def set_user_disabled(user: User, *, by: User, disabled: bool) -> None:
    """Disable or re-enable an account; a disabled user is signed out on their next request."""
    if disabled and user.id == by.id:
        raise DomainError("You cannot disable your own account")
    user.disabled_at = utcnow() if disabled else None
    if disabled:
        _revoke_all_sessions(user)
    audit.record("user.disabled" if disabled else "user.enabled", obj=user)
    db.session.flush()


def set_head_of_service(user: User, *, by: User, head_of_service: bool) -> None:
    """Mark a manager as the head of service (or no longer): escalations left unanswered past their due
    date move on to them (portal.requests.services.notify_overdue_escalations). Admins only; a flag on
    the manager, not a role."""
    if by.role is not Role.ADMIN:
        raise Forbidden
    if head_of_service and user.role is not Role.MANAGER:
        raise DomainError("Only a manager can be the head of service")
    user.is_head_of_service = head_of_service
    audit.record("user.head_of_service_set", obj=user, head_of_service=head_of_service)
    db.session.flush()


# --- the first admin ------------------------------------------------------------------------------


def create_admin(*, email: str, name: str) -> tuple[User, str]:
    """An enabled admin with no password yet, and a single-use link to set one (valid for the invitation
    lifetime): how an operator creates the first account. Returns the user and the link."""
    from portal.common.errors import DomainError
    from portal.common.links import public_url_for

    email = normalise_email(email)
    if "@" not in email or email.startswith("@") or email.endswith("@") or len(email) > 254:
        raise DomainError("Enter an email address in the correct format, like name@example.org", field="email")
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise DomainError("Enter the admin's full name (200 characters or fewer)", field="name")
    if find_user_by_email(email) is not None:
        raise DomainError("There is already an account with this email address", field="email")
    user = User(email=email, name=name, role=Role.ADMIN, password_hash=None)
    db.session.add(user)
    db.session.flush()
    token, token_hash = new_token()
    db.session.add(
        PasswordReset(
            user_id=user.id, token_hash=token_hash, expires_at=utcnow() + current_app.config["INVITATION_LIFETIME"]
        )
    )
    db.session.flush()
    audit.record("user.admin_created", obj=user, actor_id=None, via="command line")
    return user, public_url_for("accounts.reset_password", token=token)


def set_contact_details(user: User, *, contact_role: ContactRole, job_title: str, phone: str) -> User:
    """A partner says their role at their organisation and how to reach them: staff find the school's
    contacts by role (portal.directory.services.school_contacts)."""
    if user.role is not Role.PARTNER:
        raise Forbidden
    user.contact_role = contact_role
    user.job_title = job_title.strip()
    user.phone = phone.strip()
    db.session.flush()
    audit.record("user.contact_details_set", obj=user, contact_role=contact_role.value)
    return user
