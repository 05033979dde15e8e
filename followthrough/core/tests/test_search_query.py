"""Reading what people type into search terms, and the words that stand out in a text.

Pure code: no database. Whatever the text, parsing never fails and never hands a database
anything but quoted terms.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from followthrough.core.search.backends import fts5_match, pg_tsquery
from followthrough.core.search.query import (
    MAX_PHRASE_WORDS,
    MAX_TERMS,
    ParsedQuery,
    keywords,
    parse_query,
)


def terms(text: str) -> list[str]:
    return [str(t) for t in parse_query(text).terms]


def test_words_phrases_prefixes_and_exclusions_are_read():
    assert terms('vpn "error 809" instal* -printer -"old model"') == [
        "vpn",
        '"error 809"',
        "instal*",
        "-printer",
        '-"old model"',
    ]


def test_operators_and_punctuation_are_plain_text():
    assert terms("vpn AND (modem OR router) NEAR/3 x") == [
        "vpn",
        "modem",
        "router",
        '"near 3"',
        "x",
    ]
    assert terms('* ** ( ) - -- "" \' ;') == []


def test_stopwords_alone_are_not_searched_but_stay_inside_phrases():
    assert terms("the printer is not on") == ["printer"]
    assert terms('"not on"') == ['"not on"']
    assert not parse_query("the and of").searchable


def test_compound_words_keep_their_text_for_the_index_tokenizer():
    (term,) = parse_query("ES48-2219-0457").terms
    assert term.words == ("es48", "2219", "0457")
    assert term.text == "ES48-2219-0457"
    (email,) = parse_query("maria@acme.example").terms
    assert email.text == "maria@acme.example"


def test_only_exclusions_find_nothing():
    query = parse_query("-printer -modem")
    assert not query.searchable
    assert len(query.negative) == 2


def test_control_characters_and_an_unclosed_quote_are_harmless():
    assert terms("yel\x00low\tmodem") == ["yel", "low", "modem"]
    assert terms('"vpn drops') == ['"vpn drops"']


def test_huge_input_is_cut_to_a_bounded_query():
    query = parse_query("word " * 5000 + " ".join(f"w{i}" for i in range(100)))
    assert len(query.terms) <= MAX_TERMS
    long_phrase = parse_query('"' + " ".join(f"w{i}" for i in range(100)) + '"')
    assert len(long_phrase.terms[0].words) == MAX_PHRASE_WORDS


def test_repeated_terms_count_once():
    assert terms("vpn VPN vpn") == ["vpn"]


def test_fts5_match_quotes_every_term():
    query = parse_query('vpn "error 809" instal* -printer')
    assert fts5_match(query, match_any=False) == (
        '("vpn" AND "error 809" AND "instal" *) NOT "printer"'
    )
    assert fts5_match(parse_query("vpn modem"), match_any=True) == '("vpn" OR "modem")'


def test_postgresql_query_takes_the_text_only_as_parameters():
    sql, params = pg_tsquery(parse_query("vpn' || 1=1 -- instal*"), match_any=False)
    assert "'vpn" not in sql and "1=1" not in sql
    assert params == ["vpn'", "1=1", "'instal':*"]
    assert sql.count("%s") == len(params)


def test_keywords_are_the_distinctive_words_most_frequent_first():
    text = (
        "The antivirus will not install. The installer says another antivirus is present. "
        "Remnants of the old antivirus remain; uninstalling failed twice. Ticket 4711, code 22."
    )
    assert keywords(text, limit=4) == "antivirus uninstalling installer remnants"
    assert "4711" not in keywords(text) and "the" not in keywords(text).split()
    assert keywords("", limit=5) == "" and keywords("a an to 12 34", limit=5) == ""


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_parses_into_safe_queries(text):
    query = parse_query(text)
    assert isinstance(query, ParsedQuery)
    for term in query.terms:
        assert term.words and '"' not in term.text and "\x00" not in term.text
        assert all(w.isalnum() for w in term.words)
    if query.searchable:
        match = fts5_match(query, match_any=False)
        # Every quote in the expression opens or closes a term.
        assert match.count('"') % 2 == 0
        sql, params = pg_tsquery(query, match_any=True)
        assert sql.count("%s") == len(params)
