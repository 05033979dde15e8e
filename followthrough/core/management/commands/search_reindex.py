"""`followthrough search-reindex [--kind K]`: write the search documents afresh from the
records they describe (after an import, a restore, or a change to what a document holds).

Each app registers its reindexers in AppConfig.ready(); they read and write in batches, so
memory stays flat however big the desk is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from followthrough.core.search import registered_kinds, reindexer


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the records: every registered kind of document, or "
        "only --kind K (repeatable). Safe to run while the desk is in use."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--kind",
            action="append",
            dest="kinds",
            metavar="KIND",
            help="Only this kind of document (case, contact, article, …); repeatable.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        known = registered_kinds()
        kinds = options["kinds"] or known
        unknown = sorted(set(kinds) - set(known))
        if unknown:
            raise CommandError(
                f"No reindexer for {', '.join(unknown)}. Known kinds: {', '.join(known)}."
            )
        # One reindexer may write several kinds (a case's two documents): it runs once.
        runs: dict[Callable[[], int], list[str]] = {}
        for kind in dict.fromkeys(kinds):
            runs.setdefault(reindexer(kind), []).append(kind)
        for reindex, its_kinds in runs.items():
            started = time.monotonic()
            count = reindex()
            self.stdout.write(
                f"{', '.join(its_kinds)}: {count} document{'s' if count != 1 else ''} "
                f"indexed in {time.monotonic() - started:.1f} s"
            )
