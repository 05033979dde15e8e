"""The knowledge-base API: who may read and write what, stale edits, unknown fields, drafts
hidden from customers, revisions and diffs, and the tables."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from followthrough.accounts.capabilities import Role
from followthrough.accounts.tests.api_client import (
    API,
    api_delete,
    api_get,
    api_post,
    assert_problem,
    bearer,
    session_post,
    token_for,
)
from followthrough.accounts.tests.factories import UserFactory
from followthrough.core.models import SearchDocument
from followthrough.knowledge.models import (
    Article,
    ArticleRevision,
    ArticleStatus,
    ArticleVisibility,
    TableRow,
)
from followthrough.knowledge.tests.factories import (
    VendorFactory,
    add_row,
    column_ids,
    incompatible_table,
    published_article,
    write_article,
)

HOSTILE_BODY = (
    "[x](javascript:alert(1)) [y](JaVaScRiPt:alert(2)) [z](javascript:javascript:alert(3)) "
    "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==) <script>alert(5)</script> "
    "[ok](https://example.com)"
)


def api_patch(client: Client, path: str, text: str, body: Any, **headers: str) -> Any:
    return client.patch(
        API + path,
        data=json.dumps(body),
        content_type="application/json",
        headers={**bearer(text), **headers},
    )


@pytest.fixture
def agent_token(agent):
    return token_for(agent)


@pytest.fixture
def lead_token(tier1_lead):
    return token_for(tier1_lead)


@pytest.fixture
def customer_client(customer_user):
    """A portal customer signed in with a session (customers hold no API tokens)."""
    signed_in = Client()
    signed_in.force_login(customer_user)
    return signed_in


def session_patch(client: Client, path: str, body: Any) -> Any:
    return client.patch(API + path, data=json.dumps(body), content_type="application/json")


# --- Articles ---


def test_signed_out_callers_get_401(client, agent):
    article = write_article(agent)
    response = client.get(f"{API}/articles/{article.pk}")
    assert_problem(response, 401, "unauthenticated")


def test_create_returns_the_draft_with_sanitised_html(client, agent, agent_token):
    response = api_post(
        client,
        "/articles",
        agent_token,
        {
            "title": "Removal tools",
            "body": HOSTILE_BODY,
            "visibility": "public",
            "category": "Antivirus",
            "tags": ["Install"],
            "products": ["Vireo AV"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["ETag"] == '"1"'
    assert response["Location"] == f"/api/v1/articles/{body['id']}"
    assert (body["status"], body["version"], body["tags"]) == ("draft", 1, ["install"])
    assert body["owner"]["id"] == agent.pk
    html = body["body_html"]
    assert "<script" not in html
    assert 'href="javascript' not in html.lower()
    assert 'href="data:' not in html
    assert 'href="https://example.com" rel="noopener noreferrer nofollow"' in html
    assert body["body"] == HOSTILE_BODY


def test_create_refuses_unknown_fields_and_saves_nothing(client, agent_token):
    response = api_post(
        client, "/articles", agent_token, {"title": "x", "is_staff": True, "solved_count": 9}
    )
    assert_problem(response, 422, "invalid")
    assert not Article.objects.exists()


def test_create_refuses_a_huge_title_and_a_tag_list_too_long(client, agent_token):
    assert_problem(
        api_post(client, "/articles", agent_token, {"title": "x" * 1_000_000}), 422, "invalid"
    )
    tags = [f"t{n}" for n in range(21)]
    assert_problem(
        api_post(client, "/articles", agent_token, {"title": "x", "tags": tags}), 422, "invalid"
    )
    assert not Article.objects.exists()


def test_technicians_read_but_cannot_write(client, agent):
    technician = UserFactory.create(role=Role.TECHNICIAN)
    text = token_for(technician)
    article = write_article(agent)
    assert api_get(client, f"/articles/{article.pk}", text).status_code == 200
    assert_problem(api_post(client, "/articles", text, {"title": "Mine"}), 403, "forbidden")
    assert Article.objects.count() == 1


def test_customers_read_only_published_public_articles(agent, tier1_lead, customer_client):
    draft = write_article(agent, title="Draft", visibility=ArticleVisibility.PUBLIC)
    internal = published_article(agent, tier1_lead, title="Internal")
    public = published_article(
        agent, tier1_lead, title="Public", visibility=ArticleVisibility.PUBLIC
    )
    for hidden in (draft, internal):
        assert_problem(customer_client.get(f"{API}/articles/{hidden.pk}"), 404, "not_found")
    response = customer_client.get(f"{API}/articles/{public.pk}")
    assert response.status_code == 200
    assert response.json()["owner"] is None
    listed = customer_client.get(f"{API}/articles").json()
    assert [a["title"] for a in listed["items"]] == ["Public"]
    # And a missing article looks the same as a hidden one.
    assert_problem(customer_client.get(f"{API}/articles/999999"), 404, "not_found")
    assert_problem(customer_client.get(f"{API}/articles/{public.pk}/revisions"), 403, "forbidden")


def test_customers_cannot_change_public_articles_or_their_tables(
    agent, tier1_lead, customer_client
):
    article = published_article(agent, tier1_lead, visibility=ArticleVisibility.PUBLIC)
    table = incompatible_table(agent, article)
    article.refresh_from_db()
    version = article.version
    response = session_patch(
        customer_client, f"/articles/{article.pk}", {"title": "Mine", "version": version}
    )
    assert_problem(response, 403, "forbidden")
    product = column_ids(table)["Product"]
    response = session_post(customer_client, f"/tables/{table.pk}/rows", {"cells": {product: "x"}})
    assert_problem(response, 403, "forbidden")
    article.refresh_from_db()
    assert (article.title, article.version, TableRow.objects.count()) == (
        "Resetting the FX-200 modem",
        version,
        0,
    )


def test_list_filters_and_pages(client, agent, agent2, tier1_lead, agent_token):
    for n in range(3):
        write_article(agent, title=f"Modem {n}", tags=["modem"])
    write_article(agent2, title="Switch", category="Hardware")
    published_article(agent, tier1_lead, title="Modem published")
    first = api_get(client, "/articles", agent_token, q="modem", limit=2, sort="title").json()
    assert [a["title"] for a in first["items"]] == ["Modem 0", "Modem 1"]
    second = api_get(
        client,
        "/articles",
        agent_token,
        q="modem",
        limit=2,
        sort="title",
        cursor=first["next_cursor"],
    ).json()
    assert [a["title"] for a in second["items"]] == ["Modem 2", "Modem published"]
    assert second["next_cursor"] is None
    mine = api_get(client, "/articles", agent_token, owner="me", tag="MODEM").json()
    assert {a["title"] for a in mine["items"]} == {"Modem 0", "Modem 1", "Modem 2"}
    published = api_get(client, "/articles", agent_token, status="published").json()
    assert [a["title"] for a in published["items"]] == ["Modem published"]


def test_list_takes_one_value_of_a_repeated_param_and_refuses_bad_sorts_and_cursors(
    client, agent, agent_token
):
    write_article(agent, title="Draft one")
    response = client.get(
        f"{API}/articles?status=published&status=draft&status[]=x", headers=bearer(agent_token)
    )
    assert response.status_code == 200
    assert {a["status"] for a in response.json()["items"]} == {"draft"}
    assert_problem(api_get(client, "/articles", agent_token, sort="id; drop"), 422, "invalid")
    assert_problem(api_get(client, "/articles", agent_token, cursor="bm90IG1pbmU"), 422, "invalid")


def test_edit_needs_the_current_version(client, agent, agent_token):
    article = write_article(agent, title="Original")
    path = f"/articles/{article.pk}"
    assert_problem(
        api_patch(client, path, agent_token, {"title": "No version"}), 428, "version_required"
    )
    ok = api_patch(client, path, agent_token, {"title": "Second"}, **{"If-Match": '"1"'})
    assert ok.status_code == 200, ok.content
    assert (ok["ETag"], ok.json()["title"]) == ('"2"', "Second")
    stale = api_patch(client, path, agent_token, {"title": "Stale"}, **{"If-Match": '"1"'})
    body = assert_problem(stale, 412, "stale_version")
    assert body["current_version"] == 2
    stale_field = api_patch(client, path, agent_token, {"title": "Stale", "version": 1})
    assert_problem(stale_field, 412, "stale_version")
    article.refresh_from_db()
    assert (article.title, article.version, article.revisions.count()) == ("Second", 2, 2)


def test_edit_clears_what_is_sent_as_null_and_keeps_what_is_not_sent(client, agent, agent_token):
    article = write_article(agent, category="Modems", tags=["fx"])
    response = api_patch(
        client, f"/articles/{article.pk}", agent_token, {"category": None, "version": 1}
    )
    assert response.status_code == 200, response.content
    assert (response.json()["category"], response.json()["tags"]) == (None, ["fx"])


def test_publish_and_unpublish(client, agent, agent_token, lead_token):
    article = write_article(agent)
    path = f"/articles/{article.pk}"
    assert_problem(api_post(client, f"{path}/publish", agent_token, {}), 403, "forbidden")
    response = api_post(client, f"{path}/publish", lead_token, {"reason": "Reviewed"})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response["ETag"]) == ("published", '"2"')
    assert_problem(
        api_post(client, f"{path}/publish", lead_token, {}), 409, "article_already_published"
    )
    response = api_post(client, f"{path}/unpublish", lead_token, {})
    assert response.json()["status"] == "unpublished"
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.UNPUBLISHED


def test_revisions_and_diff(client, agent, agent_token):
    article = write_article(agent, title="Steps", body="one\ntwo\nthree")
    api_patch(
        client,
        f"/articles/{article.pk}",
        agent_token,
        {"body": "one\n2\nthree", "version": 1, "summary": "Number"},
    )
    revisions = api_get(client, f"/articles/{article.pk}/revisions", agent_token).json()
    assert [(r["number"], r["summary"]) for r in revisions["items"]] == [
        (2, "Number"),
        (1, "Written"),
    ]
    diff = api_get(client, f"/articles/{article.pk}/revisions/2/diff", agent_token).json()
    assert (diff["from_number"], diff["to_number"]) == (1, 2)
    (text,) = diff["sections"]
    assert text["name"] == "Text"
    assert "-two" in text["diff"]
    assert "+2" in text["diff"]
    same = api_get(
        client, f"/articles/{article.pk}/revisions/2/diff", agent_token, against=2
    ).json()
    assert same["sections"] == []
    missing = api_get(client, f"/articles/{article.pk}/revisions/9/diff", agent_token)
    assert_problem(missing, 404, "not_found")


# --- Tables ---


def test_tables_columns_and_rows_through_the_api(client, agent, agent_token):
    vendor = VendorFactory.create(name="Vireo Software")
    article = write_article(agent)
    response = api_post(
        client,
        f"/articles/{article.pk}/tables",
        agent_token,
        {
            "name": "Incompatible products",
            "columns": [
                {"name": "Product", "type": "text"},
                {"name": "Vendor", "type": "vendor"},
                {"name": "Tool", "type": "url"},
            ],
        },
    )
    assert response.status_code == 201, response.content
    table = response.json()
    assert response["ETag"] == '"2"'
    product, vendor_col, tool = (str(c["id"]) for c in table["columns"])

    bad = api_post(
        client,
        f"/tables/{table['id']}/rows",
        agent_token,
        {"cells": {product: "Vireo AV", tool: "javascript:alert(1)"}},
    )
    body = assert_problem(bad, 422, "invalid")
    assert "“Tool”" in body["detail"]
    assert not TableRow.objects.exists()

    row = api_post(
        client,
        f"/tables/{table['id']}/rows",
        agent_token,
        {"cells": {product: "Vireo AV", vendor_col: vendor.pk, tool: "https://vireo.example/t"}},
    )
    assert row.status_code == 201, row.content
    assert row.json()["shown"][vendor_col] == "Vireo Software"
    row_id = row.json()["id"]

    changed = api_patch(client, f"/rows/{row_id}", agent_token, {"cells": {tool: None}})
    assert changed.status_code == 200, changed.content
    assert tool not in changed.json()["cells"]

    column = api_post(
        client, f"/tables/{table['id']}/columns", agent_token, {"name": "Checked", "type": "date"}
    )
    assert column.status_code == 201
    renamed = api_patch(
        client, f"/columns/{column.json()['id']}", agent_token, {"name": "Last checked"}
    )
    assert renamed.json()["name"] == "Last checked"
    assert api_delete(client, f"/columns/{column.json()['id']}", agent_token).status_code == 204

    edited = api_patch(
        client, f"/tables/{table['id']}", agent_token, {"name": "Blockers", "row_ids": [row_id]}
    )
    assert edited.json()["name"] == "Blockers"

    assert api_delete(client, f"/rows/{row_id}", agent_token).status_code == 204
    assert not SearchDocument.objects.filter(kind="table_row").exists()
    assert api_delete(client, f"/tables/{table['id']}", agent_token).status_code == 204
    article.refresh_from_db()
    assert article.version == ArticleRevision.objects.filter(article=article).count() == 10


def test_table_edit_with_a_stale_if_match_changes_nothing(client, agent, agent_token):
    article = write_article(agent)
    table = incompatible_table(agent, article)
    add_row(agent, table, Product="Keep")
    response = api_patch(
        client, f"/tables/{table.pk}", agent_token, {"name": "New"}, **{"If-Match": '"1"'}
    )
    assert_problem(response, 412, "stale_version")
    table.refresh_from_db()
    assert table.name == "Incompatible products"


def test_table_name_taken_is_a_conflict(client, agent, agent_token):
    article = write_article(agent)
    incompatible_table(agent, article)
    response = api_post(
        client, f"/articles/{article.pk}/tables", agent_token, {"name": "incompatible PRODUCTS"}
    )
    assert_problem(response, 409, "table_name_taken")


def test_tables_of_drafts_are_hidden_from_customers(agent, customer_client):
    article = write_article(agent, visibility=ArticleVisibility.PUBLIC)
    table = incompatible_table(agent, article)
    row = add_row(agent, table, Product="Hidden")
    response = session_post(customer_client, f"/tables/{table.pk}/columns", {"name": "x"})
    assert_problem(response, 404, "not_found")
    assert_problem(customer_client.delete(f"{API}/rows/{row.pk}"), 404, "not_found")
    assert TableRow.objects.filter(pk=row.pk).exists()


def test_a_customer_cannot_tell_who_owns_an_article_by_filtering(
    agent, agent2, tier1_lead, customer_client
):
    public = {"visibility": ArticleVisibility.PUBLIC}
    published_article(agent, tier1_lead, title="Agent's", owner=agent, **public)
    published_article(agent2, tier1_lead, title="Agent2's", owner=agent2, **public)

    for owner in (agent, agent2):
        listed = customer_client.get(f"{API}/articles", {"owner": owner.pk}).json()
        assert sorted(a["title"] for a in listed["items"]) == ["Agent's", "Agent2's"]
