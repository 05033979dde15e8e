"""Home: the queues, their counts, paging, and "take next"."""

from __future__ import annotations

from followthrough.cases.models import Case, CaseEvent
from followthrough.cases.selectors import COUNT_CAP
from followthrough.cases.states import CaseStatus, EventType
from followthrough.cases.tests.factories import case_state, hand_off, in_hours, open_case, promise


def test_my_cases_are_listed_most_urgent_first(client, agent, tier1):
    later = open_case(
        actor=agent, owner=agent, team=tier1, subject="Later", next_step_due=in_hours(9)
    )
    sooner = open_case(
        actor=agent, owner=agent, team=tier1, subject="Sooner", next_step_due=in_hours(1)
    )
    client.force_login(agent)
    html = client.get("/").content.decode()
    assert html.index("Sooner") < html.index("Later")
    assert sooner.number in html and later.number in html
    assert "Working from <strong>Tier 1</strong>" in html


def test_each_queue_tab_shows_its_cases(client, agent, agent2, tier1, tier2):
    queued = open_case(actor=agent, owner=None, team=tier1, subject="Waiting in the queue")
    theirs = open_case(actor=agent2, owner=agent2, team=tier1, subject="Bea's case")
    sent = open_case(actor=agent2, owner=agent2, team=tier1, subject="Sent to Adam")
    hand_off(agent2, sent, to_user=agent, summary="Needs Adam's router know-how")
    mine = open_case(actor=agent, owner=agent, team=tier1, subject="Adam's own")
    promise(agent, mine, description="Ring back before noon", due_at=in_hours(0.5))
    client.force_login(agent)
    team_page = client.get("/?queue=team").content.decode()
    assert all(
        s in team_page for s in ("Waiting in the queue", "Bea&#x27;s case", "Adam&#x27;s own")
    )
    unassigned = client.get("/?queue=unassigned").content.decode()
    assert "Waiting in the queue" in unassigned and "Bea&#x27;s case" not in unassigned
    handoffs = client.get("/?queue=handoffs").content.decode()
    assert "Needs Adam&#x27;s router know-how" in handoffs and sent.number in handoffs
    promises = client.get("/?queue=promises").content.decode()
    assert "Ring back before noon" in promises
    assert queued.pk and theirs.pk


def test_tab_counts_are_capped(client, agent, tier1):
    for i in range(COUNT_CAP + 2):
        open_case(actor=agent, owner=agent, team=tier1, subject=f"Case {i}")
    client.force_login(agent)
    html = client.get("/").content.decode()
    assert f">{COUNT_CAP}+</span>" in html


def test_queue_pages_with_a_cursor(client, agent, tier1):
    for i in range(55):
        open_case(
            actor=agent,
            owner=agent,
            team=tier1,
            subject=f"Numbered {i:02d}",
            next_step_due=in_hours(1 + i),
        )
    client.force_login(agent)
    first = client.get("/").content.decode()
    assert "Numbered 00" in first and "Numbered 49" in first and "Numbered 50" not in first
    cursor = first.split("cursor=")[1].split('"')[0]
    second = client.get(f"/?queue=mine&cursor={cursor}").content.decode()
    assert "Numbered 50" in second and "Numbered 49" not in second


def test_a_forged_cursor_or_unknown_queue_does_not_break_the_page(client, agent):
    client.force_login(agent)
    assert client.get("/?queue=drop-table").status_code == 200
    assert client.get("/?queue[]=mine&queue[]=team").status_code == 200
    response = client.get("/?queue=mine&cursor=%00garbage")
    assert response.status_code == 400


def test_home_query_count_does_not_grow_with_the_queue(
    client, agent, tier1, django_assert_num_queries
):
    open_case(actor=agent, owner=agent, team=tier1)
    client.force_login(agent)
    client.get("/")
    # Session, user, team, queue page, notifications, five tab counts.
    with django_assert_num_queries(10):
        assert client.get("/").status_code == 200
    for _ in range(30):
        open_case(actor=agent, owner=agent, team=tier1, contact=None)
    with django_assert_num_queries(10):
        assert client.get("/").status_code == 200


def test_take_next_claims_the_most_urgent_unowned_case(client, agent, tier1):
    open_case(actor=agent, owner=None, team=tier1, subject="Later", next_step_due=in_hours(5))
    urgent = open_case(
        actor=agent, owner=None, team=tier1, subject="Urgent", next_step_due=in_hours(1)
    )
    client.force_login(agent)
    response = client.post("/cases/take-next/")
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{urgent.pk}/"
    urgent.refresh_from_db()
    assert urgent.owner == agent and urgent.status == CaseStatus.OPEN
    assert CaseEvent.objects.filter(case=urgent, type=EventType.CLAIMED, actor=agent).exists()


def test_take_next_on_an_empty_queue_says_so(client, agent, tier1):
    client.force_login(agent)
    response = client.post("/cases/take-next/", follow=True)
    assert "has no unowned open case" in response.content.decode()
    assert not Case.objects.exists()


def test_take_next_is_never_a_get(client, agent, tier1):
    case = open_case(actor=agent, owner=None, team=tier1)
    before = case_state(case)
    client.force_login(agent)
    assert client.get("/cases/take-next/").status_code == 405
    assert case_state(case) == before


def test_portal_customers_do_not_get_the_workspace(client, customer_user, agent, contact):
    open_case(actor=agent, contact=contact)
    client.force_login(customer_user)
    assert client.get("/").status_code == 403
    assert client.post("/cases/take-next/").status_code == 403


def test_htmx_request_gets_only_the_queue(client, agent, tier1):
    open_case(actor=agent, owner=agent, team=tier1, subject="Only the rows")
    client.force_login(agent)
    html = client.get("/?queue=mine", headers={"HX-Request": "true"}).content.decode()
    assert "Only the rows" in html
    assert "<html" not in html
