"""Story 1 of DESIGN.md §1 with the knowledge base: the referral that nobody followed up, now a
promise that is kept, and the incompatible-products table that solved it. A second customer's
case shows a referral still waiting for its check-back."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from followthrough.cases.demo.data import TIER_1
from followthrough.cases.services import (
    case_add_note,
    case_log_interaction,
    case_mark_solution,
    case_refer,
    referral_record_outcome,
)
from followthrough.cases.states import Channel, Direction, Disposition, ReferralOutcome
from followthrough.knowledge.demo import KnowledgeDemo
from followthrough.knowledge.demo.data import BRAND_X, VIREO

if TYPE_CHECKING:
    from followthrough.cases.demo.loader import DemoLoader


def _ahead(hours: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)


def story_referral(demo: DemoLoader, kb: KnowledgeDemo) -> None:
    users = demo.users
    case = demo.open(
        actor="adam",
        team=TIER_1,
        subject="ShieldGuard Endpoint will not install: 'another security product found'",
        channel=Channel.PHONE,
        category="Antivirus",
        contact=demo.contacts["Helen Park"],
        asset=demo.assets["SGE-44817-BD"],
        next_step="Find out what blocks the installer",
        next_step_due=_ahead(1),
    )
    referral = case_refer(
        actor=users["adam"],
        case=case,
        vendor=kb.vendors[VIREO],
        reason="The installer stops with 'another security product found' on the front-desk "
        "PC. Control Panel lists no other antivirus, but the VireoGuard service is still "
        "registered: remnants of an old Vireo AV install. Ask Vireo support for their removal "
        "tool.",
        follow_up_due=_ahead(3),
    )
    referral_record_outcome(
        actor=users["samir"],
        referral=referral,
        outcome=ReferralOutcome.NO_ANSWER,
        note="Helen called back: she waited an hour and Vireo never answered.",
        next_step="Remove the Vireo AV remnants with Vireo's removal tool while Helen is on "
        "the line",
        next_step_due=_ahead(1),
    )
    case_mark_solution(
        actor=users["samir"],
        case=case,
        article=kb.articles["incompatible"],
        row=kb.rows["Vireo AV"],
    )
    case_log_interaction(
        actor=users["samir"],
        case=case,
        channel=Channel.PHONE,
        direction=Direction.INBOUND,
        disposition=Disposition.RESOLVED,
        note="Second call: Helen waited an hour for Vireo, nobody answered. Found Vireo AV in "
        "the incompatible-products table, downloaded Vireo's removal tool from the link "
        "there, walked her through running it, rebooted, installed ShieldGuard Endpoint "
        "and stayed on the line until the first scan finished cleanly.",
        started_at=timezone.now(),
        resolve=True,
    )
    case_add_note(
        actor=users["lena"],
        case=case,
        body="Compliment: Helen Park called me to say Samir was patient and stayed with "
        "her until it worked. Passed on to Samir.",
    )

    # A referral still waiting: the check-back is due this afternoon.
    waiting = demo.open(
        actor="priya",
        team=TIER_1,
        subject="Brand X leftovers block the ShieldGuard install on Rosa's laptop",
        channel=Channel.PHONE,
        category="Antivirus",
        contact=demo.contacts["Rosa Delgado"],
        next_step="Check what is left of Brand X Total Security",
        next_step_due=_ahead(1),
    )
    case_refer(
        actor=users["priya"],
        case=waiting,
        vendor=kb.vendors[BRAND_X],
        reason="Rosa wants Brand X to confirm her licence is cancelled before she removes it; "
        "they will send her their uninstall utility.",
        follow_up_due=_ahead(4),
    )
