"""iCalendar invitations (RFC 5545, with the iTIP methods of RFC 5546) for e-mail attachments.

Pure and typed: no Flask, no database. The caller gives a :class:`CalendarEvent` — a pod meeting on a
case or a bookable session — and attaches the bytes that :func:`build_request` or :func:`build_cancel`
return, with :func:`content_type` as the MIME type.

The rules that keep calendar clients in step (DESIGN.md, "Pod invite"):

- the UID is stable for the life of the meeting; an update is a new REQUEST with the same UID and a
  higher SEQUENCE, a cancellation a CANCEL with the same UID and a higher SEQUENCE (the caller keeps
  and raises the sequence: this module never guesses it);
- times are written as Europe/London wall-clock times (``DTSTART;TZID=Europe/London:…``), with the
  VTIMEZONE that defines them, so a meeting at 10:00 stays at 10:00 either side of a clock change;
- the summary and description never carry case details or child identifiers (QUALITY.md, "E-mails
  carry a reference and a link, never case details"): the caller passes a reference such as
  "Pod meeting (ref PP-000042)", and the description always ends with the link to the portal;
- answers are given in the portal, never by calendar reply: a REQUEST asks no reply (``RSVP=FALSE``), since
  an Accept or Decline from a calendar app goes to the organiser's mailbox and the portal never sees it.

Text values are escaped and long lines folded at 75 octets by icalendar. E-mail addresses, the UID
and the URL must not contain line breaks or other control characters (:class:`ValueError`), so no
value can start a property or a header of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from functools import cache
from typing import Final, Literal
from zoneinfo import ZoneInfo

from icalendar import STATUS, Calendar, Event, Timezone, vCalAddress

__all__ = [
    "ICS_CONTENT_TYPE",
    "ICS_FILENAME",
    "PARTSTATS",
    "PRODID",
    "TZID",
    "Attendee",
    "CalendarEvent",
    "Method",
    "build_cancel",
    "build_request",
    "content_type",
]

Method = Literal["REQUEST", "CANCEL"]

PRODID: Final = "-//Partner Portal//EN"
TZID: Final = "Europe/London"
ICS_FILENAME: Final = "invite.ics"

#: Participation statuses an attendee of a VEVENT may have (RFC 5545, 3.2.12).
PARTSTATS: Final = frozenset({"NEEDS-ACTION", "ACCEPTED", "DECLINED", "TENTATIVE", "DELEGATED"})

_LONDON: Final = ZoneInfo(TZID)

# Europe/London as the rules that have held since 1996 (the EU summer-time directive, kept in UK law):
# BST from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October. This
# two-rule form (RRULE, no RDATE lists) is the one Outlook, Google Calendar and Thunderbird all read
# correctly; Outlook is known to mishandle RDATE-based VTIMEZONEs. If the law ever changes, the check
# in _vtimezone() notices that these rules disagree with the tz database and falls back to the
# VTIMEZONE that icalendar generates from it.
_LONDON_RULES: Final = (
    "BEGIN:VTIMEZONE\r\n"
    "TZID:Europe/London\r\n"
    "BEGIN:DAYLIGHT\r\n"
    "DTSTART:19960331T010000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    "TZNAME:BST\r\n"
    "TZOFFSETFROM:+0000\r\n"
    "TZOFFSETTO:+0100\r\n"
    "END:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\n"
    "DTSTART:19961027T020000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    "TZNAME:GMT\r\n"
    "TZOFFSETFROM:+0100\r\n"
    "TZOFFSETTO:+0000\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
)

# A bare address: one "@", no spaces, and no "mailto:" (an unquoted local part has no colon).
_EMAIL: Final = re.compile(r"[^@\s:]+@[^@\s]+")
_URL: Final = re.compile(r"https?://\S+", re.IGNORECASE)
# C0 controls and DEL, except the tab and line feed that text values may carry (RFC 5545, 3.3.11).
_TEXT_CONTROLS: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_NAME_SPACE: Final = re.compile(r"[\s\x00-\x1f\x7f]+")


def content_type(method: Method) -> str:
    """The MIME type of an attachment built for ``method`` (iTIP puts the method in it too)."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"unsupported iTIP method: {method!r}")
    return f"text/calendar; method={method}; charset=UTF-8"


ICS_CONTENT_TYPE: Final = content_type("REQUEST")


@dataclass(frozen=True)
class Attendee:
    """A person invited. ``status`` is their PARTSTAT: NEEDS-ACTION until they answer."""

    email: str
    name: str
    status: str = "NEEDS-ACTION"


@dataclass(frozen=True)
class CalendarEvent:
    """One meeting or session, as its invitations describe it.

    ``uid`` is stable for the life of the meeting (e.g. ``"pod-invite-42@partner-portal.example.org"``)
    and ``sequence`` starts at 0 and is raised on every change, cancellation included. ``summary`` and
    ``description`` never carry case details or child identifiers. ``start`` and ``end`` are
    timezone-aware (any zone: they are written in Europe/London time). ``location`` is the place, or
    ``""``; an online meeting link belongs in ``location`` or ``description``. ``url`` is the portal
    page, and the description always ends with it.
    """

    uid: str
    sequence: int
    summary: str
    start: datetime
    end: datetime
    location: str
    url: str
    organizer_email: str
    organizer_name: str
    attendees: tuple[Attendee, ...]
    description: str = ""


def build_request(event: CalendarEvent, *, now: datetime | None = None) -> bytes:
    """METHOD:REQUEST — a new invitation, or an update of one (same UID, higher SEQUENCE).

    ``now`` (timezone-aware; default: the current time) is written as DTSTAMP, in UTC.
    """
    return _build(event, "REQUEST", now)


def build_cancel(event: CalendarEvent, *, now: datetime | None = None) -> bytes:
    """METHOD:CANCEL with STATUS:CANCELLED — the same UID, and a SEQUENCE the caller has raised."""
    return _build(event, "CANCEL", now)


# --- building ------------------------------------------------------------------------------------


def _build(event: CalendarEvent, method: Method, now: datetime | None) -> bytes:
    _check(event)
    stamp = datetime.now(UTC) if now is None else _aware(now, "now").astimezone(UTC)
    start = event.start.astimezone(_LONDON)
    end = event.end.astimezone(_LONDON)

    request = method == "REQUEST"
    attendees = [
        vCalAddress.new(
            attendee.email,
            cn=_name(attendee.name),
            role="REQ-PARTICIPANT",
            partstat=attendee.status,
            # Answers are given in the portal (see the module's docstring); a CANCEL carries no RSVP at all.
            rsvp=False if request else None,
        )
        for attendee in event.attendees
    ]
    vevent = Event.new(
        uid=event.uid,
        sequence=event.sequence,
        stamp=stamp,
        start=start,
        end=end,
        summary=_text(event.summary),
        location=_text(event.location) or None,
        description=_description(event),
        url=event.url,
        organizer=vCalAddress.new(event.organizer_email, cn=_name(event.organizer_name)),
        attendees=attendees,
        status=STATUS.CONFIRMED if request else STATUS.CANCELLED,
    )

    # Calendar() rather than Calendar.new(): the latter adds a random calendar-level UID (RFC 7986),
    # which makes the bytes differ on every call and can be mistaken for the event's UID.
    calendar = Calendar()
    calendar.version = "2.0"
    calendar.prodid = PRODID
    calendar.calscale = "GREGORIAN"
    calendar.method = method
    calendar.add_component(_vtimezone(start, end))
    calendar.add_component(vevent)
    return calendar.to_ical()


def _description(event: CalendarEvent) -> str:
    link = f"Open in the Partner Portal: {event.url}"
    text = _text(event.description).strip()
    return f"{text}\n\n{link}" if text else link


def _vtimezone(start: datetime, end: datetime) -> Timezone:
    """The Europe/London VTIMEZONE: the RRULE form when it agrees with the tz database at both ends of
    the event (always, under the present law), else one icalendar generates for the years concerned."""
    rules = _rules_tz()
    if all(moment.astimezone(rules).replace(tzinfo=None) == moment.replace(tzinfo=None) for moment in (start, end)):
        return _rules_vtimezone()
    return Timezone.from_tzid(TZID, first_date=date(start.year, 1, 1), last_date=date(end.year + 1, 1, 1))


def _rules_vtimezone() -> Timezone:
    component = Timezone.from_ical(_LONDON_RULES)
    if not isinstance(component, Timezone):  # pragma: no cover - a VTIMEZONE text parses to a Timezone
        raise TypeError("the Europe/London rules did not parse as a VTIMEZONE")
    return component


@cache
def _rules_tz() -> tzinfo:
    """The rules above as a tzinfo, built from the VTIMEZONE itself (not looked up by its TZID)."""
    return _rules_vtimezone().to_tz(lookup_tzid=False)


# --- checks --------------------------------------------------------------------------------------


def _check(event: CalendarEvent) -> None:
    _single_line(event.uid, "uid")
    if not event.uid.strip():
        raise ValueError("uid must not be empty")
    if isinstance(event.sequence, bool) or not isinstance(event.sequence, int) or event.sequence < 0:
        raise ValueError(f"sequence must be a whole number, 0 or more: {event.sequence!r}")
    if not _text(event.summary).strip():
        raise ValueError("summary must not be empty")
    start = _aware(event.start, "start")
    end = _aware(event.end, "end")
    if end <= start:
        raise ValueError("end must be after start")
    _single_line(event.url, "url")
    if not _URL.fullmatch(event.url):
        raise ValueError(f"url must be an absolute http(s) address: {event.url!r}")
    _email(event.organizer_email, "organizer_email")
    for attendee in event.attendees:
        _email(attendee.email, "attendee email")
        if attendee.status not in PARTSTATS:
            raise ValueError(f"attendee status must be one of {sorted(PARTSTATS)}: {attendee.status!r}")


def _single_line(value: str, field: str) -> None:
    """No CR, LF or other control character: such a value could start a line of its own."""
    if not isinstance(value, str):
        raise TypeError(f"{field} must be a string")
    if not value.isprintable() or any(ch in value for ch in "\r\n"):
        raise ValueError(f"{field} must not contain line breaks or control characters: {value!r}")


def _email(value: str, field: str) -> None:
    _single_line(value, field)
    if not _EMAIL.fullmatch(value):
        raise ValueError(f"{field} must be a bare e-mail address (name@domain): {value!r}")


def _aware(value: datetime, field: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{field} must be a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{field} must be timezone-aware")
    return value


def _text(value: str) -> str:
    """Line breaks as LF (icalendar escapes them as ``\\n``); other control characters, which a TEXT
    value may not hold (RFC 5545, 3.3.11) and which word processors paste in, become spaces."""
    return _TEXT_CONTROLS.sub(" ", value.replace("\r\n", "\n").replace("\r", "\n"))


def _name(value: str) -> str | None:
    """A display name (the CN parameter) on one line, or no CN at all if it is blank."""
    return _NAME_SPACE.sub(" ", value).strip() or None
