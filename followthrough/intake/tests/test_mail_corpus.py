"""Every message of the mail corpus, stored and processed as the worker would, with the outcome
it must get (mail_corpus.py says which) and the rules every message keeps whatever it holds:
nothing connects anywhere, nothing is half done, names and headers stay one clean line, and
only images judged by their bytes are ever served inline."""

from __future__ import annotations

import importlib
import socket
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction
from django.test import override_settings

from followthrough.cases.models import Case, Interaction
from followthrough.cases.states import Channel, Direction
from followthrough.intake.errors import IntakeError
from followthrough.intake.models import (
    InboundMessage,
    InboundSource,
    InboundState,
    OutboundKind,
    OutboundMessage,
)
from followthrough.intake.services.mail_inbound import inbound_message_process
from followthrough.intake.services.mail_store import inbound_mail_store
from followthrough.intake.tests.mail_corpus import (
    CORPUS,
    SHOWN_INLINE,
    Context,
    Entry,
    Outcome,
    corpus_context,
    text_is_clean,
)

_STATE = {
    Outcome.NEW_CASE: InboundState.PROCESSED,
    Outcome.ATTACHED: InboundState.PROCESSED,
    Outcome.QUARANTINED: InboundState.QUARANTINED,
    Outcome.IGNORED: InboundState.IGNORED,
}


def desk_state(context: Context) -> dict[str, Any]:
    """What an entry may change, taken before and after it: the setup case's counters and
    status, and how many cases, contacts, messages and sent messages there are."""
    case = Case.objects.get(pk=context.case.pk)
    return {
        "setup_case": (case.interaction_count, case.version, case.status),
        "cases": Case.objects.count(),
        "interactions": Interaction.objects.count(),
        "inbound": InboundMessage.objects.count(),
        "outbound": set(OutboundMessage.objects.values_list("pk", flat=True)),
    }


def forbid_connections(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record (and refuse) any attempt to reach the network: no remote image, no metadata
    address, no DNS look-up may be made while a message is processed."""
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("The mail corpus allows no network access.")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


@pytest.fixture(scope="module")
def context(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Context]:
    """The setup every entry runs against, made once for the module inside a transaction that
    is rolled back at its end; each test runs in a savepoint inside it (as Django's
    TestCase.setUpTestData does), so entries never see each other's mail."""
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
        migration = "followthrough.sla.migrations.0002_default_calendar_and_policy"
        importlib.import_module(migration).create_defaults(apps, None)
        with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("corpus-setup"))):
            made = corpus_context()
    try:
        yield made
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.mark.django_db
@pytest.mark.parametrize("entry", CORPUS, ids=[entry.name for entry in CORPUS])
def test_mail_corpus(
    entry: Entry, context: Context, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in entry.settings:
        setattr(settings, name, value)
    raw = entry.raw(context)
    if entry.earlier is not None:
        entry.earlier(context, raw)
    before = desk_state(context)
    attempts = forbid_connections(monkeypatch)

    stored, created = inbound_mail_store(
        mailbox=context.mailbox, raw=raw, source=InboundSource.IMPORT
    )
    started = time.monotonic()
    inbound_message_process(stored.pk)
    elapsed = time.monotonic() - started
    message = InboundMessage.objects.select_related("case", "interaction").get(pk=stored.pk)

    assert attempts == []
    assert created is entry.created
    if entry.max_seconds is not None:
        assert elapsed < entry.max_seconds
    assert message.state == _STATE[entry.expect.outcome], (message.reason_code, message.reason)
    assert message.reason_code == entry.expect.code, message.reason
    if entry.created:
        assert_effects(entry, message, context, before)
    else:
        # A redelivery is the stored row again, and processing it again changes nothing.
        assert desk_state(context) == before
    assert_inert(message, before)
    if entry.check is not None:
        entry.check(message, context)


def assert_effects(
    entry: Entry, message: InboundMessage, context: Context, before: dict[str, Any]
) -> None:
    after = desk_state(context)
    new_outbound = OutboundMessage.objects.filter(pk__in=after["outbound"] - before["outbound"])
    assert after["inbound"] == before["inbound"] + 1
    outcome = entry.expect.outcome
    if outcome == Outcome.ATTACHED:
        assert not message.opened_case
        assert message.case_id == context.case.pk
        interactions, version, _status = before["setup_case"]
        assert after["setup_case"][0] == interactions + 1
        assert after["setup_case"][1] > version
        assert after["cases"] == before["cases"]
        assert not new_outbound.exists()  # a reply onto a case is never acknowledged
    else:
        # The setup case is untouched by anything that does not attach to it.
        assert after["setup_case"] == before["setup_case"]
    if outcome == Outcome.NEW_CASE:
        case = message.case
        assert case is not None and message.opened_case
        assert case.pk != context.case.pk
        assert after["cases"] == before["cases"] + 1
        assert case.channel == Channel.EMAIL
        assert case.team_id == context.mailbox.team_id
        assert message.interaction is not None
        assert message.interaction.case_id == case.pk
        assert message.interaction.direction == Direction.INBOUND
        acks = list(new_outbound.filter(kind=OutboundKind.ACKNOWLEDGEMENT, case=case))
        assert len(acks) == (1 if entry.ack else 0)
        assert new_outbound.count() == len(acks)
        for ack in acks:
            assert ack.rate_key == message.from_address
            assert ack.auto_submitted
    if outcome in (Outcome.QUARANTINED, Outcome.IGNORED):
        assert after["cases"] == before["cases"]
        assert after["interactions"] == before["interactions"]
        assert not new_outbound.exists()
        assert message.interaction is None
        assert not message.attachments.exists()
        assert message.reason.strip()
        if message.reason_code == IntakeError.MAIL_DUPLICATE:
            assert message.duplicate_of is not None
            assert message.case == message.duplicate_of.case
        else:
            assert message.case is None
    if message.reason_code == IntakeError.MAIL_REFERENCE_REFUSED:
        assert message.reason.strip()
        assert message.interaction is not None
        assert message.reason in message.interaction.note  # the agent sees why


def assert_inert(message: InboundMessage, before: dict[str, Any]) -> None:
    """Whatever a message holds is kept as labels and text that cannot break out: one-line
    subjects and names, file names that are no paths, files stored under random names, only
    sniffed images served inline, and mail we queue with one-line headers."""
    assert text_is_clean(message.subject)
    assert text_is_clean(message.from_name)
    assert text_is_clean(message.from_address)
    if message.case is not None:
        assert text_is_clean(message.case.subject)
    for attachment in message.attachments.all():
        name = attachment.name
        assert name and len(name) <= 200
        assert text_is_clean(name)
        assert "/" not in name and "\\" not in name
        assert not name.startswith(".")
        assert not any(ch in name for ch in "\u200b\u202e\ufeff")
        stored_name = Path(attachment.file.name)
        assert stored_name.parts[:2] == ("mail", "attachments")
        assert stored_name.suffix == ""  # the sender's name plays no part in the path
        served_inline = not attachment.download_only
        assert not served_inline or attachment.content_type in SHOWN_INLINE
        assert attachment.content_type not in ("text/html", "image/svg+xml") or (
            attachment.download_only
        )
    for sent in OutboundMessage.objects.exclude(pk__in=before["outbound"]):
        assert len(sent.to) == 1
        assert sent.cc == []
        assert all(text_is_clean(value) for value in [*sent.to, sent.subject])


def test_the_corpus_covers_every_mail_item() -> None:
    items = Counter(entry.item for entry in CORPUS)
    assert set(range(1, 25)) <= set(items)
    assert items[0] >= 8  # ordinary mail beside the hostile
    assert len(CORPUS) >= 60
    names = [entry.name for entry in CORPUS]
    assert len(names) == len(set(names))
    outcomes = {entry.expect.outcome for entry in CORPUS}
    assert outcomes == set(Outcome)
