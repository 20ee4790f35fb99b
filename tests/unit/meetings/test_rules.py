"""The meetings' pure rules: which actions are carried forward, the coverage grid's order and counts, and
reading an action owner's choice, and what the register form starts with."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from portal.common.periods import quarter, recent_quarters
from portal.meetings.coverage import CoverageStatus, build_coverage
from portal.meetings.models import MeetingAnswer, MeetingInvitation, PartnershipMeeting
from portal.meetings.record import RegisterDraft, is_carried_forward, parse_owner, register_draft

R, N, X = CoverageStatus.REPRESENTED, CoverageStatus.NOT_REPRESENTED, CoverageStatus.NO_MEETING
FIRST = datetime(2026, 5, 12, 14, 30, tzinfo=UTC)
SECOND = datetime(2026, 8, 11, 14, 30, tzinfo=UTC)
THIRD = datetime(2026, 11, 10, 15, 30, tzinfo=UTC)


def carried(raised_at: datetime, done_at: datetime | None, meeting_start: datetime, previous: datetime | None) -> bool:
    return is_carried_forward(
        raised_at=raised_at, done_at=done_at, meeting_start=meeting_start, previous_start=previous
    )


def test_an_open_action_is_carried_forward_to_every_later_meeting_only():
    assert not carried(FIRST, None, FIRST, None)  # raised here: not "carried forward" here
    assert carried(FIRST, None, SECOND, FIRST)
    assert carried(FIRST, None, THIRD, SECOND)
    assert not carried(SECOND, None, FIRST, None)


def test_a_done_action_shows_at_the_next_meeting_after_it_was_done_then_drops_off():
    done_between_first_and_second = FIRST + timedelta(days=20)
    assert carried(FIRST, done_between_first_and_second, SECOND, FIRST)
    assert not carried(FIRST, done_between_first_and_second, THIRD, SECOND)
    done_between_second_and_third = SECOND + timedelta(days=20)
    assert carried(FIRST, done_between_second_and_third, SECOND, FIRST)  # still open at the second
    assert carried(FIRST, done_between_second_and_third, THIRD, SECOND)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("user:12", ("user", 12)),
        ("organisation:5", ("organisation", 5)),
        ("user:", None),
        ("user:-1", None),
        ("user:²", None),
        ("team:3", None),
        ("12", None),
        ("", None),
    ],
)
def test_parse_owner(value, expected):
    assert parse_owner(value) == expected


def test_the_grid_puts_schools_missing_two_quarters_or_more_first_most_missed_first():
    quarters = recent_quarters(date(2026, 11, 22), 4)
    held = {
        quarters[0].start: {1, 2},
        quarters[1].start: {1},
        quarters[2].start: {1, 3},
        # quarters[3]: no meeting held yet
    }
    schools = [(1, "Alder School"), (2, "Birch School"), (3, "Cedar School"), (4, "Damson School")]

    grid = build_coverage(
        locality_id=9, locality_name="Northfield", schools=schools, quarters=quarters, represented=held
    )

    assert [(r.school_name, r.statuses, r.missed) for r in grid.rows] == [
        ("Damson School", (N, N, N, X), 3),
        ("Birch School", (R, N, N, X), 2),
        ("Cedar School", (N, N, R, X), 2),
        ("Alder School", (R, R, R, X), 0),
    ]
    assert grid.held == (True, True, True, False)
    assert grid.represented_counts == (2, 1, 2, 0)
    assert [r.school_name for r in grid.flagged] == ["Damson School", "Birch School", "Cedar School"]
    assert grid.summary == (
        "3 meetings held. 3 of 4 schools were not represented at two or more: "
        "Damson School, Birch School, Cedar School."
    )


def test_the_grid_with_no_meetings_or_no_schools_says_so():
    quarters = recent_quarters(date(2026, 11, 22), 4)
    empty = build_coverage(locality_id=1, locality_name="N", schools=[(1, "Alder")], quarters=quarters, represented={})
    assert empty.rows[0].statuses == (X, X, X, X) and empty.rows[0].missed == 0
    assert empty.summary == "No meeting with a recorded register was held in these 4 quarters."
    none = build_coverage(locality_id=1, locality_name="N", schools=[], quarters=quarters, represented={})
    assert none.summary == "There are no schools in this locality."
    one = build_coverage(
        locality_id=1,
        locality_name="N",
        schools=[(1, "Alder")],
        quarters=quarters,
        represented={quarter(date(2026, 11, 1)).start: {1}},
    )
    assert one.summary == "1 meeting held. No school was missing from more than one of them."


def test_the_register_starts_from_what_was_recorded_else_from_who_the_school_said_would_come():
    meeting = PartnershipMeeting(
        invitations=[
            MeetingInvitation(id=1, answer=MeetingAnswer.ATTENDING, attendees="Pat, DSL"),
            MeetingInvitation(id=2, answer=MeetingAnswer.NOT_ATTENDING, attendees=""),
            MeetingInvitation(id=3, answer=MeetingAnswer.NOT_ANSWERED, attendees=""),
            MeetingInvitation(
                id=4, answer=MeetingAnswer.ATTENDING, attendees="Sam", represented=True, represented_by="Jo"
            ),
            MeetingInvitation(
                id=5, answer=MeetingAnswer.ATTENDING, attendees="Kit", represented=False, represented_by=""
            ),
        ]
    )

    assert register_draft(meeting) == {
        1: RegisterDraft(None, "Pat, DSL"),  # to confirm on the day
        2: RegisterDraft(None, ""),
        3: RegisterDraft(None, ""),
        4: RegisterDraft(True, "Jo"),  # recorded: what was recorded, not what the school said
        5: RegisterDraft(False, ""),
    }
