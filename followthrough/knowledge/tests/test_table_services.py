"""Structured tables in articles: typed cells (every type refused with its column named),
revisions for every change, the rows' search documents, and refusals that change nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from followthrough.accounts.capabilities import Role
from followthrough.accounts.tests.factories import UserFactory
from followthrough.core.errors import CommonError, ServiceError
from followthrough.core.models import SearchDocument
from followthrough.knowledge.errors import KnowledgeError
from followthrough.knowledge.models import (
    Article,
    ArticleTable,
    ArticleVisibility,
    ColumnType,
    TableColumn,
    TableRow,
)
from followthrough.knowledge.services.articles import article_edit
from followthrough.knowledge.services.tables import (
    MAX_COLUMNS,
    MAX_ROWS,
    column_add,
    column_remove,
    column_rename,
    row_add,
    row_delete,
    row_move,
    row_update,
    rows_reorder,
    table_create,
    table_delete,
    table_rename,
)
from followthrough.knowledge.tests.factories import (
    VendorFactory,
    add_row,
    column_ids,
    incompatible_table,
    write_article,
)


@pytest.fixture
def article(agent):
    return write_article(agent, title="ShieldGuard will not install")


@pytest.fixture
def table(agent, article):
    return incompatible_table(agent, article)


@pytest.fixture
def vireo(db):
    return VendorFactory.create(name="Vireo Software")


def snapshot(article: Article) -> tuple:
    """Everything a table change could touch."""
    article.refresh_from_db()
    rows = sorted(
        (r.pk, r.position, repr(sorted(r.cells.items())))
        for r in TableRow.objects.filter(table__article=article)
    )
    columns = sorted(TableColumn.objects.filter(table__article=article).values_list("pk", "name"))
    tables = sorted(ArticleTable.objects.filter(article=article).values_list("pk", "name"))
    docs = sorted(
        SearchDocument.objects.values_list("kind", "object_id", "title", "body", "status")
    )
    return article.version, article.revisions.count(), tables, columns, rows, docs


def latest_summary(article: Article) -> str:
    revision = article.revisions.order_by("-number").first()
    assert revision is not None
    return revision.summary


# --- Tables and columns ---


def test_create_table_with_typed_columns_writes_a_revision(agent, article):
    table = table_create(
        actor=agent,
        article=article,
        name=" Incompatible   products ",
        columns=[("Product", ColumnType.TEXT), ("Tool", ColumnType.URL)],
    )
    assert table.name == "Incompatible products"
    assert [(c.name, c.type, c.position) for c in table.columns.all()] == [
        ("Product", "text", 0),
        ("Tool", "url", 1),
    ]
    article.refresh_from_db()
    assert article.version == 2
    assert latest_summary(article) == "Added the table “Incompatible products” (2 columns)"
    (stored,) = article.revisions.get(number=2).tables
    assert [c["name"] for c in stored["columns"]] == ["Product", "Tool"]


def test_table_names_are_unique_within_an_article(agent, article, table):
    before = snapshot(article)
    with pytest.raises(ServiceError) as refused:
        table_create(actor=agent, article=article, name="INCOMPATIBLE products", columns=[])
    assert refused.value.code == KnowledgeError.TABLE_NAME_TAKEN
    assert snapshot(article) == before


@pytest.mark.parametrize(
    ("columns", "code"),
    [
        ([("A", "text"), ("a", "url")], KnowledgeError.COLUMN_NAME_TAKEN),
        ([("A", "colour")], CommonError.INVALID),
        ([("", "text")], CommonError.INVALID),
        ([(f"C{n}", "text") for n in range(MAX_COLUMNS + 1)], KnowledgeError.TOO_MANY_COLUMNS),
    ],
)
def test_create_table_refuses_bad_columns(agent, article, columns, code):
    before = snapshot(article)
    with pytest.raises(ServiceError) as refused:
        table_create(actor=agent, article=article, name="T", columns=columns)
    assert refused.value.code == code
    assert snapshot(article) == before


def test_rename_table_renames_its_rows_documents(agent, article, table):
    row = add_row(agent, table, Product="Vireo AV")
    table_rename(actor=agent, table=table, name="Products that block install")
    doc = SearchDocument.objects.get(kind="table_row", object_id=row.pk)
    assert doc.title == "ShieldGuard will not install — Products that block install"
    assert latest_summary(article) == (
        "Renamed the table “Incompatible products” to “Products that block install”"
    )


def test_delete_table_removes_its_rows_and_their_documents(agent, article, table):
    row = add_row(agent, table, Product="Vireo AV")
    table_delete(actor=agent, table=table)
    assert not ArticleTable.objects.exists()
    assert not TableRow.objects.exists()
    assert not SearchDocument.objects.filter(kind="table_row", object_id=row.pk).exists()
    assert latest_summary(article) == "Deleted the table “Incompatible products” (1 row)"
    # The revision before the deletion still has it.
    article.refresh_from_db()
    before = article.revisions.get(number=article.version - 1)
    assert before.tables[0]["rows"][0]["shown"][0] == "Vireo AV"


def test_add_rename_and_remove_columns(agent, article, table):
    row = add_row(agent, table, Product="Vireo AV", Versions=3)
    notes = column_add(actor=agent, table=table, name="Notes", type=ColumnType.TEXT)
    assert notes.position == 6
    assert latest_summary(article) == "Added the column “Notes” (Text) to “Incompatible products”"
    column_rename(actor=agent, column=notes, name="Remarks")
    assert latest_summary(article) == (
        "Renamed the column “Notes” of “Incompatible products” to “Remarks”"
    )
    row_update(actor=agent, row=row, cells={str(notes.pk): "Needs reboot"})
    assert (
        "Remarks: Needs reboot"
        in SearchDocument.objects.get(kind="table_row", object_id=row.pk).body
    )
    versions = table.columns.get(name="Versions")
    column_remove(actor=agent, column=versions)
    row.refresh_from_db()
    assert str(versions.pk) not in row.cells
    body = SearchDocument.objects.get(kind="table_row", object_id=row.pk).body
    assert "Versions" not in body
    assert latest_summary(article) == "Removed the column “Versions” from “Incompatible products”"


def test_column_names_are_unique_within_a_table(agent, article, table):
    before = snapshot(article)
    with pytest.raises(ServiceError) as refused:
        column_add(actor=agent, table=table, name="product", type=ColumnType.TEXT)
    assert refused.value.code == KnowledgeError.COLUMN_NAME_TAKEN
    with pytest.raises(ServiceError) as refused:
        column_rename(actor=agent, column=table.columns.get(name="Vendor"), name="PRODUCT")
    assert refused.value.code == KnowledgeError.COLUMN_NAME_TAKEN
    assert snapshot(article) == before


# --- Rows and typed cells ---


def test_row_cells_are_stored_typed(agent, article, table, vireo):
    row = add_row(
        agent,
        table,
        Product="  Vireo AV ",
        Vendor=str(vireo.pk),
        Removal_tool="https://support.vireo.example/tool?x=1",
        Versions="12.5",
        Checked="2026-03-01",
        Reboot_needed="Yes",
    )
    ids = column_ids(table)
    assert row.cells == {
        ids["Product"]: "Vireo AV",
        ids["Vendor"]: vireo.pk,
        ids["Removal tool"]: "https://support.vireo.example/tool?x=1",
        ids["Versions"]: 12.5,
        ids["Checked"]: "2026-03-01",
        ids["Reboot needed"]: True,
    }
    assert latest_summary(article) == "Added the row “Vireo AV” to “Incompatible products”"


def test_cells_accept_json_values_and_a_vendor_by_name(agent, table, vireo):
    row = add_row(
        agent,
        table,
        Vendor="vireo software",
        Versions=3,
        Checked=dt.date(2026, 1, 2),
        Reboot_needed=False,
        Removal_tool="mailto:removal@vireo.example",
    )
    ids = column_ids(table)
    assert row.cells[ids["Vendor"]] == vireo.pk
    assert row.cells[ids["Versions"]] == 3
    assert row.cells[ids["Checked"]] == "2026-01-02"
    assert row.cells[ids["Reboot needed"]] is False


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("Removal tool", "javascript:alert(1)"),
        ("Removal tool", "JaVaScRiPt:alert(1)"),
        ("Removal tool", "data:text/html;base64,PHNjcmlwdD4="),
        ("Removal tool", "ftp://files.example/tool"),
        ("Removal tool", "https://"),
        ("Removal tool", "https://exa mple.com"),
        ("Removal tool", "mailto:nobody"),
        ("Removal tool", 42),
        ("Versions", "twelve"),
        ("Versions", "1e400"),
        ("Versions", True),
        ("Versions", float("nan")),
        ("Checked", "2026-02-30"),
        ("Checked", "yesterday"),
        ("Checked", "01/02/2026"),
        ("Reboot needed", "maybe"),
        ("Reboot needed", 2),
        ("Vendor", "999999"),
        ("Vendor", "Nobody Incorporated"),
        ("Vendor", True),
        ("Product", "x" * 2001),
        ("Product", ["a", "list"]),
        ("Product", "nul\x00byte"),
    ],
)
def test_every_cell_type_refuses_bad_values_naming_the_column(agent, article, table, column, value):
    before = snapshot(article)
    with pytest.raises(ServiceError) as refused:
        add_row(agent, table, **{column.replace(" ", "_"): value})
    assert refused.value.code == CommonError.INVALID
    assert f"“{column}”" in refused.value.message
    assert refused.value.details["field"] == f"cells.{column_ids(table)[column]}"
    assert snapshot(article) == before


def test_a_row_refuses_unknown_columns_and_needs_one_filled_cell(agent, article, table):
    before = snapshot(article)
    with pytest.raises(ServiceError) as refused:
        row_add(actor=agent, table=table, cells={"999999": "x"})
    assert "no column" in refused.value.message
    with pytest.raises(ServiceError) as refused:
        row_add(actor=agent, table=table, cells={column_ids(table)["Product"]: "  "})
    assert refused.value.message == "A row needs at least one filled cell."
    assert snapshot(article) == before


def test_update_changes_the_cells_given_and_clears_empty_ones(agent, article, table):
    row = add_row(agent, table, Product="Lumen", Versions=11)
    ids = column_ids(table)
    row = row_update(
        actor=agent, row=row, cells={ids["Versions"]: "", ids["Checked"]: "2026-05-01"}
    )
    assert row.cells == {ids["Product"]: "Lumen", ids["Checked"]: "2026-05-01"}
    doc = SearchDocument.objects.get(kind="table_row", object_id=row.pk)
    assert doc.body == "Product: Lumen\nChecked: 2026-05-01"
    assert latest_summary(article) == "Changed the row “Lumen” of “Incompatible products”"


def test_update_refused_keeps_the_row(agent, article, table):
    row = add_row(agent, table, Product="Lumen")
    before = snapshot(article)
    with pytest.raises(ServiceError):
        row_update(actor=agent, row=row, cells={column_ids(table)["Checked"]: "soon"})
    assert snapshot(article) == before


def test_row_document_names_columns_and_vendors_and_follows_the_article(
    agent, tier1_lead, article, table, vireo
):
    row = add_row(agent, table, Product="Vireo AV", Vendor=vireo.pk, Reboot_needed=True, Versions=4)
    doc = SearchDocument.objects.get(kind="table_row", object_id=row.pk)
    assert (doc.parent_id, doc.status, doc.is_public) == (article.pk, "draft", False)
    assert doc.title == "ShieldGuard will not install — Incompatible products"
    assert doc.body == (
        "Product: Vireo AV\nVendor: Vireo Software\nVersions: 4\nReboot needed: Yes"
    )
    article.refresh_from_db()
    article_edit(
        actor=tier1_lead,
        article=article,
        expected_version=article.version,
        title="Install blocked",
        visibility=ArticleVisibility.PUBLIC,
    )
    doc.refresh_from_db()
    assert (doc.title, doc.is_public) == ("Install blocked — Incompatible products", True)


def test_delete_row_removes_its_document(agent, article, table):
    row = add_row(agent, table, Product="Gone")
    row_delete(actor=agent, row=row)
    assert not TableRow.objects.exists()
    assert not SearchDocument.objects.filter(kind="table_row").exists()
    assert latest_summary(article) == "Deleted the row “Gone” from “Incompatible products”"


def test_reorder_rows(agent, article, table):
    a, b, c = (add_row(agent, table, Product=name) for name in "ABC")
    rows_reorder(actor=agent, table=table, row_ids=[c.pk, a.pk, b.pk])
    assert list(table.rows.values_list("pk", flat=True)) == [c.pk, a.pk, b.pk]
    assert latest_summary(article) == "Put the rows of “Incompatible products” in a new order"
    row_move(actor=agent, row=b, offset=-1)
    assert list(table.rows.values_list("pk", flat=True)) == [c.pk, b.pk, a.pk]
    before = snapshot(article)
    with pytest.raises(ServiceError):
        rows_reorder(actor=agent, table=table, row_ids=[c.pk, a.pk])
    with pytest.raises(ServiceError):
        rows_reorder(actor=agent, table=table, row_ids=[c.pk, a.pk, a.pk])
    # The first row moved up stays where it is: nothing is written.
    row_move(actor=agent, row=c, offset=-1)
    assert snapshot(article) == before


def test_a_table_holds_at_most_max_rows(agent, article, table):
    product = column_ids(table)["Product"]
    TableRow.objects.bulk_create(
        TableRow(table=table, cells={product: f"P{n}"}, position=n) for n in range(MAX_ROWS)
    )
    before = snapshot(article)
    with pytest.raises(ServiceError) as refused:
        row_add(actor=agent, table=table, cells={product: "One more"})
    assert refused.value.code == KnowledgeError.TOO_MANY_ROWS
    assert snapshot(article) == before


def test_table_edits_need_kb_edit(agent, article, table):
    technician = UserFactory.create(role=Role.TECHNICIAN)
    row = add_row(agent, table, Product="Keep")
    before = snapshot(article)
    product = column_ids(table)["Product"]
    attempts = [
        lambda: table_create(actor=technician, article=article, name="X", columns=[]),
        lambda: table_rename(actor=technician, table=table, name="X"),
        lambda: table_delete(actor=technician, table=table),
        lambda: column_add(actor=technician, table=table, name="X", type="text"),
        lambda: column_remove(actor=technician, column=table.columns.first()),
        lambda: row_add(actor=technician, table=table, cells={product: "X"}),
        lambda: row_update(actor=technician, row=row, cells={product: "X"}),
        lambda: row_delete(actor=technician, row=row),
        lambda: rows_reorder(actor=technician, table=table, row_ids=[row.pk]),
    ]
    for attempt in attempts:
        with pytest.raises(ServiceError) as refused:
            attempt()
        assert refused.value.code == CommonError.FORBIDDEN
    assert snapshot(article) == before


def test_table_edit_with_a_stale_version_is_refused(agent, article, table):
    before = snapshot(article)
    with pytest.raises(ServiceError) as refused:
        table_rename(actor=agent, table=table, name="New", expected_version=1)
    assert refused.value.code == CommonError.STALE_VERSION
    assert snapshot(article) == before
