"""Service levels on the pages: the case page's deadlines and why, the queue's countdowns,
breach notifications on home, and the away switch."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from followthrough.accounts.models import User
from followthrough.cases.models import Case, Notification
from followthrough.cases.services import case_set_status
from followthrough.cases.services.deadlines import sla_scan
from followthrough.cases.states import CaseStatus
from followthrough.cases.tests.factories import open_case
from followthrough.cases.tests.sla_fixtures import london, office

__all__ = ["office"]  # the fixture, imported so pytest finds it here

MONDAY_10 = london(2026, 11, 23, 10, 0)
FRIDAY_1630 = london(2026, 11, 27, 16, 30)
NEXT_WEEK = MONDAY_10 + dt.timedelta(days=14)


def page_of(client: Client, user: User, path: str) -> str:
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def text_of(html: str) -> str:
    """The page's words with tags dropped and white space squeezed, for phrases split by markup."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def deadlines_section(html: str) -> str:
    start = html.index('id="deadlines"')
    return text_of(html[start : html.index("</section>", start)])


def article(section: str, label: str) -> str:
    """The text of one deadline's card: from its label to the next card's label."""
    labels = ["First response", "Next response", "Resolution"]
    start = section.index(f" {label} ")
    ends = [section.find(f" {other} ", start + 1) for other in labels if other != label]
    ends = [e for e in ends if e > start]
    return section[start : min(ends) if ends else len(section)]


def breached_case(agent: User) -> Case:
    """A case whose first response the scan has recorded as missed (Mon 11:00)."""
    with time_machine.travel(MONDAY_10, tick=False) as clock:
        case = open_case(actor=agent, subject="Router drops every hour", next_step_due=NEXT_WEEK)
        clock.shift(dt.timedelta(minutes=61))
        assert sla_scan().breaches == 1
    return case


def test_case_page_explains_a_deadline_across_the_weekend(office, agent, client):
    with time_machine.travel(FRIDAY_1630, tick=False):
        case = open_case(actor=agent, next_step_due=NEXT_WEEK)
        html = page_of(client, agent, f"/cases/{case.pk}/")
    section = deadlines_section(html)
    assert "Service-level deadlines" in section
    first = article(section, "First response")
    assert "Running" in first
    assert "Due Mon 30 Nov 09:30: 1 h of business time left" in first
    assert "1 h of business time" in first
    assert "Standard (the default policy: no other policy matched this case)" in first
    assert "London office, Mon-Fri 09:00-17:00, Europe/London, public holidays of GB-ENG" in first
    assert "Why it is due when it is" in first
    assert "Fri 27 Nov 16:30 to Fri 27 Nov 17:00: counted 30 min" in first
    assert "not counted (closed on Saturdays)" in first
    assert "not counted (closed on Sundays)" in first
    assert "Mon 30 Nov 09:00 to Mon 30 Nov 09:30: counted 30 min" in first
    resolution = article(section, "Resolution")
    assert "8 h of business time" in resolution


def test_case_page_shows_a_paused_deadline(office, agent, client):
    with time_machine.travel(MONDAY_10, tick=False) as clock:
        case = open_case(actor=agent, next_step_due=NEXT_WEEK)
        clock.shift(dt.timedelta(minutes=20))
        case_set_status(actor=agent, case=case, status=CaseStatus.PENDING_CUSTOMER)
        clock.shift(dt.timedelta(hours=3))
        html = page_of(client, agent, f"/cases/{case.pk}/")
    first = article(deadlines_section(html), "First response")
    assert "Paused" in first
    assert "Paused since Mon 23 Nov 10:20 (pending customer): 20 min used of 1 h" in first
    assert "Pauses (1)" in first
    assert "Missed" not in first


def test_case_page_shows_a_missed_deadline(office, agent, client):
    with time_machine.travel(MONDAY_10, tick=False) as clock:
        case = open_case(actor=agent, next_step_due=NEXT_WEEK)
        clock.shift(dt.timedelta(minutes=90))
        html = page_of(client, agent, f"/cases/{case.pk}/")
    first = article(deadlines_section(html), "First response")
    assert "Missed" in first
    assert "Missed: was due Mon 23 Nov 11:00 (30 min of business time ago)" in first
    assert "deadline is-missed" in html


def test_case_page_without_clocks_has_no_deadlines_section(agent, client):
    from followthrough.sla.models import SlaPolicy

    SlaPolicy.objects.filter(is_default=True).update(is_default=False, active=False)
    case = open_case(actor=agent, next_step_due=NEXT_WEEK)
    html = page_of(client, agent, f"/cases/{case.pk}/")
    assert 'id="deadlines"' not in html


def test_queue_shows_the_countdown_then_the_miss(office, agent, tier1, client):
    with time_machine.travel(MONDAY_10, tick=False) as clock:
        open_case(actor=agent, owner=agent, team=tier1, next_step_due=NEXT_WEEK)
        assert "First response due in 1 h 00 min" in text_of(page_of(client, agent, "/"))
        clock.shift(dt.timedelta(minutes=90))
        assert "First response missed 30 min ago" in text_of(page_of(client, agent, "/"))


def test_queue_shows_a_paused_clock(office, agent, tier1, client):
    with time_machine.travel(MONDAY_10, tick=False):
        case = open_case(actor=agent, owner=agent, team=tier1, next_step_due=NEXT_WEEK)
        case_set_status(actor=agent, case=case, status=CaseStatus.PENDING_CUSTOMER)
        assert "SLA paused" in text_of(page_of(client, agent, "/"))


def test_owner_sees_the_breach_notification_on_home(office, agent, client):
    case = breached_case(agent)
    home = text_of(page_of(client, agent, "/"))
    assert "Notifications" in home
    assert f"{case.number}: first response was due Mon 23 Nov 11:00 (Europe/London)" in home
    assert "is missed (Router drops every hour)" in home


def test_timeline_shows_the_missed_first_response(office, agent, client):
    case = breached_case(agent)
    html = page_of(client, agent, f"/cases/{case.pk}/")
    assert "First response deadline missed" in html
    assert "First response deadline close" in html  # the warning at half the target
    timeline = page_of(client, agent, f"/cases/{case.pk}/timeline/")
    assert "First response deadline missed" in timeline


def test_marking_one_notification_read(office, agent, client):
    case = breached_case(agent)
    warning, breach = Notification.objects.filter(user=agent, case=case).order_by("id")
    client.force_login(agent)
    response = client.post("/notifications/read/", {"id": breach.pk})
    assert response.status_code == 302
    breach.refresh_from_db()
    warning.refresh_from_db()
    assert breach.read_at is not None
    assert warning.read_at is None
    home = text_of(page_of(client, agent, "/"))
    assert "is missed" not in home
    assert "first response is due" in home


def test_marking_all_notifications_read(office, agent, client):
    breached_case(agent)
    client.force_login(agent)
    assert client.post("/notifications/read/").status_code == 302
    assert not Notification.objects.filter(user=agent, read_at__isnull=True).exists()
    assert 'id="notifications-title"' not in page_of(client, agent, "/")


def test_nobody_marks_someone_elses_notification_read(office, agent, agent2, client):
    case = breached_case(agent)
    theirs = list(Notification.objects.filter(case=case).values_list("pk", "read_at"))
    client.force_login(agent2)
    for pk, _ in theirs:
        assert client.post("/notifications/read/", {"id": pk}).status_code == 302
    assert client.post("/notifications/read/").status_code == 302
    assert list(Notification.objects.filter(case=case).values_list("pk", "read_at")) == theirs


def test_away_switch_on_home(agent, tier1, client):
    client.force_login(agent)
    response = client.post("/me/away/", {"away": "1"}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert User.objects.get(pk=agent.pk).is_away is True
    page = text_of(response.content.decode())
    assert "You are away: customers' new contacts on your cases go to your team's queue." in page
    assert "I am back" in page
    response = client.post("/me/away/", {"away": "0"}, follow=True)
    assert User.objects.get(pk=agent.pk).is_away is False
    assert "Set me away" in text_of(response.content.decode())


@pytest.mark.parametrize("path", ["/notifications/read/", "/me/away/"])
def test_post_only_endpoints_refuse_get(path, office, agent, client):
    breached_case(agent)
    client.force_login(agent)
    assert client.get(path, {"id": "1", "away": "1"}).status_code == 405
    assert User.objects.get(pk=agent.pk).is_away is False
    assert Notification.objects.filter(user=agent, read_at__isnull=False).count() == 0
