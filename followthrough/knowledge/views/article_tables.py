"""The table editor: an article's structured tables, their typed columns and their rows.

Every action is a POST that calls one service. With htmx the answer is the table's section
alone (swapped in place); without JavaScript a success redirects back to the editor and a
refusal shows the editor again with the message beside the form and what was typed kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.decorators import requires, signed_in_user
from followthrough.core.errors import ServiceError
from followthrough.knowledge.access import access_article, access_table_row
from followthrough.knowledge.access_tables import access_column, access_table
from followthrough.knowledge.cells import TYPE_WORDS
from followthrough.knowledge.models import Article, ArticleTable, ColumnType, TableColumn
from followthrough.knowledge.selectors.articles import (
    TableView,
    article_detail,
    article_table,
    vendor_choices,
)
from followthrough.knowledge.services.tables import (
    MAX_COLUMNS,
    column_add,
    column_remove,
    column_rename,
    row_add,
    row_delete,
    row_move,
    row_update,
    table_create,
    table_delete,
    table_rename,
)

# Column slots the "add a table" form offers; more columns are added to the table afterwards.
NEW_TABLE_COLUMNS = 4


@dataclass(frozen=True)
class CellInput:
    """One input of a row form: which column, the input's kind and what it holds now."""

    column: TableColumn
    name: str
    html_id: str
    kind: str
    value: str

    @property
    def hint(self) -> str:
        return TYPE_WORDS.get(self.kind, "")


@dataclass
class TableEditor:
    view: TableView
    add_inputs: list[CellInput]
    editing_row: int | None = None
    edit_inputs: list[CellInput] = field(default_factory=list)
    panel: str = ""
    error: ServiceError | str = ""
    success: str = ""
    typed: QueryDict | None = None

    @property
    def panel_kind(self) -> str:
        """ "column-rename" of the panel "column-rename-12"."""
        return self.panel.rpartition("-")[0]

    @property
    def panel_target(self) -> int | None:
        """12 of the panel "column-rename-12": the table, column or row it acts on."""
        tail = self.panel.rpartition("-")[2]
        return int(tail) if tail.isdigit() else None


def _as_input_text(column: TableColumn, value: object) -> str:
    if value is None:
        return ""
    if column.type == ColumnType.YES_NO:
        return "yes" if value else "no"
    return str(value)


def _inputs(
    table: TableView, prefix: str, *, row_cells: dict[str, object] | None, typed: QueryDict | None
) -> list[CellInput]:
    inputs = []
    for column in table.columns:
        name = f"cell-{column.pk}"
        if typed is not None:
            value = typed.get(name, "")
        else:
            value = _as_input_text(column, (row_cells or {}).get(str(column.pk)))
        inputs.append(
            CellInput(
                column=column,
                name=name,
                html_id=f"{prefix}-{column.pk}",
                kind=column.type,
                value=value,
            )
        )
    return inputs


def table_editor(
    view: TableView,
    *,
    editing_row: int | None = None,
    panel: str = "",
    error: ServiceError | str = "",
    success: str = "",
    typed: QueryDict | None = None,
) -> TableEditor:
    """A table's section of the editor; `typed` (what a refused form sent) refills `panel`."""
    table_id = view.table.pk
    add_typed = typed if panel == f"row-add-{table_id}" else None
    editor = TableEditor(
        view=view,
        add_inputs=_inputs(view, f"add-{table_id}", row_cells=None, typed=add_typed),
        editing_row=editing_row,
        panel=panel,
        error=error,
        success=success,
        typed=typed,
    )
    if editing_row is not None:
        row = next((r for r in view.rows if r.row.pk == editing_row), None)
        if row is None:
            editor.editing_row = None
        else:
            edit_typed = typed if panel == f"row-edit-{editing_row}" else None
            editor.edit_inputs = _inputs(
                view, f"edit-{editing_row}", row_cells=row.row.cells, typed=edit_typed
            )
    return editor


def _editor_page(
    request: HttpRequest,
    article: Article,
    *,
    table_id: int | None = None,
    status: int = 200,
    **section: object,
) -> HttpResponse:
    """The whole editor; `section` (panel, error, typed, editing_row) goes to `table_id`'s."""
    detail = article_detail(article)
    editing = section.pop("editing_row", None)
    editors = []
    for view in detail.tables:
        if view.table.pk == table_id:
            editors.append(table_editor(view, editing_row=editing, **section))  # type: ignore[arg-type]
        else:
            editors.append(table_editor(view))
    panel = str(section.get("panel", ""))
    typed = section.get("typed") if table_id is None else None
    new_columns = [
        {
            "n": n,
            "name": typed.get(f"column-{n}-name", "") if isinstance(typed, QueryDict) else "",
            "type": typed.get(f"column-{n}-type", "") if isinstance(typed, QueryDict) else "",
        }
        for n in range(1, NEW_TABLE_COLUMNS + 1)
    ]
    context = {
        "nav": "kb",
        "article": article,
        "editors": editors,
        "vendors": vendor_choices(),
        "column_types": ColumnType.choices,
        "new_columns": new_columns,
        "max_columns": MAX_COLUMNS,
        "panel": panel,
        "error": section.get("error", "") if table_id is None else "",
        "typed": typed,
    }
    return render(request, "knowledge/article_tables.html", context, status=status)


def _section(request: HttpRequest, table: ArticleTable, **section: object) -> HttpResponse:
    context = {
        "editor": table_editor(article_table(table), **section),  # type: ignore[arg-type]
        "article": table.article,
        "vendors": vendor_choices(),
        "column_types": ColumnType.choices,
    }
    return render(request, "knowledge/_table_editor.html", context)


def _done(request: HttpRequest, table: ArticleTable, message: str) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        return _section(request, table, success=message)
    messages.success(request, message)
    url = reverse("article_tables", kwargs={"article_id": table.article_id})
    return redirect(f"{url}#table-{table.pk}")


def _refused(
    request: HttpRequest,
    table: ArticleTable,
    panel: str,
    error: ServiceError | str,
    **extra: object,
) -> HttpResponse:
    typed = request.POST.copy()
    if request.htmx:  # type: ignore[attr-defined]
        return _section(request, table, panel=panel, error=error, typed=typed, **extra)
    return _editor_page(
        request,
        table.article,
        table_id=table.pk,
        panel=panel,
        error=error,
        typed=typed,
        status=422,
        **extra,
    )


def _cells(post: QueryDict, table: ArticleTable) -> dict[str, object]:
    """The row form's cells by column id; an input left empty clears (or skips) the cell."""
    cells: dict[str, object] = {}
    for column in table.columns.all():
        name = f"cell-{column.pk}"
        if name in post:
            cells[str(column.pk)] = post.get(name, "")
    return cells


# --- The editor page ---


@require_GET
@requires(Capability.KB_EDIT)
def article_tables(request: HttpRequest, article_id: int) -> HttpResponse:
    article = access_article(signed_in_user(request), article_id)
    editing = request.GET.get("edit", "")
    row_id = int(editing) if editing.isascii() and editing.isdigit() and len(editing) < 18 else None
    table_id = None
    if row_id is not None:
        table_id = article.tables.filter(rows__pk=row_id).values_list("pk", flat=True).first()
    return _editor_page(request, article, table_id=table_id, editing_row=row_id)


@require_GET
@requires(Capability.KB_EDIT)
def table_section(request: HttpRequest, table_id: int) -> HttpResponse:
    """One table's section (htmx): `?edit=<row id>` opens that row's form."""
    table = access_table(signed_in_user(request), table_id)
    editing = request.GET.get("edit", "")
    row_id = int(editing) if editing.isascii() and editing.isdigit() and len(editing) < 18 else None
    return _section(request, table, editing_row=row_id)


# --- Tables ---


@require_POST
@requires(Capability.KB_EDIT)
def table_add(request: HttpRequest, article_id: int) -> HttpResponse:
    user = signed_in_user(request)
    article = access_article(user, article_id)
    columns = []
    for n in range(1, NEW_TABLE_COLUMNS + 1):
        name = request.POST.get(f"column-{n}-name", "").strip()
        if name:
            columns.append((name, request.POST.get(f"column-{n}-type", ColumnType.TEXT)))
    try:
        table = table_create(
            actor=user, article=article, name=request.POST.get("name", ""), columns=columns
        )
    except ServiceError as exc:
        return _editor_page(
            request, article, panel="table-add", error=exc, typed=request.POST.copy(), status=422
        )
    messages.success(request, f"Table “{table.name}” added: now add its rows.")
    url = reverse("article_tables", kwargs={"article_id": article.pk})
    return redirect(f"{url}#table-{table.pk}")


@require_POST
@requires(Capability.KB_EDIT)
def table_rename_view(request: HttpRequest, table_id: int) -> HttpResponse:
    user = signed_in_user(request)
    table = access_table(user, table_id)
    try:
        table = table_rename(actor=user, table=table, name=request.POST.get("name", ""))
    except ServiceError as exc:
        return _refused(request, table, f"rename-{table.pk}", exc)
    return _done(request, table, f"Table renamed to “{table.name}”.")


@require_POST
@requires(Capability.KB_EDIT)
def table_delete_view(request: HttpRequest, table_id: int) -> HttpResponse:
    user = signed_in_user(request)
    table = access_table(user, table_id)
    if request.POST.get("confirm") != "yes":
        return _editor_page(
            request,
            table.article,
            table_id=table.pk,
            panel=f"delete-{table.pk}",
            error="Tick the box to confirm: the table and all its rows go.",
            status=422,
        )
    try:
        article = table_delete(actor=user, table=table)
    except ServiceError as exc:
        return _editor_page(
            request,
            table.article,
            table_id=table.pk,
            panel=f"delete-{table.pk}",
            error=exc,
            status=422,
        )
    messages.success(request, f"Table “{table.name}” deleted. The article's history still has it.")
    return redirect("article_tables", article_id=article.pk)


# --- Columns ---


@require_POST
@requires(Capability.KB_EDIT)
def column_add_view(request: HttpRequest, table_id: int) -> HttpResponse:
    user = signed_in_user(request)
    table = access_table(user, table_id)
    try:
        column = column_add(
            actor=user,
            table=table,
            name=request.POST.get("name", ""),
            type=request.POST.get("type", ""),
        )
    except ServiceError as exc:
        return _refused(request, table, f"column-add-{table.pk}", exc)
    return _done(request, table, f"Column “{column.name}” added.")


@require_POST
@requires(Capability.KB_EDIT)
def column_rename_view(request: HttpRequest, column_id: int) -> HttpResponse:
    user = signed_in_user(request)
    column = access_column(user, column_id)
    try:
        renamed = column_rename(actor=user, column=column, name=request.POST.get("name", ""))
    except ServiceError as exc:
        return _refused(request, column.table, f"column-rename-{column.pk}", exc)
    return _done(request, column.table, f"Column renamed to “{renamed.name}”.")


@require_POST
@requires(Capability.KB_EDIT)
def column_remove_view(request: HttpRequest, column_id: int) -> HttpResponse:
    user = signed_in_user(request)
    column = access_column(user, column_id)
    if request.POST.get("confirm") != "yes":
        refusal = f"Tick the box to confirm: “{column.name}” goes from every row."
        return _refused(request, column.table, f"column-remove-{column.pk}", refusal)
    try:
        table = column_remove(actor=user, column=column)
    except ServiceError as exc:
        return _refused(request, column.table, f"column-remove-{column.pk}", exc)
    return _done(request, table, f"Column “{column.name}” removed.")


# --- Rows ---


@require_POST
@requires(Capability.KB_EDIT)
def row_add_view(request: HttpRequest, table_id: int) -> HttpResponse:
    user = signed_in_user(request)
    table = access_table(user, table_id)
    try:
        row_add(actor=user, table=table, cells=_cells(request.POST, table))
    except ServiceError as exc:
        return _refused(request, table, f"row-add-{table.pk}", exc)
    return _done(request, table, "Row added.")


@require_POST
@requires(Capability.KB_EDIT)
def row_edit_view(request: HttpRequest, row_id: int) -> HttpResponse:
    user = signed_in_user(request)
    row = access_table_row(user, row_id)
    table = row.table
    try:
        row_update(actor=user, row=row, cells=_cells(request.POST, table))
    except ServiceError as exc:
        return _refused(request, table, f"row-edit-{row.pk}", exc, editing_row=row.pk)
    return _done(request, table, "Row saved.")


@require_POST
@requires(Capability.KB_EDIT)
def row_delete_view(request: HttpRequest, row_id: int) -> HttpResponse:
    user = signed_in_user(request)
    row = access_table_row(user, row_id)
    try:
        table = row_delete(actor=user, row=row)
    except ServiceError as exc:
        return _refused(request, row.table, f"row-delete-{row.pk}", exc)
    return _done(request, table, "Row deleted. The article's history still has it.")


@require_POST
@requires(Capability.KB_EDIT)
def row_move_view(request: HttpRequest, row_id: int) -> HttpResponse:
    user = signed_in_user(request)
    row = access_table_row(user, row_id)
    offset = {"up": -1, "down": 1}.get(request.POST.get("direction", ""), 0)
    try:
        table = row_move(actor=user, row=row, offset=offset)
    except ServiceError as exc:
        return _refused(request, row.table, f"row-move-{row.pk}", exc)
    return _done(request, table, "Row moved.")
