"""Issue 16 as the people would live it: Coalville's manager schedules a multi-agency locality meeting inviting
the locality's schools and health team and a police unit of another locality; the police partner answers; at
the meeting the manager gives the police an action, which the police partner later updates from "My actions"
(the history shows who and when); the manager writes the quarter's commentary, and the head of service reads
the report with it. axe and the page checks on every page."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect

from portal.common.periods import quarter
from portal.common.times import london_today
from portal.extensions import db
from portal.meetings.models import PartnershipMeeting
from portal.models_base import utcnow

POLICE = "Shire Police – Child Abuse Investigation Unit"
HEALTH = "Shire Community Health – School Nursing"


def _fill_date(page, legend: str, day: date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def _follow(visitor, locator) -> None:
    with visitor.page.expect_navigation() as navigation:
        locator.click()
    visitor.last_response = navigation.value
    visitor.check()


def test_a_multi_agency_meeting_an_action_the_police_keep_and_the_report_members_read(visitor_factory, live_server):
    today = london_today()
    this_quarter = quarter(today)
    day = today + timedelta(days=1) if today + timedelta(days=1) <= this_quarter.end else today + timedelta(days=14)

    manager = visitor_factory()
    manager.sign_in("joanna.keele@example.org")
    form = manager.goto("/meetings/schedule")
    form.get_by_label("Multi-agency locality meeting").check()
    form.get_by_label(f"{POLICE} (police)", exact=True).check()
    _fill_date(form, "Date", day)
    form.get_by_label("Start time").fill("10am")
    form.get_by_label("End time").fill("12pm")
    form.get_by_label("Place").fill("Coalville Community Centre, room 2")
    manager.submit("Schedule the meeting and invite the schools")
    expect(form.locator(".govuk-notification-banner")).to_contain_text("organisations have been invited")
    invited = form.locator("#invitations")
    for name in ("Castle Rock High School", HEALTH, POLICE):
        expect(invited).to_contain_text(name)
    meeting_path = form.url.removeprefix(manager.base_url)

    police = visitor_factory()
    police.sign_in("police@example.org")
    mine = police.goto("/meetings")
    _follow(police, mine.get_by_role("link", name=f"Coalville multi-agency locality meeting, {this_quarter.label}"))
    assert police.page.url.endswith(meeting_path)
    police.page.get_by_label("Yes, we will attend").check()
    police.page.get_by_label("Who will come?").fill("DS Rowan Tate")
    police.submit("Send your unit's answer")
    expect(police.page.locator("#current-answer")).to_contain_text("Attending (DS Rowan Tate")

    # The day comes: the meeting started an hour ago (the forms only take times to come).
    meeting_id = int(meeting_path.rstrip("/").rsplit("/", 1)[-1])
    with live_server.app.app_context():
        meeting = db.session.get(PartnershipMeeting, meeting_id)
        meeting.starts_at = utcnow() - timedelta(hours=1)
        meeting.ends_at = utcnow() + timedelta(minutes=30)
        db.session.commit()

    page = manager.goto(meeting_path)
    _follow(manager, page.get_by_role("link", name="Add an action"))
    page.get_by_label("Action", exact=True).fill("Share the joint visit protocol with every school")
    # The owner's list is long (staff, partners in person, organisations): typed into, then chosen.
    page.locator("#owner").fill("investigation unit (police)")
    page.locator("#owner__listbox").get_by_role("option", name=f"{POLICE} (police)", exact=True).click()
    expect(page.locator("#owner")).to_have_value(f"{POLICE} (police)")
    _fill_date(page, "Due date", today + timedelta(days=30))
    page.get_by_label("Amber: at risk").check()
    manager.submit("Add the action")
    expect(page.locator("#actions-raised")).to_contain_text("Share the joint visit protocol")

    # Later, the police partner keeps their action.
    actions = police.goto("/meetings/actions")
    expect(actions.locator("#open-actions")).to_contain_text("Share the joint visit protocol")
    _follow(police, actions.get_by_role("link", name="Share the joint visit protocol with every school"))
    police.page.get_by_label("Green: on track").check()
    police.page.get_by_label("Update (optional)").fill("Protocol sent to the schools' safeguarding leads.")
    police.submit("Save the action")
    expect(police.page.locator(".govuk-notification-banner")).to_contain_text("Action updated")
    history = police.page.locator("#history")
    expect(history).to_contain_text("Rowan Tate")
    expect(history).to_contain_text("Amber to Green")

    # The manager writes the quarter's commentary; the head of service reads the report with it.
    report_url = f"/dashboards/report?period={this_quarter.key}"
    report = manager.goto(report_url)
    _follow(manager, report.get_by_role("link", name="Write the commentary for Coalville"))
    manager.page.get_by_label("Key messages").fill("Police and health now come to every locality meeting.")
    manager.page.get_by_label("What we will do next (optional)").fill("Invite the early years settings next quarter.")
    manager.submit("Save the commentary")
    expect(manager.page.locator("#commentary-heading")).to_be_visible()

    senior = visitor_factory()
    senior.sign_in("senior@example.org")
    home = senior.page
    _follow(senior, home.locator("#reports").get_by_role("link", name="Every locality, side by side"))
    senior.goto(report_url)
    expect(senior.page.locator("h1")).to_contain_text(this_quarter.label)
    expect(senior.page.locator(".portal-commentary")).to_contain_text("Police and health now come to every")
    expect(senior.page.locator("#table-localities")).to_contain_text("Coalville")
    expect(senior.page.locator("#table-agencies")).to_contain_text("Police")
