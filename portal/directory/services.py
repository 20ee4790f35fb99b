"""The directory: find a school's locality and who to contact today; maintain localities, pods and cover."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, delete, func, select, update
from sqlalchemy.orm import joinedload, selectinload

from portal import access
from portal.accounts.models import User
from portal.common import audit
from portal.common.errors import DomainError
from portal.common.permissions import Forbidden, NotFound
from portal.common.roles import Role
from portal.common.times import london_today
from portal.directory.models import (
    DistrictMapping,
    Locality,
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
class LocalityContacts:
    locality: Locality
    lead: User | None
    lead_absence: StaffAbsence | None
    contact: User | None  # who to contact today: the lead, or who covers
    manager: User | None
    pods: list[Pod]


def locality_contacts(locality: Locality, *, on: date) -> LocalityContacts:
    lead = locality.lead
    contact: User | None = None
    absence: StaffAbsence | None = None
    if lead is not None:
        contact, absence = who_is_in(lead, on=on, fallback=locality.manager)
    pods = list(
        db.session.scalars(
            select(Pod)
            .where(Pod.locality_id == locality.id)
            .options(selectinload(Pod.members).selectinload(PodMember.user))
            .order_by(Pod.name)
        )
    )
    return LocalityContacts(locality, lead, absence, contact, locality.manager, pods)


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
