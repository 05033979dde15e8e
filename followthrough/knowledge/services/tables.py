"""Writing the structured tables inside articles: tables, typed columns and rows.

Every change is an edit of the article: it locks the article, bumps its version, writes a
revision whose summary says what changed, and rewrites the affected search documents, all in
one transaction. Cells are checked against their column's type (knowledge/cells.py); a refusal
names the column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import transaction
from django.db.models import Max

from followthrough.accounts.access import require_capability
from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import User
from followthrough.core.errors import Invalid, NotFound, ServiceError
from followthrough.knowledge.cells import is_empty, parse_cell
from followthrough.knowledge.errors import KnowledgeError
from followthrough.knowledge.models import (
    Article,
    ArticleTable,
    ColumnType,
    TableColumn,
    TableRow,
    Vendor,
)
from followthrough.knowledge.selectors.articles import load_tables
from followthrough.knowledge.services._common import lock_article, write_revision
from followthrough.knowledge.services.indexing import index_one_row, index_rows, unindex_rows

MAX_TABLES = 20
MAX_COLUMNS = 50
MAX_ROWS = 2000
MAX_TABLE_NAME = 200
MAX_COLUMN_NAME = 100


def _name(value: object, *, what: str, field: str, limit: int) -> str:
    if not isinstance(value, str):
        raise Invalid(f"{what} must be text.", field=field)
    text = " ".join(value.split())
    if not text:
        raise Invalid(f"{what} may not be empty.", field=field)
    if len(text) > limit:
        raise Invalid(f"{what} is longer than {limit} characters.", field=field)
    if "\x00" in text:
        raise Invalid(f"{what} may not contain NUL characters.", field=field)
    return text


def _table_name(value: object) -> str:
    return _name(value, what="The table name", field="name", limit=MAX_TABLE_NAME)


def _column_name(value: object, field: str = "name") -> str:
    return _name(value, what="A column name", field=field, limit=MAX_COLUMN_NAME)


def _column_type(value: object, field: str = "type") -> str:
    if value not in ColumnType.values:
        choices = ", ".join(ColumnType.values)
        raise Invalid(f"{str(value)[:40]!r} is not a column type ({choices}).", field=field)
    return str(value)


def _name_taken_in_article(article: Article, name: str, *, other_than: int | None = None) -> bool:
    tables = ArticleTable.objects.filter(article=article, name__iexact=name)
    if other_than is not None:
        tables = tables.exclude(pk=other_than)
    return tables.exists()


def _refuse_taken_table(article: Article, name: str, *, other_than: int | None = None) -> None:
    if _name_taken_in_article(article, name, other_than=other_than):
        raise ServiceError(
            KnowledgeError.TABLE_NAME_TAKEN,
            f"“{article.title}” already has a table called “{name}”.",
            field="name",
        )


def _refuse_taken_column(table: ArticleTable, name: str, *, other_than: int | None = None) -> None:
    columns = TableColumn.objects.filter(table=table, name__iexact=name)
    if other_than is not None:
        columns = columns.exclude(pk=other_than)
    if columns.exists():
        raise ServiceError(
            KnowledgeError.COLUMN_NAME_TAKEN,
            f"The table “{table.name}” already has a column called “{name}”.",
            field="name",
        )


def _locked_table(table: ArticleTable | int) -> ArticleTable:
    pk = table if isinstance(table, int) else table.pk
    found = ArticleTable.objects.select_for_update().filter(pk=pk).first()
    if found is None:  # deleted by someone else since it was fetched
        raise NotFound("Table")
    return found


def _table_of(table_id: int) -> ArticleTable:
    found = ArticleTable.objects.filter(pk=table_id).first()
    if found is None:
        raise NotFound("Table")
    return found


def _locked_row(row: TableRow) -> TableRow:
    found = TableRow.objects.select_for_update().filter(pk=row.pk).first()
    if found is None:
        raise NotFound("Table row")
    return found


def _column(column: TableColumn) -> TableColumn:
    found = TableColumn.objects.select_for_update().filter(pk=column.pk).first()
    if found is None:
        raise NotFound("Column")
    return found


def _reindex_table(article: Article, table_id: int) -> None:
    index_rows(article, [t for t in load_tables(article.pk) if t.pk == table_id])


# --- Tables ---


def table_create(
    *,
    actor: User,
    article: Article,
    name: str,
    columns: Sequence[tuple[str, ColumnType | str]],
    expected_version: int | None = None,
) -> ArticleTable:
    """A new table at the end of the article, with its columns (name and type) in order."""
    require_capability(actor, Capability.KB_EDIT)
    clean_name = _table_name(name)
    if isinstance(columns, str | bytes) or not isinstance(columns, Sequence):
        raise Invalid("Columns are a list of (name, type) pairs.", field="columns")
    if len(columns) > MAX_COLUMNS:
        raise ServiceError(
            KnowledgeError.TOO_MANY_COLUMNS,
            f"A table has at most {MAX_COLUMNS} columns.",
            field="columns",
        )
    clean_columns: list[tuple[str, str]] = []
    seen: set[str] = set()
    for n, pair in enumerate(columns):
        if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
            raise Invalid("Each column is a name and a type.", field=f"columns.{n}")
        column_name = _column_name(pair[0], field=f"columns.{n}.name")
        if column_name.lower() in seen:
            raise ServiceError(
                KnowledgeError.COLUMN_NAME_TAKEN,
                f"Two columns are called “{column_name}”.",
                field=f"columns.{n}.name",
            )
        seen.add(column_name.lower())
        clean_columns.append((column_name, _column_type(pair[1], field=f"columns.{n}.type")))
    with transaction.atomic():
        article = lock_article(article, expected_version)
        existing = ArticleTable.objects.filter(article=article)
        if existing.count() >= MAX_TABLES:
            raise ServiceError(
                KnowledgeError.TOO_MANY_TABLES, f"An article holds at most {MAX_TABLES} tables."
            )
        _refuse_taken_table(article, clean_name)
        last = existing.aggregate(last=Max("position"))["last"]
        table = ArticleTable.objects.create(
            article=article, name=clean_name, position=0 if last is None else last + 1
        )
        TableColumn.objects.bulk_create(
            TableColumn(table=table, name=column_name, type=column_type, position=position)
            for position, (column_name, column_type) in enumerate(clean_columns)
        )
        count = len(clean_columns)
        write_revision(
            article,
            actor,
            f"Added the table “{clean_name}” ({count} column{'' if count == 1 else 's'})",
        )
    return table


def table_rename(
    *, actor: User, table: ArticleTable, name: str, expected_version: int | None = None
) -> ArticleTable:
    require_capability(actor, Capability.KB_EDIT)
    clean_name = _table_name(name)
    with transaction.atomic():
        article = lock_article(table.article_id, expected_version)
        table = _locked_table(table)
        if table.name == clean_name:
            return table
        _refuse_taken_table(article, clean_name, other_than=table.pk)
        old = table.name
        table.name = clean_name
        table.save(update_fields=["name"])
        write_revision(article, actor, f"Renamed the table “{old}” to “{clean_name}”")
        _reindex_table(article, table.pk)
    return table


def table_delete(
    *, actor: User, table: ArticleTable, expected_version: int | None = None
) -> Article:
    """Delete the table with its columns and rows; the revisions before keep them."""
    require_capability(actor, Capability.KB_EDIT)
    with transaction.atomic():
        article = lock_article(table.article_id, expected_version)
        table = _locked_table(table)
        row_ids = list(table.rows.values_list("pk", flat=True))
        name = table.name
        table.delete()
        unindex_rows(row_ids)
        count = len(row_ids)
        write_revision(
            article, actor, f"Deleted the table “{name}” ({count} row{'' if count == 1 else 's'})"
        )
    return article


# --- Columns ---


def column_add(
    *,
    actor: User,
    table: ArticleTable,
    name: str,
    type: ColumnType | str,
    expected_version: int | None = None,
) -> TableColumn:
    """A new column at the right end; existing rows have nothing in it yet."""
    require_capability(actor, Capability.KB_EDIT)
    clean_name = _column_name(name)
    clean_type = _column_type(type)
    with transaction.atomic():
        article = lock_article(table.article_id, expected_version)
        table = _locked_table(table)
        existing = TableColumn.objects.filter(table=table)
        if existing.count() >= MAX_COLUMNS:
            raise ServiceError(
                KnowledgeError.TOO_MANY_COLUMNS, f"A table has at most {MAX_COLUMNS} columns."
            )
        _refuse_taken_column(table, clean_name)
        last = existing.aggregate(last=Max("position"))["last"]
        column = TableColumn.objects.create(
            table=table,
            name=clean_name,
            type=clean_type,
            position=0 if last is None else last + 1,
        )
        write_revision(
            article,
            actor,
            f"Added the column “{clean_name}” ({ColumnType(clean_type).label}) to “{table.name}”",
        )
    return column


def column_rename(
    *, actor: User, column: TableColumn, name: str, expected_version: int | None = None
) -> TableColumn:
    require_capability(actor, Capability.KB_EDIT)
    clean_name = _column_name(name)
    with transaction.atomic():
        table = _table_of(column.table_id)
        article = lock_article(table.article_id, expected_version)
        column = _column(column)
        if column.name == clean_name:
            return column
        _refuse_taken_column(table, clean_name, other_than=column.pk)
        old = column.name
        column.name = clean_name
        column.save(update_fields=["name"])
        write_revision(
            article, actor, f"Renamed the column “{old}” of “{table.name}” to “{clean_name}”"
        )
        _reindex_table(article, table.pk)
    return column


def column_remove(
    *, actor: User, column: TableColumn, expected_version: int | None = None
) -> ArticleTable:
    """Remove the column and its cell in every row (the revisions before keep them)."""
    require_capability(actor, Capability.KB_EDIT)
    with transaction.atomic():
        table = _table_of(column.table_id)
        article = lock_article(table.article_id, expected_version)
        table = _locked_table(table)
        column = _column(column)
        key = str(column.pk)
        rows = [row for row in table.rows.all() if key in row.cells]
        for row in rows:
            del row.cells[key]
        TableRow.objects.bulk_update(rows, ["cells"], batch_size=500)
        name = column.name
        column.delete()
        write_revision(article, actor, f"Removed the column “{name}” from “{table.name}”")
        _reindex_table(article, table.pk)
    return table


# --- Rows ---


def _vendor_ids(found: Mapping[str, tuple[TableColumn, object]]) -> dict[str, int]:
    """Vendor cells given as an id or a name, checked against the directory."""
    wanted = {
        key: (column, value)
        for key, (column, value) in found.items()
        if column.type == ColumnType.VENDOR
    }
    ids = {value for _, value in wanted.values() if isinstance(value, int)}
    known = set(Vendor.objects.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    resolved: dict[str, int] = {}
    for key, (column, value) in wanted.items():
        pk: int | None = None
        if isinstance(value, int):
            pk = value if value in known else None
        elif isinstance(value, str):
            pk = Vendor.objects.filter(name__iexact=value).values_list("pk", flat=True).first()
        if pk is None:
            shown = value if isinstance(value, str) else f"number {value}"
            raise Invalid(
                f"“{column.name}”: there is no vendor {shown!r} in the directory.",
                field=f"cells.{column.pk}",
                column=column.name,
            )
        resolved[key] = pk
    return resolved


def _clean_cells(
    table: ArticleTable, cells: Mapping[str, object], *, base: Mapping[str, object] | None = None
) -> dict[str, object]:
    """The row's stored cells: `base` (the row as it was) with `cells` laid over it; an empty
    value clears a cell. Keys are column ids (as text)."""
    if not isinstance(cells, Mapping):
        raise Invalid("Cells are a mapping of column id to value.", field="cells")
    columns = {str(c.pk): c for c in table.columns.all()}
    result = {k: v for k, v in (base or {}).items() if k in columns}
    given: dict[str, tuple[TableColumn, object]] = {}
    for raw_key, value in cells.items():
        key = str(raw_key).strip()
        column = columns.get(key)
        if column is None:
            raise Invalid(
                f"The table “{table.name}” has no column {str(raw_key)[:40]!r}.",
                field=f"cells.{str(raw_key)[:40]}",
            )
        if is_empty(value):
            result.pop(key, None)
            continue
        parsed = parse_cell(column.type, column.name, value, field=f"cells.{key}")
        given[key] = (column, parsed)
    vendors = _vendor_ids(given)
    for key, (_column, parsed) in given.items():
        result[key] = vendors.get(key, parsed)
    if not result:
        raise Invalid("A row needs at least one filled cell.", field="cells")
    return {key: result[key] for key in columns if key in result}


def _row_word(table: ArticleTable, row: TableRow) -> str:
    """A row named the way a reader finds it: by its first filled cell."""
    first = next(iter(row.cells.values()), "")
    return f"“{first}”" if isinstance(first, str) and first else f"row {row.pk}"


def row_add(
    *,
    actor: User,
    table: ArticleTable,
    cells: Mapping[str, object],
    expected_version: int | None = None,
) -> TableRow:
    """A new row at the end: `cells` maps a column id (as text) to its value. A vendor cell
    takes a vendor's id or exact name; a yes/no cell true/false or yes/no; a date YYYY-MM-DD."""
    require_capability(actor, Capability.KB_EDIT)
    with transaction.atomic():
        article = lock_article(table.article_id, expected_version)
        table = _locked_table(table)
        clean = _clean_cells(table, cells)
        existing = TableRow.objects.filter(table=table)
        if existing.count() >= MAX_ROWS:
            raise ServiceError(
                KnowledgeError.TOO_MANY_ROWS, f"A table holds at most {MAX_ROWS:,} rows."
            )
        last = existing.aggregate(last=Max("position"))["last"]
        row = TableRow.objects.create(
            table=table, cells=clean, position=0 if last is None else last + 1
        )
        write_revision(article, actor, f"Added the row {_row_word(table, row)} to “{table.name}”")
        index_one_row(article, table, row)
    return row


def row_update(
    *,
    actor: User,
    row: TableRow,
    cells: Mapping[str, object],
    expected_version: int | None = None,
) -> TableRow:
    """Change the cells given (an empty value clears one); the others stay."""
    require_capability(actor, Capability.KB_EDIT)
    with transaction.atomic():
        table = _table_of(row.table_id)
        article = lock_article(table.article_id, expected_version)
        row = _locked_row(row)
        clean = _clean_cells(table, cells, base=row.cells)
        if clean == row.cells:
            return row
        row.cells = clean
        row.save(update_fields=["cells", "updated_at"])
        write_revision(article, actor, f"Changed the row {_row_word(table, row)} of “{table.name}”")
        index_one_row(article, table, row)
    return row


def row_delete(*, actor: User, row: TableRow, expected_version: int | None = None) -> ArticleTable:
    require_capability(actor, Capability.KB_EDIT)
    with transaction.atomic():
        table = _table_of(row.table_id)
        article = lock_article(table.article_id, expected_version)
        row = _locked_row(row)
        word = _row_word(table, row)
        unindex_rows([row.pk])
        row.delete()
        write_revision(article, actor, f"Deleted the row {word} from “{table.name}”")
    return table


def rows_reorder(
    *,
    actor: User,
    table: ArticleTable,
    row_ids: Sequence[int],
    expected_version: int | None = None,
) -> ArticleTable:
    """Put the rows in this order; `row_ids` must name every row of the table once."""
    require_capability(actor, Capability.KB_EDIT)
    with transaction.atomic():
        article = lock_article(table.article_id, expected_version)
        table = _locked_table(table)
        rows = {row.pk: row for row in table.rows.all()}
        order = list(row_ids)
        if len(order) != len(rows) or set(order) != set(rows):
            raise Invalid(
                f"Name every row of “{table.name}” once, in the new order.", field="row_ids"
            )
        if list(rows) == order:  # table.rows is already in (position, id) order
            return table
        for position, pk in enumerate(order):
            rows[pk].position = position
        TableRow.objects.bulk_update(list(rows.values()), ["position"], batch_size=500)
        write_revision(article, actor, f"Put the rows of “{table.name}” in a new order")
    return table


def row_move(
    *, actor: User, row: TableRow, offset: int, expected_version: int | None = None
) -> ArticleTable:
    """Move one row up (offset -1) or down (+1): the page's arrows, as a reorder."""
    table = _table_of(row.table_id)
    order = list(
        TableRow.objects.filter(table=table).order_by("position", "id").values_list("pk", flat=True)
    )
    if row.pk not in order:
        raise NotFound("Table row")
    index = order.index(row.pk)
    target = max(0, min(len(order) - 1, index + offset))
    order.insert(target, order.pop(index))
    return rows_reorder(actor=actor, table=table, row_ids=order, expected_version=expected_version)
