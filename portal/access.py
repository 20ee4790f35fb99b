"""Who may see and manage what: the one answer every domain asks.

A manager's area, the localities a member of staff works for, a partner's organisation and locality,
and the staff a manager may choose were each written in several domains, and the copies disagreed (a
manager named manager of a second locality could schedule its meetings but not edit its directory entry
or see its requests). They are decided here, once:

- a **manager manages** every locality whose manager they are (`Locality.manager_id`), plus the
  locality they work in (`User.locality_id`). Nobody else manages a locality; admins maintain every
  locality's directory entry (they run the system) but manage nothing else;
- a member of staff **works for** the localities they manage, the one they work in, and those they
  lead (`Locality.lead_id`, the duty lead, or `Organisation.lead_id`, a school's own lead) or cover today
  for an absent lead (a `StaffAbsence` naming them as cover);
- a **partner** acts for their organisation, and their locality is the organisation's (see
  `partner_locality_id` for why the organisation comes first);
- a **senior leader** (head of service, assistant director, lead member, scrutiny officer) reads every
  locality's figures and "You said, we did" (`read_locality_ids`) and manages nothing;
- the **staff of a set of localities** are the active practitioners and managers who work in one of
  them, or lead or manage one or lead one of its schools; never an admin, never a partner. A manager may
  choose (as a host, a pod member, an action's owner…) the staff of their area.

This module imports only the models, the database handle and portal.common (an import-linter contract
says so), so every domain can ask it and none has to ask another domain for these answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, false, or_, select

from portal.accounts.models import User
from portal.common.roles import Role
from portal.directory.models import Locality, Organisation, StaffAbsence
from portal.extensions import db

CHOOSABLE_ROLES = (Role.PRACTITIONER, Role.MANAGER)

# --- managing -------------------------------------------------------------------------------------


def _managed(user: User) -> Select[tuple[int]]:
    """The ids of the localities `user` manages, as a subquery (empty for anyone but a manager)."""
    query = select(Locality.id)
    if user.role is not Role.MANAGER:
        return query.where(false())
    return query.where(or_(Locality.manager_id == user.id, Locality.id == (user.locality_id or -1)))


def managed_locality_ids(user: User) -> list[int]:
    """The localities a manager manages (see the module docstring), by id; empty for everyone else."""
    if user.role is not Role.MANAGER:
        return []
    return sorted(db.session.scalars(_managed(user)))


def managed_localities(user: User) -> list[Locality]:
    """The localities a manager manages, by name; empty for everyone else."""
    if user.role is not Role.MANAGER:
        return []
    return list(db.session.scalars(select(Locality).where(Locality.id.in_(_managed(user))).order_by(Locality.name)))


def manages(user: User, locality_id: int | None) -> bool:
    """Whether `user` manages the locality (False for no locality)."""
    return locality_id is not None and locality_id in managed_locality_ids(user)


def read_locality_ids(user: User) -> list[int]:
    """The localities whose figures (dashboards, the quarterly report) `user` reads: a senior leader every
    locality, a manager those they manage, nobody else any."""
    if user.role is Role.SENIOR:
        return sorted(db.session.scalars(select(Locality.id)))
    return managed_locality_ids(user)


def read_localities(user: User) -> list[Locality]:
    """The localities of `read_locality_ids`, by name."""
    if user.role is Role.SENIOR:
        return list(db.session.scalars(select(Locality).order_by(Locality.name)))
    return managed_localities(user)


def maintained_locality_ids(user: User) -> list[int]:
    """The localities whose directory entry (details, pods) `user` may maintain: admins every one, as they
    run the system; a manager those they manage; nobody else any."""
    if user.role is Role.ADMIN:
        return sorted(db.session.scalars(select(Locality.id)))
    return managed_locality_ids(user)


def may_maintain(user: User, locality_id: int) -> bool:
    return user.role is Role.ADMIN or manages(user, locality_id)


# --- leading and covering -------------------------------------------------------------------------


def _covered(user: User, *, on: date) -> Select[tuple[int]]:
    return select(StaffAbsence.user_id).where(
        StaffAbsence.cover_id == user.id, StaffAbsence.starts_on <= on, StaffAbsence.ends_on >= on
    )


def covered_user_ids(user: User, *, on: date) -> list[int]:
    """Whom `user` covers on `on` (their absences name `user` as cover)."""
    return list(db.session.scalars(_covered(user, on=on)))


def answering_for_ids(user: User, *, on: date) -> list[int]:
    """`user` and everyone they cover on `on`: whose work `user` answers for that day."""
    return [user.id, *covered_user_ids(user, on=on)]


def localities_managed_by(manager_ids: list[int]) -> list[int]:
    """The localities managed (`Locality.manager_id`) by any of `manager_ids`: those whose manager a cover
    answers for while the manager is away. No query for an empty list (a person who covers nobody today)."""
    if not manager_ids:
        return []
    return list(db.session.scalars(select(Locality.id).where(Locality.manager_id.in_(manager_ids))))


def _led(user: User, *, on: date) -> ColumnElement[bool]:
    """A condition on Locality: `user` is its duty lead or the lead of one of its schools, or covers one of
    them, on `on`."""
    covered = _covered(user, on=on)
    schools_led = select(Organisation.locality_id).where(
        or_(Organisation.lead_id == user.id, Organisation.lead_id.in_(covered))
    )
    return or_(Locality.lead_id == user.id, Locality.lead_id.in_(covered), Locality.id.in_(schools_led))


def led_locality_ids(user: User, *, on: date) -> list[int]:
    """The localities `user` leads, or whose lead they cover, on `on`."""
    if not user.is_staff:
        return []
    return sorted(db.session.scalars(select(Locality.id).where(_led(user, on=on))))


def work_locality_ids(user: User, *, on: date) -> list[int]:
    """The localities a practitioner or manager works for on `on`: the one they work in, those they lead or
    cover the lead of, and (managers) those they manage. Empty for partners and admins, who do no case work.
    One query."""
    if user.role not in CHOOSABLE_ROLES:
        return []
    works = or_(Locality.id == (user.locality_id or -1), _led(user, on=on), Locality.id.in_(_managed(user)))
    return sorted(db.session.scalars(select(Locality.id).where(works)))


# --- partners -------------------------------------------------------------------------------------


def partner_organisation_ids(user: User) -> list[int]:
    """The organisations a partner acts for (one today); empty for staff."""
    if user.role is not Role.PARTNER or user.organisation_id is None:
        return []
    return [user.organisation_id]


def is_partner_of(user: User, organisation_id: int | None) -> bool:
    return organisation_id is not None and organisation_id in partner_organisation_ids(user)


def partner_locality_id(user: User) -> int | None:
    """A partner's locality: their organisation's, else the locality on their own account; None for staff.

    The organisation's comes first because it is the one kept up to date (the directory moves a school
    when its district is mapped again or an admin changes it) and the one a partner's requests are sent
    to; the account's is a copy made when the invitation was accepted, which nothing updates afterwards.
    """
    if user.role is not Role.PARTNER:
        return None
    if user.organisation is not None and user.organisation.locality_id is not None:
        return user.organisation.locality_id
    return user.locality_id


# --- a person's own localities --------------------------------------------------------------------


def own_locality_ids(user: User, *, on: date) -> list[int]:
    """The localities whose shared pages (partnership meetings, "You said, we did") a person reads on `on`:
    a partner their locality; staff those they work for; a senior leader every locality; admins none (they run
    the system)."""
    if user.role is Role.SENIOR:
        return read_locality_ids(user)
    if user.role is Role.PARTNER:
        own = partner_locality_id(user)
        return [own] if own is not None else []
    return work_locality_ids(user, on=on)


# --- the staff a manager may choose ---------------------------------------------------------------


def staff_of(locality_ids: Iterable[int] | Select[tuple[int]], *, active: bool = True) -> ColumnElement[bool]:
    """A condition on User: the practitioners and managers of the localities (working in one of them, or
    leading or managing one), active ones only unless `active` is False. One condition, so a list of
    choices and the check of one id are each a single query."""
    ids = locality_ids if isinstance(locality_ids, Select) else list(locality_ids)
    of_localities = or_(
        User.locality_id.in_(ids),
        User.id.in_(select(Locality.lead_id).where(Locality.id.in_(ids))),
        User.id.in_(select(Organisation.lead_id).where(Organisation.locality_id.in_(ids))),
        User.id.in_(select(Locality.manager_id).where(Locality.id.in_(ids))),
    )
    condition = and_(User.role.in_(CHOOSABLE_ROLES), of_localities)
    return and_(condition, User.disabled_at.is_(None)) if active else condition


def choosable_by(manager: User, *, keep: int | None = None) -> ColumnElement[bool]:
    """A condition on User: who `manager` may choose, the active staff of their area (`staff_of` the
    localities they manage), and `keep` (e.g. a session's current host) if still active staff. Nobody for
    anyone but a manager."""
    if manager.role is not Role.MANAGER:
        return false()
    area = staff_of(_managed(manager))
    if keep is None:
        return area
    kept = and_(User.id == keep, User.role.in_(CHOOSABLE_ROLES), User.disabled_at.is_(None))
    return or_(area, kept)


def choosable_staff(manager: User, *, keep: int | None = None) -> list[User]:
    """The staff `manager` may choose (see `choosable_by`), by name."""
    return list(db.session.scalars(select(User).where(choosable_by(manager, keep=keep)).order_by(User.name, User.id)))


def is_choosable(user_id: int, *, manager: User, keep: int | None = None) -> bool:
    return db.session.scalar(select(User.id).where(User.id == user_id, choosable_by(manager, keep=keep))) is not None
