"""Demo feedback for `make run`: invented, on example.org, loaded after the directory (see seeds/demo.py).

A spread of partners' feedback over the last four quarters in the four demo localities, across the
themes (some anonymous); pulse answers on any closed demo requests; a recognition for Castle Rock High
School; and two published "You said, we did" entries.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.common.periods import recent_quarters
from portal.common.roles import Role
from portal.directory.models import Locality, Organisation
from portal.extensions import db
from portal.feedback.models import Feedback, PulseResponse, Recognition, Theme, YouSaidWeDid
from portal.models_base import utcnow
from portal.requests.models import ConsultationRequest, EscalationKind, RequestStatus

LONDON = ZoneInfo("Europe/London")
PULSE_UNANSWERED_FOR = timedelta(days=7)

# What partners might write, by theme: (rating, text). Invented; no child is named or described.
COMMENTS: dict[Theme, list[tuple[int, str]]] = {
    Theme.KEEPING_PROMISES: [
        (5, "The lead rang back the same afternoon, exactly when she said she would."),
        (2, "We were promised a call by Friday and heard nothing until the following Wednesday."),
        (4, "Actions from the consultation were done by the dates agreed."),
    ],
    Theme.LISTENING_AND_TRUST: [
        (4, "I felt listened to and my professional view was taken seriously."),
        (2, "It felt as if our concerns were doubted because we are a small school."),
        (5, "The practitioner trusted what we know about the family and built on it."),
    ],
    Theme.REACHING_A_MANAGER: [
        (2, "The lead was on leave and nobody could tell us who was covering."),
        (4, "The portal showed who was covering and they picked it up the same day."),
        (3, "Getting hold of a manager took three calls, but it was sorted in the end."),
    ],
    Theme.RESPECT: [
        (5, "Respectful and calm, even though the call was difficult."),
        (1, "I was told off for referring too late, in front of a colleague."),
        (4, "Our questions were treated as reasonable, not as a nuisance."),
    ],
    Theme.NOT_HEARING_HOW_BUSY: [
        (2, "Half the call was about how stretched the team is, not about our worry."),
        (4, "Staff were clearly busy but kept the focus on what we needed."),
    ],
    Theme.WHAT_HAPPENS_NEXT: [
        (5, "The acknowledgement said what would happen next and by when. Really helpful."),
        (2, "We never heard the outcome; we only found out from the family."),
        (3, "We knew the next step but not the outcome of the strategy discussion."),
    ],
    Theme.HELPFUL_CONSULTATION: [
        (5, "A reflective conversation that helped us plan our own support first."),
        (4, "Useful advice on early help and who else to involve."),
        (2, "The consultation felt rushed and ended with 'make a referral'."),
    ],
    Theme.COMMUNICATION: [
        (4, "Clear emails with a reference number, and no chasing needed."),
        (2, "Messages went to a colleague who had left; please keep contacts up to date."),
        (5, "Regular updates without us having to ask."),
    ],
}

RECOGNITION = (
    "Thank you for the careful, well-evidenced consultation request and for joining the pod meeting at short "
    "notice. Your knowledge of the family made the plan much stronger."
)

ENTRIES = [
    (
        Theme.REACHING_A_MANAGER,
        "Coalville",
        "joanna.keele@example.org",
        "When your lead was away you did not know who to contact, and calls went unanswered.",
        "Each lead now records their leave and cover in the portal. Your request page shows who is covering "
        "today, and new requests go straight to them.",
    ),
    (
        Theme.WHAT_HAPPENS_NEXT,
        None,
        "manager@example.org",
        "You were not always told what would happen next, or the outcome of a consultation.",
        "Every acknowledgement now says what happens next and by when, and you see the outcome in the portal "
        "as soon as the request is closed.",
    ),
]


def _at(day_offset: int, start: datetime, hour: int) -> datetime:
    return start + timedelta(days=day_offset, hours=hour)


def load() -> None:
    """Add the demo feedback. Called once, inside load_demo's transaction, after the people and schools exist."""
    rng = random.Random(20261122)  # noqa: S311 - a repeatable spread of demo data, not a secret # nosec B311
    now = utcnow()
    today = now.astimezone(LONDON).date()
    localities = list(db.session.scalars(select(Locality).order_by(Locality.name)))
    partners = {
        u.organisation_id: u
        for u in db.session.scalars(select(User).where(User.role == Role.PARTNER))
        if u.organisation_id
    }
    themes = list(Theme)
    for period in recent_quarters(today, 4):
        for locality in localities:
            orgs = list(
                db.session.scalars(
                    select(Organisation).where(Organisation.locality_id == locality.id).order_by(Organisation.name)
                )
            )
            if not orgs:
                continue
            start = datetime.combine(period.start, time(9), tzinfo=LONDON)
            last_day = min(period.end, today)
            span = max((last_day - period.start).days, 0)
            for _ in range(rng.randint(3, 5)):
                theme = rng.choice(themes)
                rating, text = rng.choice(COMMENTS[theme])
                org = rng.choice(orgs)
                anonymous = rng.random() < 0.3
                created = min(_at(rng.randint(0, span), start, rng.randint(0, 7)), now)
                author = partners.get(org.id)
                db.session.add(
                    Feedback(
                        theme=theme,
                        rating=rating,
                        text=text,
                        anonymous=anonymous,
                        author_id=None if anonymous or author is None else author.id,
                        organisation_id=None if anonymous else org.id,
                        organisation_kind=org.kind,
                        locality_id=locality.id,
                        created_at=created.replace(hour=0, minute=0) if anonymous else created,
                    )
                )

    # The partner answers the pulse a day or so after the closure; those closed in the last week are still
    # waiting for an answer (so a demo partner has one to give). A partner who disagreed did not find it helpful.
    closed = db.session.scalars(
        select(ConsultationRequest)
        .where(ConsultationRequest.status == RequestStatus.CLOSED)
        .order_by(ConsultationRequest.id)
        .options(selectinload(ConsultationRequest.escalations))
    )
    for req in closed:
        closed_at = req.closed_at or now
        if closed_at > now - PULSE_UNANSWERED_FOR:
            continue
        helpful = rng.random() < 0.8
        disagreed = any(e.kind is EscalationKind.DISAGREEMENT for e in req.escalations)
        db.session.add(
            PulseResponse(
                request_id=req.id,
                locality_id=req.locality_id,
                helpful=helpful and not disagreed,
                knew_what_next=rng.random() < 0.6,
                responded_by_id=req.created_by_id,
                created_at=min(closed_at + timedelta(days=1), now),
            )
        )

    castle_rock = db.session.scalar(select(Organisation).where(Organisation.name == "Castle Rock High School"))
    lead = db.session.scalar(select(User).where(User.email == "dev.sandhu@example.org"))
    if castle_rock is not None and lead is not None:
        db.session.add(
            Recognition(
                organisation_id=castle_rock.id,
                from_user_id=lead.id,
                text=RECOGNITION,
                created_at=now - timedelta(days=6),
            )
        )

    for n, (theme, locality_name, author_email, you_said, we_did) in enumerate(ENTRIES):
        author = db.session.scalar(select(User).where(User.email == author_email))
        place = db.session.scalar(select(Locality).where(Locality.name == locality_name)) if locality_name else None
        if author is None:
            continue
        db.session.add(
            YouSaidWeDid(
                theme=theme,
                locality_id=place.id if place is not None else None,
                you_said=you_said,
                we_did=we_did,
                author_id=author.id,
                published_at=now - timedelta(days=20 - n * 10),
            )
        )
