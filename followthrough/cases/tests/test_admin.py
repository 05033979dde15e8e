"""The Django admin shows every record; case records are view-only so no change skips its event."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from followthrough.accounts.capabilities import Role
from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.models import Case
from followthrough.cases.services import case_add_note
from followthrough.cases.tests.factories import case_state, open_case, promise


@pytest.fixture
def admin_client_for(db, client):
    user = UserFactory.create(role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_every_admin_list_and_record_page_renders(admin_client_for, agent, contact):
    case = open_case(actor=agent, contact=contact)
    case_add_note(actor=agent, case=case, body="<script>alert(1)</script> checked the logs")
    promise(agent, case)
    for model in admin.site._registry:
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = admin_client_for.get(changelist)
        assert response.status_code == 200, changelist
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            page = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])
            response = admin_client_for.get(page)
            assert response.status_code == 200, page
            assert b"<script>alert(1)</script>" not in response.content


def test_case_records_cannot_be_edited_or_deleted_in_the_admin(admin_client_for, agent):
    case = open_case(actor=agent)
    before = case_state(case)
    change = reverse("admin:cases_case_change", args=[case.pk])
    response = admin_client_for.post(change, {"subject": "Rewritten", "status": "closed"})
    assert response.status_code == 403
    delete = reverse("admin:cases_case_delete", args=[case.pk])
    assert admin_client_for.post(delete, {"post": "yes"}).status_code == 403
    assert admin_client_for.get(reverse("admin:cases_case_add")).status_code == 403
    assert case_state(case) == before
    assert Case.objects.get(pk=case.pk).subject != "Rewritten"
