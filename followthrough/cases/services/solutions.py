"""'This solved it': an agent links the knowledge-base article (and perhaps the table row) that
solved a case, which counts towards the article's usefulness; an undo takes it back."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from followthrough.accounts.access import require_capability
from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import User
from followthrough.cases.errors import CaseError
from followthrough.cases.models import Case, CaseArticle
from followthrough.cases.services._common import lock_case, record, save_case
from followthrough.cases.states import CaseStatus, EventType
from followthrough.core.errors import Invalid, NotFound, ServiceError
from followthrough.knowledge.access import visible_articles
from followthrough.knowledge.models import Article, ArticleStatus, TableRow
from followthrough.knowledge.services.articles import article_count_solution


def _ref(article: Article, row_id: int | None) -> dict[str, Any]:
    return {"article": {"id": article.pk, "title": article.title}, "row": row_id}


def case_mark_solution(
    *, actor: User, case: Case, article: Article, row: TableRow | None = None
) -> CaseArticle:
    """Record that `article` (and, when given, one `row` of its tables) solved `case`.

    The article must be published and visible to the actor; a case names an article once.
    The article's solved count goes up in the same transaction.
    """
    require_capability(actor, Capability.CASE_WORK)
    if row is not None and row.table.article_id != article.pk:
        raise Invalid("That table row belongs to another article.", field="row")
    with transaction.atomic():
        case = lock_case(case)
        if case.status == CaseStatus.CLOSED:
            raise ServiceError(CaseError.CASE_CLOSED, f"{case.number} is closed.")
        current = visible_articles(actor).filter(pk=article.pk).values_list("status", flat=True)
        status = current.first()
        if status is None:
            raise NotFound("Article")
        if status != ArticleStatus.PUBLISHED:
            raise ServiceError(
                CaseError.ARTICLE_NOT_PUBLISHED,
                f"“{article.title}” is not published, so it cannot be named as the solution.",
            )
        if CaseArticle.objects.filter(case=case, article=article).exists():
            raise ServiceError(
                CaseError.SOLUTION_EXISTS,
                f"“{article.title}” is already marked as the solution of {case.number}.",
            )
        solution = CaseArticle.objects.create(case=case, article=article, row=row, linked_by=actor)
        save_case(case)
        record(case, EventType.ARTICLE_SOLVED, actor, after=_ref(article, solution.row_id))
        article_count_solution(article_id=article.pk, delta=1)
    solution.case = case
    return solution


def case_unmark_solution(*, actor: User, case_article: CaseArticle) -> None:
    """Take back a 'this solved it': the link goes, the article's solved count goes down, and
    the case's timeline says so."""
    require_capability(actor, Capability.CASE_WORK)
    with transaction.atomic():
        case = lock_case(case_article.case_id)
        # Re-read under the case's lock: someone may have taken it back a moment ago.
        solution = CaseArticle.objects.select_related("article").filter(pk=case_article.pk).first()
        if solution is None:
            raise NotFound("Solution")
        if case.status == CaseStatus.CLOSED:
            raise ServiceError(CaseError.CASE_CLOSED, f"{case.number} is closed.")
        before = _ref(solution.article, solution.row_id)
        solution.delete()
        save_case(case)
        record(
            case,
            EventType.ARTICLE_SOLVED,
            actor,
            before=before,
            after={"article": None, "row": None},
            reason="Not the solution after all.",
        )
        article_count_solution(article_id=solution.article_id, delta=-1)
