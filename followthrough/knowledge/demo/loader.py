"""Loads the demo knowledge base through the knowledge services, like a desk's own staff would:
vendors first (tables name them), then each article with its tables, published or left as a
draft. The searches that found nothing are logged so the knowledge report has something to say.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from followthrough.accounts.models import User
from followthrough.core.search import search_log
from followthrough.knowledge.demo.data import ARTICLES, EMPTY_SEARCHES, VENDORS
from followthrough.knowledge.models import Article, ColumnType, TableRow, Vendor
from followthrough.knowledge.services.articles import article_create, article_publish
from followthrough.knowledge.services.tables import row_add, table_create
from followthrough.knowledge.services.vendors import vendor_create


class KnowledgeDemo:
    def __init__(self, users: dict[str, User]) -> None:
        self.users = users
        self.vendors: dict[str, Vendor] = {}
        self.articles: dict[str, Article] = {}
        # The first cell of each row ("Vireo AV") to the row, for the stories to point at.
        self.rows: dict[str, TableRow] = {}

    def load(self) -> None:
        admin = self.users["admin"]
        for v in VENDORS:
            self.vendors[v.name] = vendor_create(
                actor=admin,
                name=v.name,
                support_phone=v.phone,
                support_url=v.url,
                support_email=v.email,
                hours=v.hours,
                time_zone=v.time_zone,
                notes=v.notes,
                products=v.products,
            )
        today = timezone.localdate()
        for spec in ARTICLES:
            owner = self.users[spec.owner]
            article = article_create(
                actor=owner,
                title=spec.title,
                body=spec.body,
                visibility=spec.visibility,
                category=spec.category,
                tags=spec.tags,
                products=spec.products,
                owner=owner,
                review_by=today + dt.timedelta(days=spec.review_in_days),
                summary="First version",
            )
            for table_spec in spec.tables:
                table = table_create(
                    actor=owner, article=article, name=table_spec.name, columns=table_spec.columns
                )
                columns = list(table.columns.order_by("position", "id"))
                for values in table_spec.rows:
                    cells: dict[str, object] = {}
                    for column, value in zip(columns, values, strict=True):
                        if column.type == ColumnType.VENDOR:
                            value = self.vendors[str(value)].pk
                        cells[str(column.pk)] = value
                    self.rows[str(values[0])] = row_add(actor=owner, table=table, cells=cells)
            if spec.publish:
                article = article_publish(actor=self.users["lena"], article=article)
            self.articles[spec.key] = article
        for username, query in EMPTY_SEARCHES:
            search_log(
                user_id=self.users[username].pk, query=query, kinds=["article"], result_count=0
            )
