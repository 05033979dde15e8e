"""The search index on the database in use (SQLite FTS5 or PostgreSQL tsvector): what it
finds, how it ranks and marks matches, who may see what, and that no text can break it."""

from __future__ import annotations

import datetime as dt
import importlib
import random

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from followthrough.core.models import SearchDocument
from followthrough.core.search import (
    MAX_LIMIT,
    Filters,
    Scope,
    index_append,
    index_document,
    index_remove,
    index_set_filters,
    register_reindexer,
    registry,
    search,
)
from followthrough.core.search import backends as search_backends
from followthrough.core.search import index as search_index

pytestmark = pytest.mark.django_db

NOTES = Scope(kind="note")
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def doc(object_id: int, title: str, body: str = "", kind: str = "note", **fields) -> None:
    fields.setdefault("created_at", T0 + dt.timedelta(minutes=object_id))
    index_document(kind=kind, object_id=object_id, title=title, body=body, **fields)


def found(text: str, scopes=(NOTES,), **kw) -> list[int]:
    return [h.object_id for h in search(text, scopes=list(scopes), **kw).hits]


@pytest.fixture
def filler():
    """Unrelated documents, so no word of a test is in most of the index (ranking needs it)."""
    for n in range(100, 106):
        doc(n, f"Unrelated {n}", "Weekly maintenance window for the billing database")


# --- Language ------------------------------------------------------------------------------


def test_stemming_finds_other_forms_of_a_word():
    doc(1, "Antivirus", "The customer was uninstalling the old agent.")
    doc(2, "Printer", "Paper jam in tray two.")
    assert found("uninstall") == [1]
    assert found("uninstalled") == [1]
    assert found("uninstalls agents") == [1]


def test_a_quoted_phrase_needs_its_words_together_and_in_order():
    doc(1, "VPN", "Client shows error 809 when connecting")
    doc(2, "VPN", "809 is not the error here")
    assert sorted(found("error 809")) == [1, 2]
    assert found('"error 809"') == [1]


def test_a_word_ending_in_a_star_finds_words_that_start_so():
    doc(1, "Setup", "Installation failed halfway")
    doc(2, "Setup", "Instruction manual missing")
    assert found("instal*") == [1]
    assert sorted(found("ins*")) == [1, 2]


@pytest.mark.parametrize(
    ("stored", "typed"),
    [("Café Müller", "cafe muller"), ("Cafe Muller", "café müller"), ("résumé", "RESUME")],
)
def test_accents_do_not_matter_either_way(stored, typed):
    doc(1, "Customer", f"Visited {stored} yesterday")
    assert found(typed) == [1]


def test_a_minus_word_leaves_out_what_mentions_it():
    doc(1, "Printer", "Printer offline, toner empty")
    doc(2, "Printer", "Printer offline after update")
    assert found("printer -toner") == [2]
    assert found('printer -"after update"') == [1]


def test_all_words_must_match_unless_any_is_asked_for(filler):
    doc(1, "Modem", "Modem reboots nightly")
    doc(2, "Router", "Router drops wifi")
    assert found("modem router") == []
    assert sorted(found("modem router", match_any=True)) == [1, 2]


# --- Ranking and marking -------------------------------------------------------------------


def test_a_match_in_the_title_ranks_above_one_in_the_body(filler):
    doc(1, "Router drops the line", "Customer calls every morning about it")
    doc(2, "Line drops every morning", "Customer says the firewall router is to blame")
    doc(3, "Firewall blocks the portal", "Customer calls every morning about it")
    hits = search("firewall", scopes=[NOTES]).hits
    assert [h.object_id for h in hits] == [3, 2]
    assert hits[0].rank > hits[1].rank
    assert found("router") == [1, 2]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the window is PostgreSQL's")
def test_a_common_word_is_ranked_among_its_newest_matches_only(filler, monkeypatch):
    monkeypatch.setattr(search_backends, "PG_RANK_WINDOW", 2)
    doc(1, "Firewall blocks the portal", "Firewall rule on the firewall")  # best, but oldest
    doc(2, "Portal slow", "The firewall logs show it")
    doc(3, "Portal down", "A firewall update ran last night")

    assert sorted(found("firewall")) == [2, 3]
    assert found("blocks") == [1]  # a rarer word still finds the old document


def test_snippets_escape_the_text_and_mark_only_the_matches():
    doc(
        1,
        "<b>Bold</b> printer & co",
        "Agent wrote <script>alert('x')</script> then: the printer is offline.",
    )
    (hit,) = search("printer", scopes=[NOTES]).hits
    assert "<mark>printer</mark>" in hit.snippet_html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in hit.snippet_html
    assert "<script" not in hit.snippet_html
    assert hit.title_html == "&lt;b&gt;Bold&lt;/b&gt; <mark>printer</mark> &amp; co"
    assert hit.title == "<b>Bold</b> printer & co"
    # The only tags in either are the marks.
    for html in (hit.snippet_html, hit.title_html):
        assert html.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_words_inside_markup_are_found_and_shown_as_text():
    doc(1, "Hostile", "before <script>alert(1)</script> after")
    (hit,) = search("<script>", scopes=[NOTES]).hits
    assert "&lt;<mark>script</mark>&gt;" in hit.snippet_html


def test_marker_characters_in_stored_text_never_become_marks():
    doc(1, "Markers \ue000title\ue001", "Plain \ue000evil\ue001 text about modems")
    (hit,) = search("modems", scopes=[NOTES]).hits
    assert str(hit.snippet_html).count("<mark>") == 1
    assert "<mark>evil" not in hit.snippet_html
    assert "\ue000" not in SearchDocument.objects.get().body


def test_a_title_only_match_still_shows_the_start_of_the_body():
    doc(1, "Firewall", "Nothing about it here, only the first words of the body.")
    (hit,) = search("firewall", scopes=[NOTES]).hits
    assert "Nothing about it here" in hit.snippet_html


# --- Whatever is typed ---------------------------------------------------------------------

HOSTILE = [
    '"',
    '""',
    '"unclosed phrase',
    "(",
    "((printer)",
    "printer)",
    "NEAR(printer modem)",
    "printer NEAR/2 modem",
    "printer AND modem OR NOT toner",
    "*",
    "printer*:*",
    "-",
    "--printer",
    "-printer",
    "!printer & modem | toner <-> x",
    "'; DROP TABLE core_searchdocument; --",
    "printer\x00modem",
    "\\",
    'printer\\" OR 1=1',
    "^printer",
    "col:printer",
    "title:printer",
    "{printer modem}",
    "🖨️ printer",
    "‮printer",
    "x" * 10_000,
    "printer " * 2_000,
    " ".join(f"w{i}" for i in range(3_000)),
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_query_text_gives_results_or_none_never_an_error(text):
    doc(1, "Printer", "Printer offline, modem fine")
    results = search(text, scopes=[NOTES], match_any="OR" in text)
    assert all(h.object_id == 1 for h in results.hits)
    assert SearchDocument.objects.count() == 1


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.text(max_size=80), match_any=st.booleans())
def test_any_text_at_all_gives_results_or_none(text, match_any):
    doc(1, "Printer <b>offline</b>", "Printer offline -- modem fine; café 555-0134 a+b")
    results = search(
        text, scopes=[NOTES, Scope(kind="x", collapse_into="note")], match_any=match_any
    )
    assert all(h.object_id == 1 for h in results.hits)


def test_operator_words_are_searched_as_words():
    doc(1, "Near the door", "The printer near the door")
    doc(2, "Printer", "Far away")
    assert found("near") == [1]
    assert found("printer NEAR door") == [1]


@pytest.mark.parametrize("text", ["", "   ", "the and of", "*", "-printer", "()", "\x00"])
def test_unsearchable_text_finds_nothing_without_a_query(text, django_assert_num_queries):
    doc(1, "The printer", "and of the")
    with django_assert_num_queries(0):
        results = search(text, scopes=[NOTES])
    assert results.hits == [] and results.has_more is False


def test_a_search_is_one_query(django_assert_num_queries, filler):
    doc(1, "Printer", "offline")
    doc(2, "Printer", "online", kind="other", parent_id=1)
    scopes = [NOTES, Scope(kind="other", collapse_into="note")]
    with django_assert_num_queries(1):
        assert found("printer", scopes=scopes) == [1]


# --- Who may see what ----------------------------------------------------------------------


def test_scopes_decide_what_may_be_found():
    doc(1, "Printer", kind="case", organization_id=7, is_public=True, status="open")
    doc(2, "Printer", kind="case", organization_id=8, is_public=True, status="open")
    doc(3, "Printer", kind="article", is_public=False, status="published")
    doc(4, "Printer", kind="article", is_public=True, status="draft")
    doc(5, "Printer", kind="article", is_public=True, status="published")
    published = frozenset({"published"})
    portal = [
        Scope(kind="case", organization_id=7),
        Scope(kind="article", public_only=True, statuses=published),
    ]
    assert sorted(found("printer", scopes=portal)) == [1, 5]
    assert sorted(found("printer", scopes=[Scope(kind="article")])) == [3, 4, 5]
    assert found("printer", scopes=[]) == []
    assert found("printer", scopes=[Scope(kind="article", statuses=frozenset())]) == []


def test_filters_narrow_every_scope():
    doc(1, "Modem", kind="case", status="open", team_id=1, owner_id=10, created_at=T0)
    doc(2, "Modem", kind="case", status="resolved", team_id=1, owner_id=11, created_at=T0)
    doc(3, "Modem", kind="case", status="open", team_id=2, created_at=T0 + dt.timedelta(days=2))
    doc(4, "Modem", kind="article", status="published", created_at=T0)
    scopes = [Scope(kind="case"), Scope(kind="article")]

    def with_filters(**kw) -> list[int]:
        return sorted(found("modem", scopes=scopes, filters=Filters(**kw)))

    assert with_filters(statuses=frozenset({"open"})) == [1, 3]
    assert with_filters(team_id=1) == [1, 2]
    assert with_filters(owner_id=11) == [2]
    assert with_filters(created_from=T0 + dt.timedelta(days=1)) == [3]
    assert with_filters(created_to=T0 + dt.timedelta(days=1)) == [1, 2, 4]
    assert with_filters(statuses=frozenset()) == []
    assert with_filters() == [1, 2, 3, 4]


def test_a_collapsing_scope_gives_one_hit_per_group():
    doc(1, "FT-1 Printer", "offline", kind="case")
    doc(1, "FT-1 Printer", "internal: toner", kind="case_internal", parent_id=1)
    doc(2, "FT-2 Modem", "slow", kind="case")
    doc(2, "FT-2 Modem", "printer driver mentioned", kind="case_internal", parent_id=2)
    scopes = [Scope(kind="case"), Scope(kind="case_internal", collapse_into="case")]
    hits = search("printer", scopes=scopes).hits
    assert [(h.kind, h.object_id) for h in hits] == [("case", 1), ("case_internal", 2)]
    # Only internal text matches case 1 here: that document stands for it.
    (hit,) = search("toner", scopes=scopes).hits
    assert (hit.kind, hit.parent_id) == ("case_internal", 1)
    # Without the internal scope, internal text is never found.
    assert found("toner", scopes=[Scope(kind="case")]) == []


def test_pages_of_hits_say_whether_more_follow():
    for n in range(1, 26):
        doc(n, f"Modem {n}", "modem")
    first = search("modem", scopes=[NOTES], limit=10)
    last = search("modem", scopes=[NOTES], limit=10, offset=20)
    assert len(first.hits) == 10 and first.has_more
    assert len(last.hits) == 5 and not last.has_more
    everything = {
        h.object_id
        for o in (0, 10, 20)
        for h in search("modem", scopes=[NOTES], limit=10, offset=o).hits
    }
    assert everything == set(range(1, 26))


def test_limit_and_offset_are_bounded():
    for n in range(1, 4):
        doc(n, "Modem", "modem")
    assert search("modem", scopes=[NOTES], limit=10_000).hits[0].object_id in {1, 2, 3}
    assert len(search("modem", scopes=[NOTES], limit=10_000).hits) <= MAX_LIMIT
    assert search("modem", scopes=[NOTES], limit=-5).hits == []
    assert len(search("modem", scopes=[NOTES], offset=-5).hits) == 3


# --- Writing the index ---------------------------------------------------------------------


def test_indexing_again_replaces_the_document():
    doc(1, "Printer", "toner empty")
    doc(1, "Printer", "paper jam", status="resolved")
    assert SearchDocument.objects.count() == 1
    assert found("toner") == []
    (hit,) = search("jam", scopes=[NOTES]).hits
    assert hit.status == "resolved"


def test_changing_filters_keeps_the_text_searchable():
    doc(1, "Printer", "toner empty", status="open", owner_id=3)
    assert index_set_filters(kind="note", object_id=1, status="closed", owner_id=None) == 1
    (hit,) = search("toner", scopes=[NOTES]).hits
    assert (hit.status, hit.owner_id) == ("closed", None)
    assert index_set_filters(kind="note", object_id=99, status="closed") == 0
    assert index_set_filters(kind=["note", "other"], object_id=1, team_id=4) == 1
    with pytest.raises(TypeError):
        index_set_filters(kind="note", object_id=1, title="Renamed")


def test_appended_text_is_found_and_a_missing_document_stays_missing():
    doc(1, "Printer", "toner empty")
    index_append(kind="note", object_id=1, text="Replaced the fuser unit")
    assert found("fuser") == [1]
    assert found("toner") == [1]
    index_append(kind="note", object_id=2, text="fuser")
    assert SearchDocument.objects.count() == 1


def test_removed_documents_are_not_found():
    doc(1, "Printer", "toner")
    index_remove(kind="note", object_id=1)
    assert found("toner") == []
    index_remove(kind="note", object_id=1)


def test_a_long_body_keeps_its_head_and_its_newest_tail(monkeypatch):
    monkeypatch.setattr(search_index, "MAX_BODY", 200)
    monkeypatch.setattr(search_index, "BODY_HEAD", 60)
    monkeypatch.setattr(search_index, "BODY_TAIL", 200 - 60 - len(search_index.GAP))
    doc(1, "Printer", "headword " + "middle " * 10)
    for n in range(30):
        index_append(kind="note", object_id=1, text=f"update{n} " + "filler " * 3)
    body = SearchDocument.objects.get().body
    assert len(body) <= 200
    assert body.startswith("headword")
    assert body.rstrip().endswith("filler")
    assert found("headword") == [1]
    assert found("update29") == [1]
    assert found("update0") == []


def random_words(count: int, seed: int = 7) -> str:
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    letters = "abcdefghijklmnopqrstuvwxyz"
    return " ".join(
        "".join(rng.choice(letters) for _ in range(rng.randint(4, 11))) for _ in range(count)
    )


def test_a_one_megabyte_body_is_indexed_and_found_by_its_head_and_tail():
    body = "firstword " + random_words(130_000) + " lastword"
    assert len(body) > 1_000_000
    doc(1, "Huge log", body)
    stored = SearchDocument.objects.get().body
    assert len(stored) <= search_index.MAX_BODY
    assert found("firstword") == [1]
    assert found("lastword") == [1]
    index_append(kind="note", object_id=1, text="appended " + random_words(2_000, seed=8))
    assert found("appended") == [1]
    assert found("firstword") == [1]
    assert found("lastword") == [1]
    assert len(SearchDocument.objects.get().body) <= search_index.MAX_BODY


def test_nul_characters_are_dropped_from_what_is_indexed():
    doc(1, "Prin\x00ter", "ton\x00er")
    index_append(kind="note", object_id=1, text="fu\x00ser")
    stored = SearchDocument.objects.get()
    assert "\x00" not in stored.title + stored.body


# --- Reindexing ----------------------------------------------------------------------------


def test_reindex_command_runs_the_registered_reindexers(monkeypatch):
    monkeypatch.setattr(registry, "_REINDEXERS", dict(registry._REINDEXERS))
    calls = []

    def reindex_widgets() -> int:
        calls.append(1)
        for n in (1, 2):
            doc(n, f"Widget {n}", "sprocket", kind="widget")
        return 2

    register_reindexer("widget", reindex_widgets)
    register_reindexer("widget_part", reindex_widgets)
    call_command("search_reindex", "--kind", "widget", "--kind", "widget_part")
    assert calls == [1]
    assert sorted(found("sprocket", scopes=[Scope(kind="widget")])) == [1, 2]
    with pytest.raises(CommandError, match="No reindexer for gadget"):
        call_command("search_reindex", "--kind", "gadget")


# --- The text index itself -----------------------------------------------------------------


def _text_index_objects() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE name LIKE 'core_searchdocument_fts%%'"
            )
        else:
            cursor.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'core_searchdocument' AND column_name = 'search_vector' "
                "UNION SELECT cfgname FROM pg_ts_config WHERE cfgname = 'followthrough'"
            )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_the_migration_drops_the_text_index_and_makes_it_again():
    migration = importlib.import_module("followthrough.core.migrations.0002_search")
    doc(1, "Printer", "toner before")
    assert _text_index_objects()
    with connection.schema_editor() as editor:
        migration.drop_text_index(None, editor)
    assert _text_index_objects() == set()
    with connection.schema_editor() as editor:
        migration.create_text_index(None, editor)
    # Documents written before the index came back are in it.
    assert found("toner") == [1]
    doc(2, "Printer", "toner after")
    assert sorted(found("toner")) == [1, 2]


def test_documents_are_written_with_their_time():
    at = timezone.now() - dt.timedelta(days=3)
    doc(1, "Printer", "toner", created_at=at)
    (hit,) = search("toner", scopes=[NOTES]).hits
    assert hit.created_at == at
