"""What the cases app tells apps above it, inside the transaction of the change.

Apps above cases (intake sends mail) may not be imported from here (DESIGN.md §4), so a
service announces the fact and their receivers act on it in the same transaction; a receiver
that fails rolls the change back, so nothing is announced that did not happen, or lost.
"""

from __future__ import annotations

from django.dispatch import Signal

# A member of staff added a public note: the customer should get it (kwargs: note, actor).
public_note_added = Signal()

# Notifications were written for people (kwargs: notifications, a list of Notification).
notifications_created = Signal()
