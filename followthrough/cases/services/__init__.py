"""Every write on a case: one named service per business action (see STYLE.md).

Each is atomic, takes an explicit actor, enforces the invariants of DESIGN.md §2 and writes
its CaseEvent in the same transaction.
"""

from followthrough.cases.services.calls import case_open_from_call
from followthrough.cases.services.commitments import (
    commitment_add,
    commitment_break,
    commitment_cancel,
    commitment_keep,
)
from followthrough.cases.services.decisions import decision_record, decision_set_outcome
from followthrough.cases.services.handoffs import (
    case_hand_off,
    handoff_accept,
    handoff_cancel,
    handoff_decline,
    handoff_escalate_unaccepted,
)
from followthrough.cases.services.lifecycle import (
    case_add_note,
    case_log_interaction,
    case_open,
    case_set_next_step,
    case_set_status,
    case_update,
)
from followthrough.cases.services.links import case_link, case_merge
from followthrough.cases.services.ownership import case_assign, case_claim, case_claim_next
from followthrough.cases.services.referrals import case_refer, referral_record_outcome
from followthrough.cases.services.solutions import case_mark_solution, case_unmark_solution

__all__ = [
    "case_add_note",
    "case_assign",
    "case_claim",
    "case_claim_next",
    "case_hand_off",
    "case_link",
    "case_log_interaction",
    "case_mark_solution",
    "case_merge",
    "case_open",
    "case_open_from_call",
    "case_refer",
    "case_set_next_step",
    "case_set_status",
    "case_unmark_solution",
    "case_update",
    "commitment_add",
    "commitment_break",
    "commitment_cancel",
    "commitment_keep",
    "decision_record",
    "decision_set_outcome",
    "handoff_accept",
    "handoff_cancel",
    "handoff_decline",
    "handoff_escalate_unaccepted",
    "referral_record_outcome",
]
