"""Why a knowledge-base service refused: stable codes that pages, the API and tests share.

Input that is simply wrong (a title too long, a cell that is not a date) is
core.errors.Invalid; these are the refusals about the state of things.
"""

from enum import StrEnum


class KnowledgeError(StrEnum):
    # Publishing what is already published, or unpublishing what is not.
    ALREADY_PUBLISHED = "article_already_published"
    NOT_PUBLISHED = "article_not_published"
    # A name already used by another table of the article, or another column of the table.
    TABLE_NAME_TAKEN = "table_name_taken"
    COLUMN_NAME_TAKEN = "column_name_taken"
    # An article, a table or a row reached its size limit.
    TOO_MANY_TABLES = "too_many_tables"
    TOO_MANY_COLUMNS = "too_many_columns"
    TOO_MANY_ROWS = "too_many_rows"
    # An edit sent without the version it was based on (If-Match or `version`).
    VERSION_REQUIRED = "version_required"
