"""The workspace URL map: queues, the case page and its actions, calls, customers, search."""

from django.urls import path

from followthrough.cases.views import (
    actions,
    calls,
    case,
    customers,
    home,
    kb_report,
    knowledge,
    reports,
    search,
)

urlpatterns = [
    path("", home.home, name="home"),
    path("cases/take-next/", home.take_next, name="take_next"),
    path("notifications/read/", home.notifications_read, name="notifications_read"),
    path("me/away/", home.set_away, name="set_away"),
    path("reports/equal-treatment/", reports.equal_treatment, name="equal_treatment_report"),
    path("reports/referrals/", reports.referrals, name="referral_report"),
    # The case page and its partials.
    path("cases/<int:case_id>/", case.case_detail, name="case_detail"),
    path("cases/<int:case_id>/timeline/", case.case_timeline, name="case_timeline"),
    # Actions on a case: every one a POST that calls one service.
    path("cases/<int:case_id>/log-call/", actions.log_call, name="case_log_call"),
    path("cases/<int:case_id>/notes/", actions.add_note, name="case_add_note"),
    path("cases/<int:case_id>/next-step/", actions.set_next_step, name="case_set_next_step"),
    path("cases/<int:case_id>/details/", actions.update_details, name="case_update"),
    path("cases/<int:case_id>/status/", actions.set_status, name="case_set_status"),
    path("cases/<int:case_id>/claim/", actions.claim, name="case_claim"),
    path("cases/<int:case_id>/assign/", actions.assign, name="case_assign"),
    path("cases/<int:case_id>/hand-off/", actions.hand_off, name="case_hand_off"),
    path("cases/<int:case_id>/promises/", actions.add_promise, name="case_add_promise"),
    path("cases/<int:case_id>/decisions/", actions.record_decision, name="case_record_decision"),
    path("cases/<int:case_id>/link/", actions.link, name="case_link"),
    path("cases/<int:case_id>/merge/", actions.merge, name="case_merge"),
    path("cases/<int:case_id>/refer/", actions.refer, name="case_refer"),
    path(
        "referrals/<int:referral_id>/outcome/",
        actions.referral_outcome,
        name="referral_outcome",
    ),
    path("handoffs/<int:handoff_id>/<str:answer>/", actions.answer_handoff, name="handoff_answer"),
    path(
        "promises/<int:commitment_id>/<str:outcome>/", actions.settle_promise, name="promise_settle"
    ),
    path("decisions/<int:decision_id>/outcome/", actions.decision_outcome, name="decision_outcome"),
    # A call comes in: find the caller, see the customer, open a case or log the call.
    path("calls/new/", calls.call_lookup, name="call_lookup"),
    path("calls/new/open-case/", calls.call_open_case, name="call_open_case"),
    # Customer pages.
    path(
        "customers/<int:organization_id>/",
        customers.organization_detail,
        name="organization_detail",
    ),
    path("contacts/<int:contact_id>/", customers.contact_detail, name="contact_detail"),
    path("search/", search.search, name="search"),
    # Knowledge on the case page: suggested articles, "this solved it", possible duplicates.
    path("cases/<int:case_id>/suggestions/", knowledge.suggestions_panel, name="case_suggestions"),
    path("cases/<int:case_id>/solutions/", knowledge.mark_solution, name="case_mark_solution"),
    path(
        "solutions/<int:solution_id>/undo/",
        knowledge.unmark_solution,
        name="case_unmark_solution",
    ),
    path("cases/<int:case_id>/similar/", knowledge.similar_panel, name="case_similar"),
    path(
        "cases/<int:case_id>/similar/<int:other_id>/link/",
        knowledge.link_duplicate,
        name="case_link_duplicate",
    ),
    path(
        "cases/<int:case_id>/similar/<int:other_id>/merge/",
        knowledge.merge_duplicate,
        name="case_merge_duplicate",
    ),
    path("reports/knowledge/", kb_report.kb_report, name="kb_report"),
]
