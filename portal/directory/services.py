"""The directory: find a school's locality and who to contact today; maintain localities, pods and cover."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import ColumnElement, and_, delete, func, select, update
from sqlalchemy.orm import joinedload, selectinload

from portal import access
from portal.accounts.models import ContactRole, User
from portal.common import audit
from portal.common.errors import DomainError
from portal.common.permissions import Forbidden, NotFound
from portal.common.roles import Role
from portal.common.times import london_today
from portal.directory.models import (
    DistrictMapping,
    Locality,
    NeedLevel,
    Organisation,
    Pod,
    PodMember,
    PodRole,
    StaffAbsence,
)
from portal.directory.search import IndexCache, Row, SearchIndex
from portal.extensions import db
from portal.requests.models import ConsultationRequest, RequestStatus

# --- search ---------------------------------------------------------------------------------------

_index_cache = IndexCache()


def _index_rows() -> list[Row]:
    rows = db.session.execute(
        select(Organisation.id, Organisation.name, Organisation.urn, Organisation.postcode, Organisation.town)
    )
    return [tuple(r) for r in rows]


def search_index() -> SearchIndex:
    """This process's search index, rebuilt when an organisation has been added or changed.

    The fingerprint is the highest id and the latest update time: two index look-ups, cheap on both
    databases at any size (count(*) would scan the table). A deleted organisation leaves its id in
    the index until the next change; the fetch below drops it.
    """
    fingerprint = tuple(
        db.session.execute(
            select(
                select(func.max(Organisation.id)).scalar_subquery(),
                select(func.max(Organisation.updated_at)).scalar_subquery(),
            )
        ).one()
    )
    return _index_cache.current(fingerprint, _index_rows)


def search_organisations(query: str, *, limit: int = 20) -> list[Organisation]:
    """Organisations matching a school name, URN or postcode, best first, with their localities."""
    ids = search_index().search(query, limit=limit)
    if not ids:
        return []
    found = {
        org.id: org
        for org in db.session.scalars(
            select(Organisation).where(Organisation.id.in_(ids)).options(joinedload(Organisation.locality))
        )
    }
    return [found[i] for i in ids if i in found]


def get_organisation(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None:
        raise NotFound
    return org


def list_organisations(*, locality_id: int | None = None) -> list[Organisation]:
    query = select(Organisation).order_by(Organisation.name)
    if locality_id is not None:
        query = query.where(Organisation.locality_id == locality_id)
    return list(db.session.scalars(query))


# --- who to contact -------------------------------------------------------------------------------


def current_absence(user: User, *, on: date) -> StaffAbsence | None:
    return db.session.scalar(
        select(StaffAbsence)
        .where(StaffAbsence.user_id == user.id, StaffAbsence.starts_on <= on, StaffAbsence.ends_on >= on)
        .order_by(StaffAbsence.starts_on.desc())
        .limit(1)
    )


def who_is_in(user: User, *, on: date, fallback: User | None = None) -> tuple[User | None, StaffAbsence | None]:
    """The person to contact in place of `user` on `on`: themselves, their cover (or the cover's
    cover), else `fallback`. Returns (person, the absence of `user` if any)."""
    first_absence = current_absence(user, on=on)
    person: User | None = user
    absence = first_absence
    seen = {user.id}
    while absence is not None and person is not None:
        person = absence.cover
        if person.id in seen or not person.is_active:
            person = fallback
            break
        seen.add(person.id)
        absence = current_absence(person, on=on)
        if absence is not None and len(seen) > 5:
            person = fallback
            break
    if person is not None and not person.is_active:
        person = fallback
    return person, first_absence


@dataclass(frozen=True)
class Route:
    """Who answers for an organisation on a day: its own lead, else who covers them, else the locality's duty
    lead (or who covers them), else the manager. `lead` is the lead the organisation has (its own, or the
    duty lead when it has none) and `lead_absence` that lead's absence that day."""

    lead: User | None
    lead_absence: StaffAbsence | None
    contact: User | None
    schools_own_lead: bool  # `lead` is the organisation's own lead, not the duty lead


def _active(user: User | None) -> User | None:
    return user if user is not None and user.is_active else None


def route_for(locality: Locality, *, on: date, organisation: Organisation | None = None) -> Route:
    """Where a request from `organisation` (in `locality`) goes on `on`, and who a partner there contacts.

    The organisation's own lead, or who covers them (their cover's cover, and so on); when that chain
    finds nobody in, or the organisation has no lead of its own, the locality's duty lead or who covers
    them; else the locality manager. A disabled lead counts as no lead."""
    manager = _active(locality.manager)
    duty = locality.lead
    duty_today = who_is_in(duty, on=on, fallback=manager)[0] if duty is not None else manager
    own = organisation.lead if organisation is not None and organisation.locality_id == locality.id else None
    if own is not None and own.is_active:
        contact, absence = who_is_in(own, on=on, fallback=duty_today)
        return Route(own, absence, contact or manager, True)
    if duty is not None:
        contact, absence = who_is_in(duty, on=on, fallback=manager)
        return Route(duty, absence, contact or manager, False)
    return Route(None, None, manager, False)


@dataclass(frozen=True)
class LocalityContacts:
    locality: Locality
    lead: User | None  # the organisation's own lead, else the duty lead
    lead_absence: StaffAbsence | None
    contact: User | None  # who to contact today: the lead, or who covers
    manager: User | None
    pods: list[Pod]
    schools_own_lead: bool = False


def locality_contacts(locality: Locality, *, on: date, organisation: Organisation | None = None) -> LocalityContacts:
    """Who to contact in `locality` on `on`, for `organisation` when given (its own lead first: `route_for`)."""
    route = route_for(locality, on=on, organisation=organisation)
    pods = list(
        db.session.scalars(
            select(Pod)
            .where(Pod.locality_id == locality.id)
            .options(selectinload(Pod.members).selectinload(PodMember.user))
            .order_by(Pod.name)
        )
    )
    return LocalityContacts(
        locality, route.lead, route.lead_absence, route.contact, locality.manager, pods, route.schools_own_lead
    )


def school_contacts(organisation: Organisation) -> list[User]:
    """The organisation's partners with an account, active ones, by their role in it (designated safeguarding
    lead first) and name: the school's direct contacts, for staff."""
    order = {role: i for i, role in enumerate(ContactRole)}
    people = db.session.scalars(
        select(User).where(
            User.organisation_id == organisation.id, User.role == Role.PARTNER, User.disabled_at.is_(None)
        )
    )
    unsaid = len(order)
    return sorted(people, key=lambda u: (order[u.contact_role] if u.contact_role else unsaid, u.name, u.id))


# --- localities -----------------------------------------------------------------------------------


def list_localities() -> list[Locality]:
    """Every locality with its lead and manager (loaded together: the list shows both)."""
    query = (
        select(Locality).options(selectinload(Locality.lead), selectinload(Locality.manager)).order_by(Locality.name)
    )
    return list(db.session.scalars(query))


def get_locality(locality_id: int) -> Locality:
    locality = db.session.get(Locality, locality_id)
    if locality is None:
        raise NotFound
    return locality


def ensure_can_manage(user: User, locality: Locality) -> None:
    """Admins maintain every locality's entry; a manager those they manage (portal.access). Another's is a
    404, not a 403."""
    if not access.may_maintain(user, locality.id):
        raise NotFound


# --- appointing a lead and a manager -------------------------------------------------------------------


def _appointable(by: User, *, roles: tuple[Role, ...], keep: int | None) -> ColumnElement[bool]:
    """A condition on User: whom `by` may appoint to a locality in one of `roles`. Admins, who move staff
    between localities, any active practitioner or manager; a manager the staff of their own area
    (portal.access.choosable_by) and `keep`, the one appointed now. Never an admin, never a partner."""
    condition = and_(User.role.in_(roles), User.disabled_at.is_(None))
    if by.role is Role.ADMIN:
        return condition
    return and_(condition, access.choosable_by(by, keep=keep))


LEAD_ROLES = access.CHOOSABLE_ROLES
MANAGER_ROLES = (Role.MANAGER,)


def lead_choices(by: User, locality: Locality | None) -> list[User]:
    """Who `by` may make the locality's lead, by name."""
    keep = locality.lead_id if locality else None
    query = select(User).where(_appointable(by, roles=LEAD_ROLES, keep=keep))
    return list(db.session.scalars(query.order_by(User.name, User.id)))


def manager_choices(by: User, locality: Locality | None) -> list[User]:
    """Who `by` may make the locality's manager (managers only), by name."""
    keep = locality.manager_id if locality else None
    query = select(User).where(_appointable(by, roles=MANAGER_ROLES, keep=keep))
    return list(db.session.scalars(query.order_by(User.name, User.id)))


def _check_appointee(
    user_id: int | None, *, by: User, roles: tuple[Role, ...], keep: int | None, field: str, label: str
) -> None:
    if user_id is None:
        return
    query = select(User.id).where(User.id == user_id, _appointable(by, roles=roles, keep=keep))
    if db.session.scalar(query) is None:
        if by.role is not Role.ADMIN:
            raise DomainError(f"Choose a {label} who works in your area", field=field)
        who = " or ".join(role.label.lower() for role in roles)
        raise DomainError(f"Choose a {who} as the {label}", field=field)


def _reroute_unacknowledged(locality: Locality, *, old_lead_id: int, new_lead_id: int | None) -> int:
    """Requests sent to the old lead that nobody has acknowledged go to the new lead (or to nobody in
    particular, the locality's team, when there is none), so the old lead keeps no access through them.
    Acknowledged requests keep their worker: changing the lead re-routes nothing already taken on."""
    result = db.session.execute(
        update(ConsultationRequest)
        .where(
            ConsultationRequest.locality_id == locality.id,
            ConsultationRequest.routed_to_id == old_lead_id,
            ConsultationRequest.worker_id.is_(None),
            ConsultationRequest.status == RequestStatus.SUBMITTED,
        )
        .values(routed_to_id=new_lead_id)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def save_locality(
    locality: Locality | None,
    *,
    by: User,
    name: str,
    front_door_phone: str,
    front_door_email: str,
    front_door_hours: str,
    lead_id: int | None,
    manager_id: int | None,
) -> Locality:
    """Create (admins only) or update a locality.

    Every rule is checked before the session is touched: a refused save leaves nothing pending for
    the request's commit (a form page with errors is a successful response)."""
    if locality is None:
        if by.role is not Role.ADMIN:
            raise Forbidden
    else:
        ensure_can_manage(by, locality)
    query = select(Locality.id).where(func.lower(Locality.name) == name.strip().lower())
    if locality is not None:
        query = query.where(Locality.id != locality.id)
    if db.session.scalar(query.limit(1)) is not None:
        raise DomainError("There is already a locality with this name")
    _check_appointee(
        lead_id,
        by=by,
        roles=LEAD_ROLES,
        keep=locality.lead_id if locality else None,
        field="lead_id",
        label="locality lead",
    )
    _check_appointee(
        manager_id,
        by=by,
        roles=MANAGER_ROLES,
        keep=locality.manager_id if locality else None,
        field="manager_id",
        label="locality manager",
    )
    rerouted = 0
    if locality is None:
        locality = Locality()
        db.session.add(locality)
    elif locality.lead_id is not None and locality.lead_id != lead_id:
        rerouted = _reroute_unacknowledged(locality, old_lead_id=locality.lead_id, new_lead_id=lead_id)
    locality.name = name.strip()
    locality.front_door_phone = front_door_phone.strip()
    locality.front_door_email = front_door_email.strip().lower()
    locality.front_door_hours = front_door_hours.strip()
    locality.lead_id = lead_id
    locality.manager_id = manager_id
    db.session.flush()
    audit.record("locality.saved", obj=locality, lead_id=lead_id, manager_id=manager_id, rerouted=rerouted)
    return locality


SERVICE_LEVEL_DAYS = range(1, 31)  # whole working days a service level may be


def set_service_levels(
    locality: Locality, *, by: User, acknowledge_days: int, consult_days: int, outcome_days: int, escalation_days: int
) -> Locality:
    """Set a locality's service levels in working days (admins only). New requests (and escalations) take
    their due dates from them; those already made keep theirs."""
    if by.role is not Role.ADMIN:
        raise Forbidden
    days = (acknowledge_days, consult_days, outcome_days)
    if any(d not in SERVICE_LEVEL_DAYS for d in (*days, escalation_days)):
        low, high = SERVICE_LEVEL_DAYS[0], SERVICE_LEVEL_DAYS[-1]
        raise DomainError(f"Service levels must be between {low} and {high} working days")
    if not acknowledge_days <= consult_days <= outcome_days:
        raise DomainError("Each service level must be the same as or longer than the one before it")
    names = ("acknowledge", "consult", "outcome", "escalation")
    before = (
        locality.sla_acknowledge_days,
        locality.sla_consult_days,
        locality.sla_outcome_days,
        locality.sla_escalation_days,
    )
    locality.sla_acknowledge_days, locality.sla_consult_days, locality.sla_outcome_days = days
    locality.sla_escalation_days = escalation_days
    db.session.flush()
    audit.record(
        "locality.service_levels_set",
        obj=locality,
        before=dict(zip(names, before, strict=True)),
        after=dict(zip(names, (*days, escalation_days), strict=True)),
    )
    return locality


# --- the leads of the schools ----------------------------------------------------------------------


@dataclass(frozen=True)
class LeadOfSchools:
    lead: User | None  # None: the schools without a lead of their own (the duty lead answers)
    organisations: list[Organisation]


def leads_of_schools(locality: Locality) -> list[LeadOfSchools]:
    """The locality's organisations grouped by their own lead (leads by name, those without one last)."""
    orgs = list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.locality_id == locality.id)
            .options(selectinload(Organisation.lead))
            .order_by(Organisation.name, Organisation.id)
        )
    )
    groups: dict[int | None, list[Organisation]] = {}
    for org in orgs:
        groups.setdefault(org.lead_id, []).append(org)
    leads = {org.lead_id: org.lead for org in orgs}
    named = sorted((k for k in groups if k is not None), key=lambda k: (getattr(leads[k], "name", ""), k))
    ordered = [LeadOfSchools(leads[k], groups[k]) for k in named]
    if None in groups:
        ordered.append(LeadOfSchools(None, groups[None]))
    return ordered


def assign_school_leads(locality: Locality, *, by: User, organisation_ids: list[int], lead_id: int | None) -> int:
    """Make `lead_id` the lead of the chosen organisations of `locality` (None: no lead of their own, so
    the duty lead answers). Managers of the locality and admins, with the lead chosen as a locality lead
    is (`lead_choices`). Requests of those organisations sent to their old lead and not yet picked up go
    to the new one, as when a locality's lead changes. Returns how many organisations changed lead."""
    ensure_can_manage(by, locality)
    chosen = sorted(set(organisation_ids))
    if not chosen:
        raise DomainError("Select at least one school", field="organisation_ids")
    _check_appointee(lead_id, by=by, roles=LEAD_ROLES, keep=None, field="lead_id", label="lead")
    orgs = list(
        db.session.scalars(
            select(Organisation).where(Organisation.id.in_(chosen), Organisation.locality_id == locality.id)
        )
    )
    if len(orgs) != len(chosen):
        raise DomainError("Select schools of this locality", field="organisation_ids")
    changed = [org for org in orgs if org.lead_id != lead_id]
    rerouted = 0
    new_route = lead_id if lead_id is not None else locality.lead_id
    by_old_lead: dict[int, list[int]] = {}
    for org in changed:
        if org.lead_id is not None:
            by_old_lead.setdefault(org.lead_id, []).append(org.id)
    for old_lead_id, ids in by_old_lead.items():
        result = db.session.execute(
            update(ConsultationRequest)
            .where(
                ConsultationRequest.organisation_id.in_(ids),
                ConsultationRequest.routed_to_id == old_lead_id,
                ConsultationRequest.worker_id.is_(None),
                ConsultationRequest.status == RequestStatus.SUBMITTED,
            )
            .values(routed_to_id=new_route)
            .execution_options(synchronize_session="fetch")
        )
        rerouted += int(getattr(result, "rowcount", 0) or 0)
    for org in changed:
        org.lead_id = lead_id
    db.session.flush()
    audit.record(
        "organisation.leads_assigned",
        obj=locality,
        lead_id=lead_id,
        organisation_ids=[org.id for org in changed],
        rerouted=rerouted,
    )
    return len(changed)


def _urgent_levels(locality: Locality) -> dict[str, str | int]:
    cutoff, same_day_by, next_day_by = locality.today_rule
    return {
        "soon_days": locality.sla_soon_days,
        "today_cutoff": cutoff.strftime("%H:%M"),
        "today_by": same_day_by.strftime("%H:%M"),
        "today_next_by": next_day_by.strftime("%H:%M"),
    }


def set_urgent_service_levels(
    locality: Locality, *, by: User, soon_days: int, today_cutoff: time, today_by: time, today_next_by: time
) -> Locality:
    """Set a locality's service levels by urgency (admins only): the working days to answer a request needed
    "within a working day", and for one needed "today" the cut-off, the time it is answered by that day and
    the time answered by on the next working day (portal.common.working_days.respond_by). New requests take
    their due dates from them; those already made keep theirs."""
    if by.role is not Role.ADMIN:
        raise Forbidden
    if soon_days not in SERVICE_LEVEL_DAYS:
        low, high = SERVICE_LEVEL_DAYS[0], SERVICE_LEVEL_DAYS[-1]
        raise DomainError(f"Service levels must be between {low} and {high} working days", field="soon_days")
    if not today_cutoff < today_by:
        raise DomainError("The time answered by on the same day must be after the cut-off", field="today_by")
    if not today_next_by <= today_by:
        # Otherwise a request asked just after the cut-off would be due later than one asked at the weekend.
        raise DomainError(
            "The time answered by on the next working day must be the same as or before the same day's",
            field="today_next_by",
        )
    before = _urgent_levels(locality)
    locality.sla_soon_days = soon_days
    locality.sla_today_cutoff, locality.sla_today_by, locality.sla_today_next_by = today_cutoff, today_by, today_next_by
    db.session.flush()
    audit.record("locality.urgent_service_levels_set", obj=locality, before=before, after=_urgent_levels(locality))
    return locality


# --- levels of need ---------------------------------------------------------------------------------


def get_need_level(locality: Locality, level_id: int) -> NeedLevel:
    level = next((lv for lv in locality.need_levels if lv.id == level_id), None)
    if level is None:
        raise NotFound
    return level


def add_need_level(locality: Locality, *, by: User, name: str, description: str) -> NeedLevel:
    """Add a level to the end of the locality's list of levels of need (admins only)."""
    if by.role is not Role.ADMIN:
        raise Forbidden
    name = name.strip()
    if any(level.name.casefold() == name.casefold() for level in locality.need_levels):
        raise DomainError(f"{locality.name} already has a level called {name}", field="name")
    level = NeedLevel(
        locality_id=locality.id,
        name=name,
        description=description.strip(),
        position=max((lv.position for lv in locality.need_levels), default=0) + 1,
    )
    db.session.add(level)
    db.session.flush()
    db.session.refresh(locality, ["need_levels"])
    audit.record("need_level.added", obj=locality, need_level_id=level.id, name=level.name)
    return level


def set_need_level_retired(level: NeedLevel, *, by: User, retired: bool) -> NeedLevel:
    """Retire a level (no longer offered when closing; requests keep it), or offer it again."""
    if by.role is not Role.ADMIN:
        raise Forbidden
    level.retired = retired
    db.session.flush()
    audit.record("need_level.retired" if retired else "need_level.restored", obj=level.locality, need_level_id=level.id)
    return level


def set_threshold_document(locality: Locality, *, by: User, url: str) -> Locality:
    """The link to the locality's threshold document, shown beside the level advised (admins only)."""
    if by.role is not Role.ADMIN:
        raise Forbidden
    url = url.strip()
    if url and not url.lower().startswith(("https://", "http://")):
        raise DomainError("Enter a link that starts with https://", field="url")
    locality.threshold_document_url = url
    db.session.flush()
    audit.record("locality.threshold_document_set", obj=locality, url=url)
    return locality


# --- pods -----------------------------------------------------------------------------------------


def get_pod(pod_id: int, *, by: User) -> Pod:
    pod = db.session.get(Pod, pod_id)
    if pod is None:
        raise NotFound
    ensure_can_manage(by, pod.locality)
    return pod


def create_pod(locality: Locality, *, by: User, name: str) -> Pod:
    ensure_can_manage(by, locality)
    if db.session.scalar(
        select(Pod).where(Pod.locality_id == locality.id, func.lower(Pod.name) == name.strip().lower())
    ):
        raise DomainError("This locality already has a pod with this name")
    pod = Pod(locality_id=locality.id, name=name.strip())
    db.session.add(pod)
    db.session.flush()
    audit.record("pod.created", obj=pod)
    return pod


def pod_member_choices(pod: Pod) -> list[User]:
    """Who may join the pod: the active staff of its locality (portal.access.staff_of), by name."""
    return list(db.session.scalars(select(User).where(access.staff_of([pod.locality_id])).order_by(User.name)))


def add_pod_member(pod: Pod, *, by: User, user_id: int, pod_role: PodRole) -> PodMember:
    ensure_can_manage(by, pod.locality)
    member_user = db.session.scalar(select(User).where(User.id == user_id, access.staff_of([pod.locality_id])))
    if member_user is None:
        raise DomainError("Select a member of staff")
    if any(m.user_id == user_id for m in pod.members):
        raise DomainError(f"{member_user.name} is already in this pod")
    member = PodMember(pod=pod, user_id=user_id, pod_role=pod_role)
    db.session.add(member)
    db.session.flush()
    audit.record("pod.member_added", obj=pod, user_id=user_id, pod_role=pod_role.value)
    return member


def get_pod_member(pod: Pod, member_id: int) -> PodMember:
    """A member of `pod` (the caller has checked the pod may be managed); another pod's member is not found."""
    member = next((m for m in pod.members if m.id == member_id), None)
    if member is None:
        raise NotFound
    return member


def remove_pod_member(pod: Pod, *, by: User, member_id: int) -> None:
    ensure_can_manage(by, pod.locality)
    member = next((m for m in pod.members if m.id == member_id), None)
    if member is None:
        raise NotFound
    pod.members.remove(member)
    db.session.flush()
    audit.record("pod.member_removed", obj=pod, user_id=member.user_id)


# --- absences and cover ---------------------------------------------------------------------------


def absence_people(by: User) -> list[User]:
    """Whose absence `by` may record: admins anyone's; managers the staff of their area (portal.access);
    others their own."""
    query = select(User).where(User.role != Role.PARTNER, User.disabled_at.is_(None)).order_by(User.name)
    if by.role is Role.ADMIN:
        return list(db.session.scalars(query))
    if by.role is Role.MANAGER:
        return access.choosable_staff(by)
    return [by]


def cover_people(by: User) -> list[User]:
    """Who `by` may name as cover: admins, who move staff between localities, any active practitioner or
    manager; a manager the staff of their area; a practitioner the staff of the localities they work for.
    Never someone of another area: the cover answers for the absent person's requests."""
    if by.role is Role.ADMIN:
        condition = and_(User.role.in_(access.CHOOSABLE_ROLES), User.disabled_at.is_(None))
    elif by.role is Role.MANAGER:
        condition = access.choosable_by(by)
    else:
        condition = access.staff_of(access.work_locality_ids(by, on=london_today()))
    return list(db.session.scalars(select(User).where(condition).order_by(User.name, User.id)))


def list_absences(by: User, *, from_date: date) -> list[StaffAbsence]:
    query = (
        select(StaffAbsence)
        .where(StaffAbsence.ends_on >= from_date)
        .options(selectinload(StaffAbsence.user), selectinload(StaffAbsence.cover))
        .order_by(StaffAbsence.starts_on)
    )
    if by.role is Role.MANAGER:
        query = query.join(User, User.id == StaffAbsence.user_id).where(access.choosable_by(by))
    elif by.role is not Role.ADMIN:
        query = query.where(StaffAbsence.user_id == by.id)
    return list(db.session.scalars(query))


def record_absence(*, by: User, user_id: int, cover_id: int, starts_on: date, ends_on: date) -> StaffAbsence:
    """Record that a member of staff is away and who covers."""
    if user_id not in {u.id for u in absence_people(by)}:
        raise DomainError("Select who will be away")
    if cover_id == user_id:
        raise DomainError("Select someone else to cover")
    if cover_id not in {u.id for u in cover_people(by)}:
        raise DomainError("Select who will cover")
    if ends_on < starts_on:
        raise DomainError("The last day of the absence must be the same as or after the first day")
    absence = StaffAbsence(
        user_id=user_id, cover_id=cover_id, starts_on=starts_on, ends_on=ends_on, created_by_id=by.id
    )
    db.session.add(absence)
    db.session.flush()
    audit.record("absence.recorded", obj=absence, user_id=user_id, cover_id=cover_id)
    return absence


def get_absence(absence_id: int, *, by: User) -> StaffAbsence:
    absence = db.session.get(StaffAbsence, absence_id)
    if absence is None or absence.user_id not in {u.id for u in absence_people(by)}:
        raise NotFound
    return absence


def delete_absence(absence: StaffAbsence, *, by: User) -> None:
    audit.record("absence.deleted", obj=absence, user_id=absence.user_id)
    db.session.delete(absence)
    db.session.flush()


# --- district mapping -----------------------------------------------------------------------------


def list_district_mappings() -> list[DistrictMapping]:
    return list(
        db.session.scalars(
            select(DistrictMapping).options(selectinload(DistrictMapping.locality)).order_by(DistrictMapping.district)
        )
    )


def set_district_mapping(*, by: User, district: str, locality_id: int) -> DistrictMapping:
    if by.role is not Role.ADMIN:
        raise Forbidden
    get_locality(locality_id)
    mapping = db.session.scalar(
        select(DistrictMapping).where(func.lower(DistrictMapping.district) == district.strip().lower())
    )
    if mapping is None:
        mapping = DistrictMapping(district=district.strip(), locality_id=locality_id)
        db.session.add(mapping)
    else:
        mapping.locality_id = locality_id
    db.session.flush()
    audit.record("district_mapping.saved", obj=mapping, district=mapping.district)
    return mapping


def get_district_mapping(mapping_id: int, *, by: User) -> DistrictMapping:
    if by.role is not Role.ADMIN:
        raise Forbidden
    mapping = db.session.get(DistrictMapping, mapping_id)
    if mapping is None:
        raise NotFound
    return mapping


def delete_district_mapping(*, by: User, mapping_id: int) -> None:
    mapping = get_district_mapping(mapping_id, by=by)
    audit.record("district_mapping.deleted", obj=mapping, district=mapping.district, locality_id=mapping.locality_id)
    if db.session.execute(delete(DistrictMapping).where(DistrictMapping.id == mapping_id)).rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound
