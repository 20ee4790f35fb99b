"""Actions their owners keep: the actions a person owns across every meeting ("My actions"), the owner's own
updates (RAG status, done, a note), the history of every update, and the owner's reminder before the due date.

An action's **owner** is a member of staff or a partner named on it, or a partner organisation: every active
partner user of that organisation owns it too (they act for it, portal.access.partner_organisation_ids). The
owner, and the managers of the action's locality, may open the action and update it; anyone else gets
NotFound. Every update, the managers' too (portal.meetings.record.update_action), is kept as a
MeetingActionChange with who and when, shown on the action.

Like every service here: checks first, then changes, audit rows and e-mails (a link, never details); flush,
never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, false, or_, select, update
from sqlalchemy.orm import selectinload

from portal import access
from portal.accounts.models import User
from portal.common import audit, outbox
from portal.common.errors import DomainError
from portal.common.identifiers import check_free_text
from portal.common.links import public_url_for
from portal.common.permissions import NotFound
from portal.common.roles import Role
from portal.common.times import london_today
from portal.common.working_days import is_working_day, local_date
from portal.extensions import db
from portal.meetings.models import MeetingAction, MeetingActionChange, PartnershipMeeting, Rag
from portal.models_base import utcnow

NOTE_MAX = 1000
REMINDER_WORKING_DAYS = 2


# --- who owns what --------------------------------------------------------------------------------


def _owned_by(user: User) -> ColumnElement[bool]:
    """A condition on MeetingAction: `user` owns it, by name or through their organisation."""
    if user.role not in (Role.PARTNER, Role.PRACTITIONER, Role.MANAGER) or user.disabled_at is not None:
        return false()
    organisations = access.partner_organisation_ids(user)
    named = MeetingAction.owner_user_id == user.id
    return or_(named, MeetingAction.owner_organisation_id.in_(organisations)) if organisations else named


def owns(user: User, action: MeetingAction) -> bool:
    if user.role not in (Role.PARTNER, Role.PRACTITIONER, Role.MANAGER):
        return False
    return action.owner_user_id == user.id or access.is_partner_of(user, action.owner_organisation_id)


def owned_ids(user: User, actions: list[MeetingAction]) -> set[int]:
    """The ids of those of `actions` that `user` owns (for the action log's "Update" links)."""
    return {action.id for action in actions if owns(user, action)}


@dataclass(frozen=True)
class MyActions:
    open: list[MeetingAction]
    done: list[MeetingAction]
    today: date

    @property
    def overdue(self) -> int:
        return sum(1 for action in self.open if action.is_overdue(self.today))


def my_actions(user: User, *, done_limit: int = 20) -> MyActions:
    """The actions `user` owns across every meeting: open ones soonest due first (the overdue lead), and the
    latest done. Two queries whatever the number of meetings."""
    options = (
        selectinload(MeetingAction.raised_at_meeting).selectinload(PartnershipMeeting.locality),
        selectinload(MeetingAction.owner_user),
        selectinload(MeetingAction.owner_organisation),
    )
    owned = select(MeetingAction).where(_owned_by(user)).options(*options)
    open_actions = db.session.scalars(
        owned.where(MeetingAction.done_at.is_(None)).order_by(MeetingAction.due_on, MeetingAction.id)
    )
    done = db.session.scalars(
        owned.where(MeetingAction.done_at.is_not(None))
        .order_by(MeetingAction.done_at.desc(), MeetingAction.id.desc())
        .limit(done_limit)
    )
    return MyActions(open=list(open_actions), done=list(done), today=london_today())


def get_action(action_id: int, *, user: User) -> MeetingAction:
    """The action when `user` owns it or manages its locality; NotFound for anyone else."""
    action = db.session.scalar(
        select(MeetingAction)
        .where(MeetingAction.id == action_id)
        .options(
            selectinload(MeetingAction.raised_at_meeting),
            selectinload(MeetingAction.owner_user),
            selectinload(MeetingAction.owner_organisation),
            selectinload(MeetingAction.changes).selectinload(MeetingActionChange.changed_by),
        )
    )
    if action is None or not (owns(user, action) or access.manages(user, action.locality_id)):
        raise NotFound
    return action


# --- updating -------------------------------------------------------------------------------------


def record_change(action: MeetingAction, *, by: User, previous_rag: Rag) -> MeetingActionChange:
    """Keep the update just made to `action` in its history (who, when, the RAG before and after)."""
    change = MeetingActionChange(
        action=action,
        changed_by_id=by.id,
        changed_at=utcnow(),
        previous_rag=previous_rag,
        rag=action.rag,
        done=action.done_at is not None,
        note=action.update_note,
    )
    db.session.add(change)
    return change


def apply_update(action: MeetingAction, *, by: User, rag: Rag, done: bool, note: str, confirmed: bool) -> Rag:
    """Check and make one update of an action (RAG, done, note) and keep it in the history: the RAG status
    before. A new or changed note is checked for a child's identifiers first (IdentifiersFound, unless
    `confirmed`): the locality's partners read the action log."""
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise DomainError(f"The update must be {NOTE_MAX:,} characters or fewer", field="note")
    was_done = action.done_at is not None
    if (rag, done, note) == (action.rag, was_done, action.update_note):
        raise DomainError("Change the RAG status, whether it is done or the update, or go back", field="rag")
    if note != action.update_note:
        check_free_text(note=note, confirmed=confirmed)
    previous = action.rag
    action.rag = rag
    action.update_note = note
    if done and not was_done:
        action.done_at = utcnow()
    elif not done:
        action.done_at = None
    record_change(action, by=by, previous_rag=previous)
    return previous


def update_own_action(
    action: MeetingAction, *, by: User, rag: Rag, done: bool, note: str, confirmed: bool
) -> MeetingAction:
    """The owner (or a manager of its locality) updates the action: its RAG status, whether it is done, and
    a note. Kept in the action's history and audited."""
    if not (owns(by, action) or access.manages(by, action.locality_id)):
        raise NotFound
    was_done = action.done_at is not None
    previous = apply_update(action, by=by, rag=rag, done=done, note=note, confirmed=confirmed)
    audit.record(
        "meeting_action.updated",
        obj=action,
        rag=rag.value,
        previous_rag=previous.value,
        done=done,
        was_done=was_done,
        by_owner=owns(by, action),
        identifiers_confirmed=confirmed,
    )
    db.session.flush()
    return action


# --- reminders ------------------------------------------------------------------------------------


def reminder_day(due_on: date, working_days: int = REMINDER_WORKING_DAYS) -> date:
    """The working day `working_days` working days before `due_on`."""
    day, left = due_on, working_days
    while left:
        day -= timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def owners_of(action: MeetingAction) -> list[User]:
    """Who is reminded: the named owner, or the organisation's active partner users; never a disabled account."""
    if action.owner_user is not None:
        return [action.owner_user] if action.owner_user.disabled_at is None else []
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.role == Role.PARTNER,
                User.organisation_id == action.owner_organisation_id,
                User.disabled_at.is_(None),
            )
            .order_by(User.name, User.id)
        )
    )


def send_action_reminders(now: datetime | None = None) -> int:
    """Remind each open action's owner once, two working days before it is due (or later, if that was missed,
    up to the due date). Each action is marked with one conditional UPDATE before its e-mails are queued, so
    several workers at once remind it once. The number of actions reminded."""
    now = now or utcnow()
    today = local_date(now)
    candidates = db.session.execute(
        select(MeetingAction.id, MeetingAction.due_on).where(
            MeetingAction.done_at.is_(None),
            MeetingAction.reminded_at.is_(None),
            MeetingAction.due_on >= today,
            MeetingAction.due_on <= today + timedelta(days=14),
        )
    ).all()
    due = [action_id for action_id, due_on in candidates if reminder_day(due_on) <= today]
    if not due:
        return 0
    marked = sorted(
        db.session.execute(
            update(MeetingAction)
            .where(MeetingAction.id.in_(due), MeetingAction.reminded_at.is_(None), MeetingAction.done_at.is_(None))
            .values(reminded_at=now)
            .returning(MeetingAction.id)
            .execution_options(synchronize_session=False)
        ).scalars()
    )
    actions = db.session.scalars(
        select(MeetingAction)
        .where(MeetingAction.id.in_(marked))
        .options(selectinload(MeetingAction.owner_user), selectinload(MeetingAction.raised_at_meeting))
        .order_by(MeetingAction.id)
    )
    for action in actions:
        link = public_url_for("meetings.action_page", action_id=action.id)
        for person in owners_of(action):
            outbox.enqueue(
                to=person,
                subject=f"Reminder: an action of {action.raised_at_meeting.title} is due",
                template="emails/meeting_action_reminder.txt",
                name=person.name,
                meeting=action.raised_at_meeting.title,
                due_on=action.due_on,
                link=link,
                thread=outbox.thread_of("meeting-action", action.id, person.email),
            )
        audit.record("meeting_action.reminder_sent", obj=action, due_on=action.due_on.isoformat())
    db.session.flush()
    return len(marked)
