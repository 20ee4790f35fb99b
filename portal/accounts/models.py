"""Users, their server-side sessions, invitations and password resets."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.common.roles import Role
from portal.models_base import Base, TimestampMixin, str_enum, utcnow

if TYPE_CHECKING:
    from portal.directory.models import Locality, Organisation


class ContactRole(enum.StrEnum):
    """A partner's role in their organisation, by which staff find a school's contacts."""

    DSL = "dsl"
    DEPUTY_DSL = "deputy_dsl"
    SENCO = "senco"
    HEAD_TEACHER = "head_teacher"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "dsl": "Designated safeguarding lead",
            "deputy_dsl": "Deputy designated safeguarding lead",
            "senco": "SENCO",
            "head_teacher": "Head teacher",
            "other": "Other",
        }[self.value]


def role_enum() -> Enum:
    return Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class User(TimestampMixin, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    job_title: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    role: Mapped[Role] = mapped_column(role_enum())
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # A partner belongs to an organisation; staff work in (and managers manage) a locality.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"), index=True)
    # A partner's role in their organisation (designated safeguarding lead, SENCO…); None until they say.
    contact_role: Mapped[ContactRole | None] = mapped_column(str_enum(ContactRole, 20))
    disabled_at: Mapped[datetime | None]
    last_sign_in_at: Mapped[datetime | None]
    # Second factor (TOTP, RFC 6238) for staff: the shared secret (base32) and the last time step accepted,
    # so that a code works once.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # The secret shown while the app is being set up, kept here (server side) until a code proves the app
    # has it: the session cookie is signed but readable, so it never carries a secret.
    totp_pending_secret: Mapped[str | None] = mapped_column(String(64))
    # A manager who is also the head of service: the next stage of an escalation or disagreement left
    # unanswered after its due date (portal.requests.escalations). A flag, not a role: set by admins.
    is_head_of_service: Mapped[bool] = mapped_column(default=False, server_default=sa_false())

    organisation: Mapped[Organisation | None] = relationship(foreign_keys=[organisation_id])
    locality: Mapped[Locality | None] = relationship(foreign_keys=[locality_id])

    # Set by the sign-in service and the user loader for Flask-Login: the session cookie holds this
    # token, never the user id, so revoking the UserSession row signs the cookie out. Not a column.
    @property
    def session_token(self) -> str | None:
        return self.__dict__.get("_session_token")

    @session_token.setter
    def session_token(self, value: str | None) -> None:
        self.__dict__["_session_token"] = value

    # --- Flask-Login protocol -------------------------------------------------------------------
    @property
    def is_active(self) -> bool:
        return self.disabled_at is None

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.session_token

    # --- derived ----------------------------------------------------------------------------------
    @property
    def is_staff(self) -> bool:
        return self.role.is_staff

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class UserSession(Base):
    """A signed-in session; the cookie carries its token. Revoked on sign-out."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    ip_address: Mapped[str | None] = mapped_column(String(64))
    # What "Your account" shows of each session: when it was last used (updated every few minutes at
    # most) and the browser's User-Agent header at sign-in.
    last_used_at: Mapped[datetime | None]
    user_agent: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User] = relationship()

    @property
    def browser(self) -> str:
        """ "Firefox on Windows", from the User-Agent header; "An unknown browser" when it says nothing useful."""
        return describe_user_agent(self.user_agent or "")


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def describe_user_agent(header: str) -> str:
    """A person's words for a User-Agent header: the browser and the system, as far as it tells."""
    browser = next((name for token, name in _BROWSERS if token in header), None)
    system = next((name for token, name in _SYSTEMS if token in header), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or (f"A browser on {system}" if system else "An unknown browser")


class Invitation(Base):
    """A single-use, expiring link that creates an account with the role the inviter chose."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(role_enum())
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]

    organisation: Mapped[Organisation | None] = relationship()
    locality: Mapped[Locality | None] = relationship()
    invited_by: Mapped[User] = relationship()


class PasswordReset(Base):
    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class ProviderIdentity(Base):
    """Who an account is at an organisation's identity provider (issuer and subject), bound at the first
    sign-in with it. The e-mail address finds the account; from then on only this subject may sign it in
    with that provider, so an address the organisation gives to someone else later does not bring them in."""

    __tablename__ = "provider_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject"), UniqueConstraint("user_id", "issuer"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
