"""An agent's choice of which notifications also reach them by email."""

from __future__ import annotations

from django.db import transaction

from followthrough.accounts.capabilities import STAFF_ROLES
from followthrough.accounts.models import User
from followthrough.core.errors import Forbidden, Invalid
from followthrough.intake.models import MailPreference

# The notification kinds a person may turn on or off, as MailPreference's fields.
MAIL_PREFERENCE_FLAGS = ("assigned", "handoff", "promise_due", "deadline", "customer_wrote")


def mail_preference_set(*, actor: User, **flags: bool) -> MailPreference:
    """Set the actor's own mail preferences; flags not named keep their value (all kinds are
    on until someone turns them off)."""
    if actor.role not in STAFF_ROLES:
        raise Forbidden("Only staff get notifications by email.")
    unknown = sorted(set(flags) - set(MAIL_PREFERENCE_FLAGS))
    if unknown:
        raise Invalid(f"There is no mail preference called {', '.join(unknown)}.", field=unknown[0])
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise Invalid(f"The mail preference {name} is on or off (true or false).", field=name)
    with transaction.atomic():
        preference, _ = MailPreference.objects.select_for_update().get_or_create(user=actor)
        for name, value in flags.items():
            setattr(preference, name, value)
        if flags:
            preference.save(update_fields=list(flags))
    return preference
