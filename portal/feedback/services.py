"""Partners' feedback, the pulse after a closed request, staff recognition and "You said, we did".

Anonymity is a promise to the partner: anonymous feedback keeps no author, no organisation and no request
(a request names its school), its time is kept to the day (its audit row's too), and its audit row has
no actor. Only the organisation's kind and the locality stay, so that counts still work.

Services enforce the object-level rules, write the audit log and the outbox, and flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal import access
from portal.accounts.models import User
from portal.common import audit, outbox
from portal.common.arithmetic import average
from portal.common.errors import DomainError
from portal.common.identifiers import check_free_text
from portal.common.links import public_url_for
from portal.common.models import AuditEvent
from portal.common.periods import Period, financial_year, recent_quarters
from portal.common.permissions import NotFound
from portal.common.roles import Role
from portal.common.times import london_midnight, london_today
from portal.directory.models import Locality, Organisation
from portal.extensions import db
from portal.feedback.models import Feedback, PulseResponse, Recognition, Theme, YouSaidWeDid
from portal.models_base import utcnow
from portal.requests.models import ConsultationRequest, RequestStatus

REVIEW_PAGE_SIZE = 25
REQUEST_CHOICES = 50  # the partner's organisation's latest requests offered on the feedback form

RATING_WORDS = {1: "Very poor", 2: "Poor", 3: "Neither good nor poor", 4: "Good", 5: "Very good"}


# --- localities -----------------------------------------------------------------------------------


def all_localities() -> list[Locality]:
    return list(db.session.scalars(select(Locality).order_by(Locality.name)))


# --- giving feedback ------------------------------------------------------------------------------


def requests_to_choose(user: User) -> list[ConsultationRequest]:
    """The partner's organisation's latest requests, for the optional "about a request" choice."""
    r = ConsultationRequest
    return list(
        db.session.scalars(
            select(r)
            .where(r.organisation_id.in_(access.partner_organisation_ids(user)))
            .order_by(r.received_at.desc(), r.id.desc())
            .limit(REQUEST_CHOICES)
        )
    )


def give_feedback(
    *,
    by: User,
    theme: Theme,
    rating: int,
    text: str,
    request_id: int | None,
    locality_id: int | None,
    anonymous: bool,
    confirmed: bool,
) -> Feedback:
    """A partner's feedback on a theme, about a locality (by default their own; a request's, when it is about
    one). Anonymous feedback stores no author, organisation or request."""
    if by.role is not Role.PARTNER or by.organisation is None:
        raise DomainError("Only partners of a school or agency can give feedback")
    if not 1 <= rating <= 5:
        raise DomainError("Select a rating from 1 to 5", field="rating")
    check_free_text(text=text, confirmed=confirmed)
    req = None
    if request_id is not None:
        req = db.session.get(ConsultationRequest, request_id)
        if req is None or not access.is_partner_of(by, req.organisation_id):
            raise DomainError("Select one of your organisation's requests", field="request_id")
        locality_id = req.locality_id
    elif locality_id is None:
        locality_id = access.partner_locality_id(by)
    elif db.session.get(Locality, locality_id) is None:
        raise DomainError("Select a locality from the list", field="locality_id")
    feedback = Feedback(
        theme=theme,
        rating=rating,
        text=text.strip(),
        anonymous=anonymous,
        organisation_kind=by.organisation.kind,
        locality_id=locality_id,
    )
    if anonymous:
        # Kept to the day: the exact moment could be matched with other logs of who was signed in.
        feedback.created_at = london_midnight(london_today())
    else:
        feedback.author_id = by.id
        feedback.organisation_id = by.organisation_id
        feedback.request_id = req.id if req is not None else None
    db.session.add(feedback)
    db.session.flush()
    if anonymous:
        # audit.record() would name the signed-in partner and keep the exact time: the row says that
        # feedback was given on that day, not by whom nor when.
        db.session.add(
            AuditEvent(
                at=feedback.created_at,
                actor_id=None,
                action="feedback.given",
                object_type="Feedback",
                object_id=feedback.id,
                ip_address=None,
                detail={"anonymous": True, "identifiers_confirmed": confirmed},
            )
        )
    else:
        audit.record("feedback.given", obj=feedback, anonymous=False, identifiers_confirmed=confirmed)
    return feedback


def own_feedback(user: User, *, limit: int = 20) -> list[Feedback]:
    """What the partner gave under their name (anonymous feedback cannot be traced back to anyone)."""
    return list(
        db.session.scalars(
            select(Feedback)
            .where(Feedback.author_id == user.id)
            .options(selectinload(Feedback.locality), selectinload(Feedback.request))
            .order_by(Feedback.created_at.desc(), Feedback.id.desc())
            .limit(limit)
        )
    )


# --- the pulse after a closed request -------------------------------------------------------------


def get_closed_request_for_pulse(request_id: int, *, user: User) -> ConsultationRequest:
    """The partner's organisation's request; NotFound for anyone else's, DomainError while it is open."""
    req = db.session.get(ConsultationRequest, request_id)
    if req is None or not access.is_partner_of(user, req.organisation_id):
        raise NotFound
    if req.status is not RequestStatus.CLOSED:
        raise DomainError(f"Request {req.reference} is not closed yet. We will ask you once it is closed.")
    return req


def find_pulse(req: ConsultationRequest) -> PulseResponse | None:
    return db.session.scalar(select(PulseResponse).where(PulseResponse.request_id == req.id))


def answer_pulse(req: ConsultationRequest, *, by: User, helpful: bool, knew_what_next: bool) -> PulseResponse:
    """The two quick questions, answered once per request by a partner of its organisation."""
    if not access.is_partner_of(by, req.organisation_id):
        raise NotFound
    if req.status is not RequestStatus.CLOSED:
        raise DomainError(f"Request {req.reference} is not closed yet. We will ask you once it is closed.")
    if find_pulse(req) is not None:
        raise DomainError(f"Your organisation has already answered these questions about {req.reference}.")
    pulse = PulseResponse(
        request_id=req.id,
        locality_id=req.locality_id,
        helpful=helpful,
        knew_what_next=knew_what_next,
        responded_by_id=by.id,
    )
    # Two partners of a school answering at once: the unique request_id lets one win, the other is told.
    try:
        with db.session.begin_nested():
            db.session.add(pulse)
            db.session.flush()
    except IntegrityError:
        raise DomainError(f"Your organisation has already answered these questions about {req.reference}.") from None
    audit.record("feedback.pulse_answered", obj=pulse, request_id=req.id)
    return pulse


# --- the managers' review -------------------------------------------------------------------------


def review_periods(today: date | None = None) -> list[Period]:
    """The periods a manager can filter by: the last four quarters, this financial year and the one before."""
    today = today or london_today()
    this_year = financial_year(today)
    return [*reversed(recent_quarters(today, 4)), this_year, this_year.previous()]


@dataclass(frozen=True)
class FeedbackPage:
    entries: list[Feedback]
    total: int
    page: int
    pages: int
    average: Decimal | None  # rounded half up to one place, as the dashboards round


def _review_query(
    user: User, *, theme: Theme | None, locality_id: int | None, period: Period | None
) -> list[ColumnElement[bool]]:
    if user.role is not Role.MANAGER:
        return [false()]
    area = access.managed_locality_ids(user)
    where: list[ColumnElement[bool]] = [Feedback.locality_id.in_(area)]
    if locality_id is not None:
        where.append(Feedback.locality_id == locality_id)
    if theme is not None:
        where.append(Feedback.theme == theme)
    if period is not None:
        where.append(Feedback.created_at >= london_midnight(period.start))
        where.append(Feedback.created_at < london_midnight(period.next().start))
    return where


def review_feedback(
    user: User,
    *,
    theme: Theme | None = None,
    locality_id: int | None = None,
    period: Period | None = None,
    page: int = 1,
) -> FeedbackPage:
    """Feedback about the manager's area, latest first, filtered and paginated."""
    where = _review_query(user, theme=theme, locality_id=locality_id, period=period)
    total, ratings = db.session.execute(select(func.count(Feedback.id), func.sum(Feedback.rating)).where(*where)).one()
    total = int(total or 0)
    pages = max(1, -(-total // REVIEW_PAGE_SIZE))
    page = min(max(page, 1), pages)
    entries = list(
        db.session.scalars(
            select(Feedback)
            .where(*where)
            .options(
                selectinload(Feedback.organisation), selectinload(Feedback.locality), selectinload(Feedback.request)
            )
            .order_by(Feedback.created_at.desc(), Feedback.id.desc())
            .offset((page - 1) * REVIEW_PAGE_SIZE)
            .limit(REVIEW_PAGE_SIZE)
        )
    )
    return FeedbackPage(entries, total, page, pages, average(int(ratings or 0), total))


# --- recognition ----------------------------------------------------------------------------------


def recognisable_organisations(user: User) -> list[Organisation]:
    """The organisations of the localities the staff member works for (portal.access)."""
    ids = access.work_locality_ids(user, on=london_today())
    return list(
        db.session.scalars(select(Organisation).where(Organisation.locality_id.in_(ids)).order_by(Organisation.name))
    )


def send_recognition(*, by: User, organisation_id: int, text: str, confirmed: bool) -> Recognition:
    """Staff thank a partner organisation; its partners get an e-mail with a link (not the text)."""
    if by.role not in (Role.PRACTITIONER, Role.MANAGER):
        raise NotFound
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or organisation.locality_id not in access.work_locality_ids(by, on=london_today()):
        raise DomainError("Select an organisation in your locality", field="organisation_id")
    check_free_text(text=text, confirmed=confirmed)
    recognition = Recognition(organisation_id=organisation.id, from_user_id=by.id, text=text.strip())
    db.session.add(recognition)
    db.session.flush()
    audit.record("feedback.recognition_sent", obj=recognition, organisation_id=organisation.id)
    partners = db.session.scalars(
        select(User).where(
            User.organisation_id == organisation.id, User.role == Role.PARTNER, User.disabled_at.is_(None)
        )
    )
    link = public_url_for("feedback.index", _anchor="positive-feedback")
    for partner in partners:
        outbox.enqueue(
            to=partner,
            subject="You have positive feedback",
            template="emails/feedback_recognition.txt",
            name=partner.name,
            organisation=organisation.name,
            link=link,
        )
    return recognition


def recognition_received(user: User, *, limit: int = 20) -> list[Recognition]:
    return list(
        db.session.scalars(
            select(Recognition)
            .where(Recognition.organisation_id.in_(access.partner_organisation_ids(user)))
            .options(selectinload(Recognition.from_user))
            .order_by(Recognition.created_at.desc(), Recognition.id.desc())
            .limit(limit)
        )
    )


def recognition_sent(user: User, *, limit: int = 10) -> list[Recognition]:
    return list(
        db.session.scalars(
            select(Recognition)
            .where(Recognition.from_user_id == user.id)
            .options(selectinload(Recognition.organisation))
            .order_by(Recognition.created_at.desc(), Recognition.id.desc())
            .limit(limit)
        )
    )


# --- "You said, we did" ---------------------------------------------------------------------------


def _for_localities(query: Select[tuple[YouSaidWeDid]], ids: list[int]) -> Select[tuple[YouSaidWeDid]]:
    """Entries for one of the localities and those for all localities."""
    e = YouSaidWeDid
    return query.where(or_(e.locality_id.is_(None), e.locality_id.in_(ids)))


def published_entries(user: User, *, theme: Theme | None = None, limit: int | None = None) -> list[YouSaidWeDid]:
    """The published entries the user may read, newest first."""
    query = _for_localities(
        select(YouSaidWeDid).where(YouSaidWeDid.published_at.is_not(None)),
        access.own_locality_ids(user, on=london_today()),
    )
    if theme is not None:
        query = query.where(YouSaidWeDid.theme == theme)
    if limit is not None:
        query = query.limit(limit)
    return list(
        db.session.scalars(
            query.options(selectinload(YouSaidWeDid.locality)).order_by(
                YouSaidWeDid.published_at.desc(), YouSaidWeDid.id.desc()
            )
        )
    )


def draft_entries(user: User) -> list[YouSaidWeDid]:
    """The drafts a manager may edit and publish."""
    if user.role is not Role.MANAGER:
        return []
    query = _for_localities(
        select(YouSaidWeDid).where(YouSaidWeDid.published_at.is_(None)), access.managed_locality_ids(user)
    )
    return list(db.session.scalars(query.options(selectinload(YouSaidWeDid.locality)).order_by(YouSaidWeDid.id.desc())))


def get_entry(entry_id: int, *, user: User) -> YouSaidWeDid:
    """An entry a manager may change: one for their area, or for all localities; NotFound otherwise."""
    entry = db.session.get(YouSaidWeDid, entry_id)
    if entry is None or user.role is not Role.MANAGER:
        raise NotFound
    if entry.locality_id is not None and not access.manages(user, entry.locality_id):
        raise NotFound
    return entry


def _check_locality(user: User, locality_id: int | None) -> None:
    if locality_id is not None and not access.manages(user, locality_id):
        raise DomainError("Select a locality in your area, or all localities", field="locality_id")


def create_entry(
    *, by: User, theme: Theme, locality_id: int | None, you_said: str, we_did: str, confirmed: bool
) -> YouSaidWeDid:
    """A manager's draft: partners see it once it is published."""
    if by.role is not Role.MANAGER:
        raise NotFound
    _check_locality(by, locality_id)
    check_free_text(you_said=you_said, we_did=we_did, confirmed=confirmed)
    entry = YouSaidWeDid(
        theme=theme, locality_id=locality_id, you_said=you_said.strip(), we_did=we_did.strip(), author_id=by.id
    )
    db.session.add(entry)
    db.session.flush()
    audit.record("feedback.you_said_we_did_created", obj=entry, theme=theme.value, locality_id=locality_id)
    return entry


def update_entry(
    entry: YouSaidWeDid,
    *,
    by: User,
    theme: Theme,
    locality_id: int | None,
    you_said: str,
    we_did: str,
    confirmed: bool,
) -> YouSaidWeDid:
    get_entry(entry.id, user=by)
    _check_locality(by, locality_id)
    check_free_text(you_said=you_said, we_did=we_did, confirmed=confirmed)
    entry.theme, entry.locality_id = theme, locality_id
    entry.you_said, entry.we_did = you_said.strip(), we_did.strip()
    audit.record(
        "feedback.you_said_we_did_updated",
        obj=entry,
        theme=theme.value,
        locality_id=locality_id,
        published=entry.published_at is not None,
    )
    db.session.flush()
    return entry


def publish_entry(entry: YouSaidWeDid, *, by: User) -> YouSaidWeDid:
    get_entry(entry.id, user=by)
    if entry.published_at is not None:
        raise DomainError("This entry is already published")
    entry.published_at = utcnow()
    audit.record("feedback.you_said_we_did_published", obj=entry)
    db.session.flush()
    return entry
