"""Every desk starts with one calendar and one default policy, so every case has deadlines.

Administrators change hours, holidays and targets in the admin; the same targets apply to
every plan tier until someone adds a policy for a tier on purpose.
"""

import datetime as dt

from django.conf import settings
from django.db import migrations

# Business minutes: (first response, next response, resolution).
DEFAULT_TARGETS = {
    "P1": (60, 120, 8 * 60),
    "P2": (4 * 60, 8 * 60, 3 * 8 * 60),
    "P3": (8 * 60, 16 * 60, 5 * 8 * 60),
    "P4": (16 * 60, 24 * 60, 10 * 8 * 60),
}


def create_defaults(apps, schema_editor):
    BusinessCalendar = apps.get_model("sla", "BusinessCalendar")
    BusinessHours = apps.get_model("sla", "BusinessHours")
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SlaTarget = apps.get_model("sla", "SlaTarget")
    EscalationRule = apps.get_model("sla", "EscalationRule")
    if SlaPolicy.objects.filter(is_default=True).exists():
        return
    calendar = BusinessCalendar.objects.create(
        name="Support hours", time_zone=getattr(settings, "TIME_ZONE", "UTC") or "UTC"
    )
    BusinessHours.objects.bulk_create(
        BusinessHours(calendar=calendar, weekday=day, opens=dt.time(9), closes=dt.time(17))
        for day in range(5)
    )
    policy = SlaPolicy.objects.create(name="Standard", calendar=calendar, is_default=True)
    SlaTarget.objects.bulk_create(
        SlaTarget(
            policy=policy,
            priority=priority,
            first_response_minutes=first,
            next_response_minutes=following,
            resolution_minutes=resolution,
        )
        for priority, (first, following, resolution) in DEFAULT_TARGETS.items()
    )
    EscalationRule.objects.create(
        policy=policy, metric="first_response", stage="breach", action="assign_to_lead"
    )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_calendars_and_policies")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
