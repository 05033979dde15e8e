"""The demo data command: it replays the five stories through the services, once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.utils import timezone

from followthrough.accounts.capabilities import Role
from followthrough.accounts.models import Team, TierLevel, User
from followthrough.cases.demo import LOGINS, PASSWORD
from followthrough.cases.models import (
    Case,
    CaseArticle,
    CaseEvent,
    CaseLink,
    Commitment,
    Decision,
    Handoff,
    Interaction,
    Note,
    Referral,
)
from followthrough.cases.states import (
    OPEN_STATUSES,
    CaseStatus,
    Channel,
    CommitmentKind,
    CommitmentParty,
    CommitmentStatus,
    Disposition,
    EventType,
    HandoffKind,
    HandoffStatus,
    LinkKind,
    ReferralOutcome,
)
from followthrough.cli import main, own_command_name
from followthrough.core.models import SearchDocument
from followthrough.core.search import Scope, search
from followthrough.customers.models import Asset, Contact, ContactPhone, Organization, Site
from followthrough.knowledge.models import (
    Article,
    ArticleStatus,
    ArticleVisibility,
    TableRow,
    Vendor,
)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The demo sets one password per user; the production hasher would take seconds here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load(*args: str) -> str:
    out = StringIO()
    call_command("demo_data", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = [User, Team, Organization, Contact, Site, Asset, Case, CaseEvent, Interaction]
    return {m.__name__: m._default_manager.count() for m in models}


@pytest.fixture
def demo(db: None) -> str:
    return load("--if-empty")


def test_demo_loads_into_an_empty_desk_and_prints_counts_and_logins(demo):
    assert Organization.objects.count() >= 5
    assert Contact.objects.count() > Organization.objects.count()
    assert f"Created {Organization.objects.count()} organisations" in demo
    assert f"{Contact.objects.count()} contacts and {Case.objects.count()} cases." in demo
    assert PASSWORD in demo
    for login in LOGINS:
        assert login.username in demo
        user = User.objects.get(username=login.username)
        assert user.check_password(PASSWORD)
        assert user.role == login.role


def test_demo_teams_have_a_lead_members_and_a_direct_line(demo):
    teams = {t.name: t for t in Team.objects.annotate(n=Count("memberships"))}
    assert {name: t.tier for name, t in teams.items()} == {
        "Tier 1 Helpdesk": TierLevel.TIER_1,
        "Tier 2 Network": TierLevel.TIER_2,
        "Field Technicians": TierLevel.FIELD,
        "Dispatch": TierLevel.DISPATCH,
    }
    for team in teams.values():
        assert team.lead is not None and team.lead.is_staff
        assert team.n >= 3
        assert team.direct_line


def test_demo_admin_can_use_the_django_admin(demo):
    admin = User.objects.get(username="admin")
    assert admin.role == Role.ADMIN
    assert admin.is_staff and admin.is_superuser


def test_demo_phones_are_stored_as_e164(demo):
    numbers = list(ContactPhone.objects.values_list("number", flat=True))
    assert numbers
    assert all(n.startswith("+") and n[1:].isdigit() for n in numbers)
    assert ContactPhone.objects.filter(raw="(415) 555-0135", number="+14155550135").exists()
    assert Site.objects.exclude(time_zone="UTC").exclude(region="").count() == Site.objects.count()
    assert not Asset.objects.filter(warranty_end__isnull=True).exists()


def test_demo_referral_became_a_kept_promise_and_the_case_was_resolved(demo):
    promise = Commitment.objects.get(
        kind=CommitmentKind.REFERRAL_FOLLOW_UP, status=CommitmentStatus.KEPT
    )
    case = promise.case
    referral = Referral.objects.get(commitment=promise)
    assert referral.vendor.name == "Vireo Software"
    assert referral.outcome == ReferralOutcome.NO_ANSWER
    # The incompatible-products row that solved it is recorded on the case.
    solution = CaseArticle.objects.get(case=case)
    assert solution.article.title == "Products incompatible with ShieldGuard Endpoint"
    assert solution.row is not None and "Vireo AV" in solution.row.cells.values()
    assert case.status == CaseStatus.RESOLVED
    dispositions = list(
        case.interactions.order_by("started_at").values_list("disposition", "agent__username")
    )
    assert dispositions == [(Disposition.REFERRED, "adam"), (Disposition.RESOLVED, "samir")]
    assert Note.objects.filter(case=case, body__startswith="Compliment").exists()


def test_demo_has_a_referral_waiting_for_its_check_back(demo):
    waiting = Referral.objects.get(outcome=ReferralOutcome.PENDING)
    assert waiting.vendor.name == "Brand X Security"
    assert waiting.commitment.status == CommitmentStatus.OPEN
    assert waiting.case.status == CaseStatus.PENDING_THIRD_PARTY


def test_demo_knowledge_base_serves_the_five_stories(demo):
    published = Article.objects.filter(status=ArticleStatus.PUBLISHED)
    titles = set(published.values_list("title", flat=True))
    for story_title in (
        "Products incompatible with ShieldGuard Endpoint",
        "FiberLink FX-200: red LOS light (loss of signal)",
        "EdgeSwitch 48: advance replacement before troubleshooting is finished",
        "Sending an error report from the app",
        "Cancelling an account: hold the phone number",
    ):
        assert story_title in titles
    assert Article.objects.filter(status=ArticleStatus.DRAFT).exists()
    assert published.filter(review_by__lt=timezone.localdate()).count() == 2
    assert published.filter(visibility=ArticleVisibility.PUBLIC).count() == 2
    rows = TableRow.objects.filter(table__name="Incompatible products")
    assert rows.count() == 3
    assert Vendor.objects.count() == 5
    # Every article and row is in the search index, and the story's search finds the row.
    assert SearchDocument.objects.filter(kind="article").count() == Article.objects.count()
    brand_x = next(r for r in rows if "Brand X Total Security" in r.cells.values())
    hits = search("Brand X uninstall", scopes=[Scope("table_row")]).hits
    assert [h.object_id for h in hits][:1] == [brand_x.pk]


def test_demo_repair_visit_is_scheduled_after_declined_slots_and_storm_calls_are_linked(demo):
    visit = Commitment.objects.get(kind=CommitmentKind.VISIT)
    case = visit.case
    assert visit.status == CommitmentStatus.OPEN
    assert case.status == CaseStatus.SCHEDULED
    assert case.interactions.filter(disposition=Disposition.CUSTOMER_DECLINED).exists()
    linked = CaseLink.objects.filter(from_case=case, kind=LinkKind.RELATED)
    assert linked.count() >= 2
    regions = set(linked.values_list("to_case__asset__site__region", flat=True))
    assert regions == {"Lakeside North"}
    assert case.asset is not None and case.asset.site is not None
    assert case.asset.site.region == "Lakeside North"


def test_demo_advance_replacement_is_a_decision_nobody_could_approve(demo):
    decision = Decision.objects.get(no_approver_reason__gt="")
    assert decision.approved_by is None
    assert decision.decision == "Advance replacement before troubleshooting is complete"
    case = decision.case
    assert case.interaction_count == 3
    assert case.agent_count == 3
    assert case.interactions.values("agent").distinct().count() == 3
    handoff = Handoff.objects.get(case=case)
    assert handoff.kind == HandoffKind.TIER_ESCALATION
    assert handoff.status == HandoffStatus.ACCEPTED
    assert case.team is not None and case.team.tier == TierLevel.TIER_2
    assert case.owner == handoff.responded_by
    part = Commitment.objects.get(case=case, kind=CommitmentKind.PART_RETURN)
    assert part.status == CommitmentStatus.OPEN
    assert part.owed_by == CommitmentParty.CUSTOMER
    assert case.open_commitment_count == 1


def test_demo_error_reports_wait_in_the_tier2_queue_or_are_claimed_by_the_lead(demo):
    tier2 = Team.objects.get(tier=TierLevel.TIER_2)
    reports = Case.objects.filter(channel=Channel.ERROR_REPORT)
    waiting = reports.get(owner__isnull=True)
    assert waiting.team == tier2
    assert waiting.status == CaseStatus.NEW
    assert waiting.opened_by is None
    claimed = reports.get(owner__isnull=False)
    assert claimed.owner == tier2.lead
    assert CaseEvent.objects.filter(case=claimed, type=EventType.CLAIMED).exists()


def test_demo_cancellation_held_is_an_approved_decision_with_a_restore_promise(demo):
    decision = Decision.objects.get(decision__startswith="Cancellation held")
    assert decision.approved_by is not None
    assert decision.approved_by.role == Role.LEAD
    restore = Commitment.objects.get(case=decision.case, status=CommitmentStatus.OPEN)
    assert restore.owed_by == CommitmentParty.US
    assert decision.case.is_open


def test_demo_has_unowned_queue_cases_and_a_pending_handoff(demo):
    tier1 = Team.objects.get(tier=TierLevel.TIER_1)
    assert Case.objects.filter(team=tier1, owner__isnull=True, status=CaseStatus.NEW).count() >= 3
    assert Handoff.objects.filter(status=HandoffStatus.PENDING).count() == 1


def test_demo_every_case_keeps_the_invariants(demo):
    cases = Case.objects.annotate(n_events=Count("events"))
    assert cases.count() >= 10
    for case in cases:
        assert case.n_events >= 1
        assert case.events.filter(type=EventType.OPENED).count() == 1
        if case.status in OPEN_STATUSES:
            assert case.owner_id is not None or case.team_id is not None
            assert case.next_step and case.next_step_due is not None
        assert case.interaction_count == case.interactions.count()
        assert case.open_commitment_count == case.commitments.filter(status="open").count()


def test_demo_again_with_if_empty_adds_nothing_and_prints_the_logins(demo):
    before = counts()
    output = load("--if-empty")
    assert counts() == before
    assert "not loaded again" in output
    assert "admin" in output and PASSWORD in output


def test_demo_without_if_empty_refuses_a_desk_with_data(db):
    load()
    before = counts()
    with pytest.raises(CommandError):
        load()
    assert counts() == before


def test_demo_with_if_empty_on_a_desk_of_other_users_loads_nothing(agent):
    output = load("--if-empty")
    assert Case.objects.count() == 0
    assert "No demo logins" in output


def test_own_command_name_translates_only_our_hyphenated_commands():
    assert own_command_name("demo-data") == "demo_data"
    assert own_command_name("demo_data") == "demo_data"
    assert own_command_name("remove-stale-contenttypes") == "remove-stale-contenttypes"
    assert own_command_name("no-such-command") == "no-such-command"
    assert own_command_name("--version") == "--version"


@pytest.mark.django_db(transaction=True)
def test_cli_runs_demo_data_spelt_with_a_hyphen(capsys):
    main(["demo-data", "--if-empty"])
    output = capsys.readouterr().out
    assert "Created" in output and PASSWORD in output
    assert Case.objects.filter(channel=Channel.ERROR_REPORT).count() == 2
