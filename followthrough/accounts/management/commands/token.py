"""`followthrough token …`: API tokens from the server's command line.

    token create --user NAME --name N --scope S [--scope S …] [--expires-days D]
    token create-integration --name N --product P --scope S [--scope S …] --by ADMIN
    token list [--user NAME]
    token revoke PREFIX

Run on the server by an administrator, so it acts as the system: a personal token is made
with its holder as the actor, an integration token on behalf of the admin named by --by.
The new token is printed once, alone on standard output, so a script can capture it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import ApiToken, User
from followthrough.accounts.services import (
    api_token_create,
    api_token_revoke,
    integration_token_create,
)
from followthrough.core.errors import ServiceError

TIME_FORMAT = "%Y-%m-%d %H:%M %Z"


class Command(BaseCommand):
    help = "Create, list and revoke API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        create = actions.add_parser("create", help="A personal token for a member of staff.")
        create.add_argument("--user", required=True, help="Username of the token's holder.")
        _token_arguments(create)

        integration = actions.add_parser(
            "create-integration", help="A token for a system, with a service user of its own."
        )
        integration.add_argument(
            "--product", default="", help="The product whose error reports it sends."
        )
        integration.add_argument(
            "--by", required=True, help="Username of the administrator creating it."
        )
        _token_arguments(integration)

        listing = actions.add_parser("list", help="Tokens (never their secrets).")
        listing.add_argument("--user", help="Only this person's tokens.")

        revoke = actions.add_parser("revoke", help="Stop a token from working, at once.")
        revoke.add_argument("prefix", help="The token's prefix (ft_<prefix>_…) or the token.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "create":
                self._create(options)
            elif action == "create-integration":
                self._create_integration(options)
            elif action == "list":
                self._list(options)
            else:
                self._revoke(options)
        except ServiceError as exc:
            raise CommandError(_explained(exc)) from exc

    def _create(self, options: dict[str, Any]) -> None:
        user = _user(options["user"])
        token, text = api_token_create(
            actor=user,
            user=user,
            name=options["name"],
            scopes=options["scopes"],
            expires_at=_expiry(options["expires_days"]),
        )
        self._show_once(token, text)

    def _create_integration(self, options: dict[str, Any]) -> None:
        token, text = integration_token_create(
            actor=_user(options["by"]),
            name=options["name"],
            scopes=options["scopes"],
            product=options["product"],
            expires_at=_expiry(options["expires_days"]),
        )
        self._show_once(token, text)

    def _show_once(self, token: ApiToken, text: str) -> None:
        self.stderr.write(
            f"Created {token.get_kind_display().lower()} token “{token.name}” for "
            f"{token.user.username} (ft_{token.prefix}_…), scopes: {', '.join(token.scopes)}."
            "\nCopy it now: it will not be shown again."
        )
        self.stdout.write(text)

    def _list(self, options: dict[str, Any]) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("-created_at", "-pk")
        if options["user"]:
            tokens = tokens.filter(user=_user(options["user"]))
        now = timezone.now()
        rows = [("PREFIX", "KIND", "USER", "NAME", "SCOPES", "CREATED", "LAST USED", "STATE")]
        for token in tokens:
            rows.append(
                (
                    token.prefix,
                    token.kind,
                    token.user.username,
                    token.name,
                    ",".join(token.scopes),
                    _when(token.created_at),
                    _when(token.last_used_at) or "never",
                    _state(token, now),
                )
            )
        if len(rows) == 1:
            self.stdout.write("No tokens.")
            return
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            line = "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
            self.stdout.write(line.rstrip())

    def _revoke(self, options: dict[str, Any]) -> None:
        given = options["prefix"].strip()
        prefix = given.removeprefix("ft_").split("_")[0]
        token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
        if not prefix or token is None:
            raise CommandError(f"No token with the prefix {given[:20]!r}.")
        # The system acts for the holder: revoking is always allowed on the server.
        api_token_revoke(actor=token.user, token=token)
        self.stdout.write(f"Revoked “{token.name}” (ft_{token.prefix}_…) of {token.user.username}.")


def _token_arguments(parser: CommandParser) -> None:
    parser.add_argument("--name", required=True, help="What the token is for.")
    parser.add_argument(
        "--scope",
        dest="scopes",
        action="append",
        required=True,
        metavar="SCOPE",
        help="A capability the token may use; repeat for more. "
        f"One of: {', '.join(Capability.values)}.",
    )
    parser.add_argument(
        "--expires-days",
        type=int,
        default=None,
        metavar="D",
        help="Expire after D days (default: never).",
    )


def _user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user called {username!r}.")
    return user


def _expiry(days: int | None) -> dt.datetime | None:
    if days is None:
        return None
    if days < 1:
        raise CommandError("--expires-days must be 1 or more.")
    return timezone.now() + dt.timedelta(days=days)


def _when(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime(TIME_FORMAT) if moment else ""


def _state(token: ApiToken, now: dt.datetime) -> str:
    if token.revoked_at is not None:
        return f"revoked {_when(token.revoked_at)}"
    if token.expires_at is not None and token.expires_at <= now:
        return f"expired {_when(token.expires_at)}"
    if token.expires_at is not None:
        return f"active until {_when(token.expires_at)}"
    return "active"


def _explained(exc: ServiceError) -> str:
    if exc.details.get("field") == "scopes":
        return f"{exc.message} Scopes are: {', '.join(Capability.values)}."
    return exc.message
