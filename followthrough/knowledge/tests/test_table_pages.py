"""The table editor's pages: htmx partial swaps and plain forms, refusals that name the column
and keep what was typed, confirmations before deleting, and who may use it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from followthrough.accounts.capabilities import Role
from followthrough.accounts.tests.factories import UserFactory
from followthrough.knowledge.models import ArticleTable, TableColumn, TableRow
from followthrough.knowledge.tests.factories import (
    VendorFactory,
    add_row,
    column_ids,
    incompatible_table,
    write_article,
)

HTMX = {"HX-Request": "true"}


@pytest.fixture
def article(agent):
    return write_article(agent, title="ShieldGuard will not install")


@pytest.fixture
def table(agent, article):
    return incompatible_table(agent, article)


@pytest.fixture
def signed_in(client, agent):
    client.force_login(agent)
    return client


def cells(table: ArticleTable, **by_name: str) -> dict[str, str]:
    ids = column_ids(table)
    return {f"cell-{ids[name.replace('_', ' ')]}": value for name, value in by_name.items()}


def test_adding_a_table_with_its_columns(signed_in, article):
    response = signed_in.post(
        reverse("table_add", args=[article.pk]),
        {
            "name": "Completion codes",
            "column-1-name": "Code",
            "column-1-type": "text",
            "column-2-name": "Billable",
            "column-2-type": "yes_no",
            "column-3-name": "",
            "column-3-type": "text",
        },
    )
    table = ArticleTable.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"/kb/articles/{article.pk}/tables/#table-{table.pk}")
    assert [(c.name, c.type) for c in table.columns.all()] == [
        ("Code", "text"),
        ("Billable", "yes_no"),
    ]


def test_a_refused_table_keeps_what_was_typed(signed_in, article, table):
    response = signed_in.post(
        reverse("table_add", args=[article.pk]),
        {"name": "Incompatible Products", "column-1-name": "Keep me", "column-1-type": "url"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "already has a table called" in page
    assert 'value="Incompatible Products"' in page
    assert 'value="Keep me"' in page
    assert '<option value="url" selected>' in page
    assert ArticleTable.objects.count() == 1


def test_adding_a_row_with_htmx_swaps_the_table_section(signed_in, table):
    vendor = VendorFactory.create(name="Vireo Software")
    response = signed_in.post(
        reverse("row_add", args=[table.pk]),
        cells(table, Product="Vireo AV", Vendor=str(vendor.pk), Reboot_needed="yes"),
        headers=HTMX,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith(f'<section class="card kb-table-editor" id="table-{table.pk}"')
    assert "Row added." in page
    row = TableRow.objects.get()
    assert f'id="row-{row.pk}"' in page
    assert "Vireo Software" in page


def test_a_refused_row_names_the_column_and_keeps_what_was_typed(signed_in, table):
    typed = cells(table, Product="Lumen", Removal_tool="javascript:alert(1)", Checked="2026-02-30")
    response = signed_in.post(reverse("row_add", args=[table.pk]), typed, headers=HTMX)
    page = response.content.decode()
    assert "“Removal tool”: a link must start with http://, https:// or mailto:" in page
    assert 'value="Lumen"' in page
    assert 'value="javascript:alert(1)"' in page
    assert not TableRow.objects.exists()
    # Without JavaScript: the whole editor again, with the same message and values.
    response = signed_in.post(reverse("row_add", args=[table.pk]), typed)
    assert response.status_code == 422
    assert 'value="javascript:alert(1)"' in response.content.decode()
    assert not TableRow.objects.exists()


def test_adding_a_row_without_javascript_redirects_to_the_editor(signed_in, table):
    response = signed_in.post(reverse("row_add", args=[table.pk]), cells(table, Product="X"))
    assert response.status_code == 302
    assert response["Location"].endswith(f"#table-{table.pk}")
    assert TableRow.objects.count() == 1


def test_editing_a_row(signed_in, agent, table):
    row = add_row(agent, table, Product="Old", Versions=2)
    form = signed_in.get(
        reverse("table_section", args=[table.pk]), {"edit": row.pk}, headers=HTMX
    ).content.decode()
    assert f'action="{reverse("row_edit", args=[row.pk])}"' in form
    assert 'value="Old"' in form
    response = signed_in.post(
        reverse("row_edit", args=[row.pk]),
        cells(table, Product="New", Versions="", Checked="2026-04-01"),
        headers=HTMX,
    )
    assert "Row saved." in response.content.decode()
    row.refresh_from_db()
    ids = column_ids(table)
    assert row.cells == {ids["Product"]: "New", ids["Checked"]: "2026-04-01"}
    refused = signed_in.post(
        reverse("row_edit", args=[row.pk]), cells(table, Versions="lots"), headers=HTMX
    )
    assert "“Versions”" in refused.content.decode()
    assert 'value="lots"' in refused.content.decode()
    row.refresh_from_db()
    assert ids["Versions"] not in row.cells


def test_moving_and_deleting_rows(signed_in, agent, table):
    first = add_row(agent, table, Product="First")
    second = add_row(agent, table, Product="Second")
    signed_in.post(reverse("row_move", args=[second.pk]), {"direction": "up"}, headers=HTMX)
    assert list(table.rows.values_list("pk", flat=True)) == [second.pk, first.pk]
    response = signed_in.post(reverse("row_delete", args=[first.pk]), headers=HTMX)
    assert "Row deleted." in response.content.decode()
    assert list(TableRow.objects.values_list("pk", flat=True)) == [second.pk]


def test_columns_are_added_renamed_and_removed_only_when_confirmed(signed_in, agent, table):
    row = add_row(agent, table, Product="Keep", Versions=3)
    signed_in.post(
        reverse("column_add", args=[table.pk]), {"name": "Notes", "type": "text"}, headers=HTMX
    )
    notes = table.columns.get(name="Notes")
    signed_in.post(reverse("column_rename", args=[notes.pk]), {"name": "Remarks"}, headers=HTMX)
    notes.refresh_from_db()
    assert notes.name == "Remarks"
    versions = table.columns.get(name="Versions")
    unconfirmed = signed_in.post(reverse("column_remove", args=[versions.pk]), {}, headers=HTMX)
    assert "Tick the box to confirm" in unconfirmed.content.decode()
    assert TableColumn.objects.filter(pk=versions.pk).exists()
    signed_in.post(reverse("column_remove", args=[versions.pk]), {"confirm": "yes"}, headers=HTMX)
    assert not TableColumn.objects.filter(pk=versions.pk).exists()
    row.refresh_from_db()
    assert str(versions.pk) not in row.cells


def test_deleting_a_table_needs_confirmation(signed_in, agent, article, table):
    add_row(agent, table, Product="Keep")
    response = signed_in.post(reverse("table_delete", args=[table.pk]), {})
    assert response.status_code == 422
    assert "Tick the box to confirm" in response.content.decode()
    assert ArticleTable.objects.exists()
    response = signed_in.post(reverse("table_delete", args=[table.pk]), {"confirm": "yes"})
    assert response.status_code == 302
    assert not ArticleTable.objects.exists()


def test_people_without_kb_edit_cannot_change_tables(client, agent, table):
    row = add_row(agent, table, Product="Keep")
    client.force_login(UserFactory.create(role=Role.TECHNICIAN))
    attempts = [
        (reverse("row_add", args=[table.pk]), cells(table, Product="No")),
        (reverse("row_edit", args=[row.pk]), cells(table, Product="No")),
        (reverse("row_delete", args=[row.pk]), {}),
        (reverse("table_rename", args=[table.pk]), {"name": "No"}),
        (reverse("table_delete", args=[table.pk]), {"confirm": "yes"}),
    ]
    for url, data in attempts:
        assert client.post(url, data).status_code == 403
    row.refresh_from_db()
    table.refresh_from_db()
    assert (row.cells, table.name, TableRow.objects.count()) == (
        {column_ids(table)["Product"]: "Keep"},
        "Incompatible products",
        1,
    )


def test_table_pages_refuse_get_for_changes(signed_in, table):
    assert signed_in.get(reverse("row_add", args=[table.pk])).status_code == 405
    assert signed_in.get(reverse("table_delete", args=[table.pk])).status_code == 405
