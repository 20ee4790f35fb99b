"""iCalendar invitations for pod meetings and sessions (DESIGN.md, "Pod invite" and "Session";
RFC 5545 and the iTIP methods of RFC 5546). Every check parses the bytes back with icalendar."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event, Timezone

from portal.common import calendar as ics
from portal.common.calendar import (
    ICS_CONTENT_TYPE,
    Attendee,
    CalendarEvent,
    build_cancel,
    build_request,
    content_type,
)

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
UID = "pod-invite-42@partner-portal.example.org"
URL = "https://partner-portal.example.org/pod-invites/42"


def make_event(**changes: object) -> CalendarEvent:
    event = CalendarEvent(
        uid=UID,
        sequence=0,
        summary="Pod meeting (ref PP-000042)",
        # 15 January 2027 is in winter: 10:00 UTC is 10:00 in London (GMT).
        start=datetime(2027, 1, 15, 10, 0, tzinfo=UTC),
        end=datetime(2027, 1, 15, 11, 0, tzinfo=UTC),
        location="Meeting room 2, Example House",
        url=URL,
        organizer_email="charnwood.pod@council.example.org",
        organizer_name="Charnwood pod",
        attendees=(
            Attendee(email="senco@school.example.org", name="Sam Example"),
            Attendee(email="dsl@school.example.org", name="Jo Sample", status="ACCEPTED"),
        ),
        description="Please bring the school's chronology.",
    )
    return dataclasses.replace(event, **changes)  # type: ignore[arg-type]


def parse(data: bytes) -> Calendar:
    calendar = Calendar.from_ical(data)
    assert isinstance(calendar, Calendar)
    return calendar


def only_event(calendar: Calendar) -> Event:
    events = calendar.events
    assert len(events) == 1
    return events[0]


def raw_lines(data: bytes) -> list[bytes]:
    """The physical lines, as a calendar client receives them (before unfolding)."""
    assert data.endswith(b"\r\n")
    return data[: -len(b"\r\n")].split(b"\r\n")


def unfolded(data: bytes) -> list[str]:
    """The content lines, unfolded (RFC 5545, 3.1), still escaped."""
    return data.decode("utf-8").replace("\r\n ", "").split("\r\n")


def property_line(data: bytes, name: str) -> str:
    """The one content line of the VEVENT's property ``name``, unfolded and still escaped."""
    lines = unfolded(data)
    vevent = lines[lines.index("BEGIN:VEVENT") : lines.index("END:VEVENT")]
    lines = [line for line in vevent if re.match(rf"{name}[;:]", line)]
    assert len(lines) == 1, lines
    return lines[0]


@pytest.fixture(autouse=True)
def _fresh_rules() -> Iterator[None]:
    """The rule-based zone is cached; a test that changes the rules must not leak into another."""
    ics._rules_tz.cache_clear()
    yield
    ics._rules_tz.cache_clear()


# --- the calendar and the event --------------------------------------------------------------------


def test_a_request_is_an_itip_request_with_one_confirmed_event():
    data = build_request(make_event(), now=NOW)
    calendar = parse(data)

    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//Partner Portal//EN"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    # No calendar-level UID (Calendar.new() would add a random one) to be mistaken for the event's.
    assert "UID" not in calendar
    event = only_event(calendar)
    assert str(event["UID"]) == UID
    assert event["SEQUENCE"] == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Pod meeting (ref PP-000042)"
    assert str(event["URL"]) == URL


def test_the_same_event_gives_the_same_bytes():
    assert build_request(make_event(), now=NOW) == build_request(make_event(), now=NOW)


def test_a_changed_meeting_keeps_its_uid_and_raises_its_sequence():
    first = only_event(parse(build_request(make_event(), now=NOW)))
    moved = make_event(
        sequence=1,
        start=datetime(2027, 1, 22, 14, 0, tzinfo=UTC),
        end=datetime(2027, 1, 22, 15, 30, tzinfo=UTC),
    )
    update = only_event(parse(build_request(moved, now=NOW + timedelta(days=1))))

    assert str(update["UID"]) == str(first["UID"]) == UID
    assert first["SEQUENCE"] == 0
    assert update["SEQUENCE"] == 1
    assert update.start == datetime(2027, 1, 22, 14, 0, tzinfo=LONDON)
    assert update.end == datetime(2027, 1, 22, 15, 30, tzinfo=LONDON)


def test_a_cancellation_has_the_same_uid_and_a_higher_sequence():
    request = only_event(parse(build_request(make_event(sequence=1), now=NOW)))
    data = build_cancel(make_event(sequence=2), now=NOW + timedelta(hours=1))
    calendar = parse(data)
    cancel = only_event(calendar)

    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(cancel["STATUS"]) == "CANCELLED"
    assert str(cancel["UID"]) == str(request["UID"]) == UID
    assert cancel["SEQUENCE"] == 2
    assert cancel["SEQUENCE"] > request["SEQUENCE"]
    # RFC 5546 3.2.5: a CANCEL names the organizer and the attendees it is for; it asks no reply.
    assert str(cancel["ORGANIZER"]) == "mailto:charnwood.pod@council.example.org"
    assert [str(address) for address in cancel.attendees] == [
        "mailto:senco@school.example.org",
        "mailto:dsl@school.example.org",
    ]
    assert all("RSVP" not in address.params for address in cancel.attendees)


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("REQUEST", "text/calendar; method=REQUEST; charset=UTF-8"),
        ("CANCEL", "text/calendar; method=CANCEL; charset=UTF-8"),
    ],
)
def test_content_type_names_the_method(method, expected):
    assert content_type(method) == expected


def test_content_type_constant_and_unknown_methods():
    assert ICS_CONTENT_TYPE == "text/calendar; method=REQUEST; charset=UTF-8"
    with pytest.raises(ValueError, match="method"):
        content_type("PUBLISH")  # type: ignore[arg-type]


def test_the_method_in_the_content_type_matches_the_file():
    for build, method in ((build_request, "REQUEST"), (build_cancel, "CANCEL")):
        data = build(make_event(sequence=3), now=NOW)
        assert f"method={parse(data)['METHOD']};" in content_type(method)


# --- times -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start_utc", "wall_clock", "offset"),
    [
        # Winter: GMT, London is UTC.
        (datetime(2027, 1, 15, 10, 0, tzinfo=UTC), "20270115T100000", timedelta(0)),
        # Summer: BST, 10:00 in London is 09:00 UTC.
        (datetime(2027, 7, 15, 9, 0, tzinfo=UTC), "20270715T100000", timedelta(hours=1)),
    ],
    ids=["winter-gmt", "summer-bst"],
)
def test_start_is_london_wall_clock_time(start_utc, wall_clock, offset):
    data = build_request(make_event(start=start_utc, end=start_utc + timedelta(hours=1)), now=NOW)
    event = only_event(parse(data))

    assert property_line(data, "DTSTART") == f"DTSTART;TZID=Europe/London:{wall_clock}"
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    start = event.start
    assert isinstance(start, datetime)
    assert start.strftime("%Y%m%dT%H%M%S") == wall_clock
    assert start.hour == 10
    assert start.utcoffset() == offset
    assert start == start_utc
    assert event.end - start == timedelta(hours=1)


@pytest.mark.parametrize(
    "start_utc",
    [datetime(2027, 1, 15, 10, 0, tzinfo=UTC), datetime(2027, 7, 15, 9, 0, tzinfo=UTC)],
    ids=["winter-gmt", "summer-bst"],
)
def test_a_client_without_a_tz_database_reads_the_same_moment(start_utc):
    """Outlook resolves TZID through the VTIMEZONE in the file, not through its own tz database."""
    data = build_request(make_event(start=start_utc, end=start_utc + timedelta(hours=1)), now=NOW)
    calendar = parse(data)
    (vtimezone,) = calendar.timezones
    zone = vtimezone.to_tz(lookup_tzid=False)
    wall = datetime.strptime(property_line(data, "DTSTART").rsplit(":", 1)[1], "%Y%m%dT%H%M%S")

    assert wall.replace(tzinfo=zone).astimezone(UTC) == start_utc


def test_times_in_any_zone_are_written_in_london_time():
    new_york = ZoneInfo("America/New_York")
    start = datetime(2027, 7, 15, 5, 0, tzinfo=new_york)  # 10:00 BST
    end = datetime(2027, 7, 15, 11, 30, tzinfo=timezone(timedelta(hours=2)))  # 10:30 BST
    data = build_request(make_event(start=start, end=end), now=NOW)

    assert property_line(data, "DTSTART") == "DTSTART;TZID=Europe/London:20270715T100000"
    assert property_line(data, "DTEND") == "DTEND;TZID=Europe/London:20270715T103000"


def test_the_calendar_carries_a_london_vtimezone_before_the_event():
    data = build_request(make_event(), now=NOW)
    calendar = parse(data)

    assert [component.name for component in calendar.subcomponents] == ["VTIMEZONE", "VEVENT"]
    (vtimezone,) = calendar.timezones
    assert str(vtimezone["TZID"]) == "Europe/London"
    kinds = {component.name: component for component in vtimezone.subcomponents}
    assert set(kinds) == {"STANDARD", "DAYLIGHT"}
    assert str(kinds["STANDARD"]["TZNAME"]) == "GMT"
    assert str(kinds["DAYLIGHT"]["TZNAME"]) == "BST"
    assert kinds["STANDARD"]["TZOFFSETTO"].td == timedelta(0)
    assert kinds["DAYLIGHT"]["TZOFFSETTO"].td == timedelta(hours=1)
    assert calendar.get_missing_tzids() == set()


def test_the_vtimezone_agrees_with_the_tz_database_for_the_next_ten_years():
    """The clocks change at 01:00 UTC: the minute before and the minute itself, every day."""
    calendar = parse(build_request(make_event(), now=NOW))
    zone = calendar.timezones[0].to_tz(lookup_tzid=False)
    day = datetime(2026, 1, 1, tzinfo=UTC)
    disagreements = []
    while day < datetime(2036, 1, 1, tzinfo=UTC):
        for moment in (day + timedelta(minutes=59), day + timedelta(hours=1)):
            if moment.astimezone(zone).replace(tzinfo=None) != moment.astimezone(LONDON).replace(tzinfo=None):
                disagreements.append(moment)
        day += timedelta(days=1)
    assert disagreements == []


def test_rules_that_disagree_with_the_tz_database_are_replaced_by_a_generated_vtimezone(monkeypatch):
    """Should the law change, the file still says the right time: the VTIMEZONE comes from tzdata."""
    monkeypatch.setattr(ics, "_LONDON_RULES", ics._LONDON_RULES.replace("BYMONTH=3", "BYMONTH=4"))
    ics._rules_tz.cache_clear()
    start_utc = datetime(2027, 4, 2, 9, 0, tzinfo=UTC)  # BST in the tz database, not by the wrong rules
    data = build_request(make_event(start=start_utc, end=start_utc + timedelta(hours=1)), now=NOW)
    calendar = parse(data)
    (vtimezone,) = calendar.timezones

    assert b"RRULE" not in data
    assert str(vtimezone["TZID"]) == "Europe/London"
    assert {component.name for component in vtimezone.subcomponents} == {"STANDARD", "DAYLIGHT"}
    assert property_line(data, "DTSTART") == "DTSTART;TZID=Europe/London:20270402T100000"
    wall = datetime(2027, 4, 2, 10, 0)
    assert wall.replace(tzinfo=vtimezone.to_tz(lookup_tzid=False)).astimezone(UTC) == start_utc


def test_dtstamp_is_utc_from_now():
    summer_morning_in_london = datetime(2027, 6, 1, 9, 15, 30, tzinfo=LONDON)
    data = build_request(make_event(), now=summer_morning_in_london)

    assert property_line(data, "DTSTAMP") == "DTSTAMP:20270601T081530Z"
    stamp = only_event(parse(data))["DTSTAMP"].dt
    assert stamp.utcoffset() == timedelta(0)
    assert stamp == summer_morning_in_london


def test_dtstamp_defaults_to_the_current_time():
    before = datetime.now(UTC).replace(microsecond=0)
    data = build_request(make_event())
    after = datetime.now(UTC)

    assert re.fullmatch(r"DTSTAMP:\d{8}T\d{6}Z", property_line(data, "DTSTAMP"))
    assert before <= only_event(parse(data))["DTSTAMP"].dt <= after


# --- people ------------------------------------------------------------------------------------------


def test_organizer_and_attendees():
    data = build_request(make_event(), now=NOW)
    event = only_event(parse(data))

    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:charnwood.pod@council.example.org"
    assert organizer.params["CN"] == "Charnwood pod"

    attendees = event.attendees
    assert [str(address) for address in attendees] == [
        "mailto:senco@school.example.org",
        "mailto:dsl@school.example.org",
    ]
    assert [address.params["CN"] for address in attendees] == ["Sam Example", "Jo Sample"]
    assert [address.params["PARTSTAT"] for address in attendees] == ["NEEDS-ACTION", "ACCEPTED"]
    assert all(address.params["ROLE"] == "REQ-PARTICIPANT" for address in attendees)
    # Answers are given in the portal: a calendar app's Accept or Decline would go to the organiser's mailbox.
    assert all(address.params["RSVP"] == "FALSE" for address in attendees)
    assert not any("RSVP=TRUE" in line for line in unfolded(data))


def test_names_with_punctuation_round_trip_and_line_breaks_in_names_become_spaces():
    event = make_event(
        organizer_name="Pod A; Charnwood, North",
        attendees=(Attendee(email="a@school.example.org", name="Chloé O’Neill-Example\r\nBcc: x@evil.example"),),
    )
    data = build_request(event, now=NOW)
    parsed = only_event(parse(data))

    assert parsed["ORGANIZER"].params["CN"] == "Pod A; Charnwood, North"
    assert parsed.attendees[0].params["CN"] == "Chloé O’Neill-Example Bcc: x@evil.example"
    assert not any(line.startswith("Bcc") for line in unfolded(data))


@pytest.mark.parametrize(
    "bad",
    [
        "senco@school.example.org\n",
        "senco@school.example.org\r",
        "senco@school.example.org\r\nBcc: everyone@example.org",
        "senco@school.example.org\nATTENDEE:mailto:x@evil.example",
        "sen\nco@school.example.org",
    ],
)
@pytest.mark.parametrize("who", ["organizer", "attendee"])
def test_line_breaks_in_email_addresses_are_refused(bad, who):
    if who == "organizer":
        event = make_event(organizer_email=bad)
    else:
        event = make_event(attendees=(Attendee(email=bad, name="Sam Example"),))
    for build in (build_request, build_cancel):
        with pytest.raises(ValueError, match="line breaks"):
            build(event, now=NOW)


@pytest.mark.parametrize(
    "bad",
    ["", "not-an-address", "two@at@example.org", "sam example@school.example.org", "mailto:sam@school.example.org"],
)
def test_values_that_are_not_bare_email_addresses_are_refused(bad):
    with pytest.raises(ValueError, match="e-mail address"):
        build_request(make_event(attendees=(Attendee(email=bad, name="Sam"),)), now=NOW)


# --- text ----------------------------------------------------------------------------------------------


def test_special_characters_round_trip_exactly_and_are_escaped_by_the_library():
    summary = "Pod meeting, ref PP-000042; room 3\nsecond line — café’s “quote” \\ back"
    location = "Salle é, Floor 2; Example House\nEntrance: side door"
    data = build_request(make_event(summary=summary, location=location), now=NOW)
    event = only_event(parse(data))

    assert str(event["SUMMARY"]) == summary
    assert str(event["LOCATION"]) == location
    line = property_line(data, "SUMMARY")
    assert line.startswith(r"SUMMARY:Pod meeting\, ref PP-000042\; room 3\nsecond line")
    assert "\\\\ back" in line
    assert property_line(data, "LOCATION").startswith(r"LOCATION:Salle é\, Floor 2\; Example House\nEntrance")


def test_carriage_returns_and_control_characters_in_text_cannot_break_a_line():
    summary = "Pod meeting\r\nATTENDEE:mailto:x@evil.example\rX-EVIL:1\x0bafter\x00end"
    data = build_request(make_event(summary=summary), now=NOW)

    assert not any(line.startswith(("ATTENDEE:mailto:x@", "X-EVIL")) for line in unfolded(data))
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", data)
    assert str(only_event(parse(data))["SUMMARY"]) == "Pod meeting\nATTENDEE:mailto:x@evil.example\nX-EVIL:1 after end"


def test_description_ends_with_the_portal_link():
    data = build_request(make_event(description="Please bring the school's chronology."), now=NOW)
    description = str(only_event(parse(data))["DESCRIPTION"])

    assert description == f"Please bring the school's chronology.\n\nOpen in the Partner Portal: {URL}"


def test_without_a_description_the_link_is_the_description():
    data = build_request(make_event(description=""), now=NOW)
    assert str(only_event(parse(data))["DESCRIPTION"]) == f"Open in the Partner Portal: {URL}"


def test_an_empty_location_is_left_out():
    data = build_request(make_event(location=""), now=NOW)
    assert "LOCATION" not in only_event(parse(data))
    assert not any(line.startswith(b"LOCATION") for line in raw_lines(data))


def test_long_lines_are_folded_at_75_octets():
    description = "Agenda: " + "review of actions, é’ and next steps; " * 20
    data = build_request(make_event(description=description), now=NOW)
    lines = raw_lines(data)

    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # continuation lines exist
    assert len(property_line(data, "DESCRIPTION").encode()) > 75 * 3
    # Folding never splits a multi-octet character: each physical line is UTF-8 on its own.
    for line in lines:
        line.decode("utf-8")
    assert str(only_event(parse(data))["DESCRIPTION"]).startswith(description.strip())


def test_lines_end_with_crlf():
    data = build_request(make_event(description="one\ntwo\r\nthree"), now=NOW)

    assert data.startswith(b"BEGIN:VCALENDAR\r\n")
    assert data.endswith(b"END:VCALENDAR\r\n")
    assert data.count(b"\n") == data.count(b"\r\n") > 10
    assert b"\r\r" not in data


# --- what is refused -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"uid": ""}, "uid"),
        ({"uid": "pod-invite-42@partner-portal.example.org\r\nX-EVIL:1"}, "uid"),
        ({"sequence": -1}, "sequence"),
        ({"sequence": True}, "sequence"),
        ({"summary": " \n "}, "summary"),
        ({"start": datetime(2027, 1, 15, 10, 0)}, "timezone-aware"),
        ({"end": datetime(2027, 1, 15, 11, 0)}, "timezone-aware"),
        ({"end": datetime(2027, 1, 15, 10, 0, tzinfo=UTC)}, "after start"),
        ({"end": datetime(2027, 1, 15, 9, 0, tzinfo=UTC)}, "after start"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": f"{URL}\r\nX-EVIL:1"}, "url"),
        ({"url": ""}, "url"),
        ({"attendees": (Attendee(email="a@school.example.org", name="A", status="MAYBE"),)}, "status"),
    ],
)
def test_invalid_events_are_refused(changes, message):
    event = make_event(**changes)
    for build in (build_request, build_cancel):
        with pytest.raises(ValueError, match=message):
            build(event, now=NOW)


def test_a_naive_now_is_refused():
    with pytest.raises(ValueError, match="now"):
        build_request(make_event(), now=datetime(2027, 1, 1, 9, 0))


def test_the_rules_start_on_the_day_they_first_apply():
    """DTSTART of each rule is its first occurrence (RFC 5545, 3.6.5): the last Sunday of the month."""
    vtimezone = Timezone.from_ical(ics._LONDON_RULES)
    starts = {component.name: component["DTSTART"].dt.date() for component in vtimezone.subcomponents}
    assert starts == {"DAYLIGHT": date(1996, 3, 31), "STANDARD": date(1996, 10, 27)}
    for day in starts.values():
        assert day.weekday() == 6
        assert (day + timedelta(days=7)).month != day.month
