"""The forms behind the case page's actions: they parse what was typed, nothing more.

Every rule (a next step in the future, a reason to break a promise, who may approve) lives in
the services; a form only turns the posted strings into the values a service takes.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from django import forms
from django.conf import settings

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import Team, User
from followthrough.accounts.selectors import all_teams, staff_users
from followthrough.cases.states import (
    CaseStatus,
    Channel,
    CommitmentKind,
    CommitmentParty,
    Direction,
    Disposition,
    HandoffKind,
    LinkKind,
    NoteVisibility,
    Priority,
    ReferralOutcome,
)
from followthrough.knowledge.models import Vendor
from followthrough.knowledge.selectors.vendors import active_vendors

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _when(*, label: str, required: bool = False) -> forms.DateTimeField:
    """A date and time typed into <input type="datetime-local">, read in the user's zone."""
    return forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        required=required,
        label=label,
    )


def _text(rows: int = 3, **attrs: Any) -> forms.CharField:
    return forms.CharField(widget=forms.Textarea(attrs={"rows": rows}), strip=True, **attrs)


def _version() -> forms.IntegerField:
    # The case version the page was rendered with: a stale page gets the service's conflict.
    return forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class Pickers:
    """The people and teams the page's pickers offer, each loaded at most once per request."""

    @cached_property
    def staff(self) -> list[User]:
        return list(staff_users())

    @cached_property
    def teams(self) -> list[Team]:
        return list(all_teams())

    @cached_property
    def approvers(self) -> list[User]:
        return [u for u in self.staff if u.has_capability(Capability.DECISION_APPROVE)]

    @cached_property
    def vendors(self) -> list[Vendor]:
        return active_vendors()


def _picker(label: str, what: str) -> forms.ChoiceField:
    """A person or team picker; its choices are set per page from Pickers."""
    return forms.ChoiceField(
        required=False,
        label=label,
        error_messages={"invalid_choice": f"Choose {what} from the list."},
    )


def _person_choices(people: list[User], empty: str) -> list[tuple[str, str]]:
    return [("", empty), *((str(p.pk), p.display_name) for p in people)]


def _team_choices(teams: list[Team], empty: str) -> list[tuple[str, str]]:
    return [("", empty), *((str(t.pk), f"{t.name} ({t.get_tier_display()})") for t in teams)]


def _pick(value: str, rows: list[Any], what: str) -> Any:
    """The row whose id was chosen, or None for the empty choice."""
    if not value:
        return None
    by_id = {str(row.pk): row for row in rows}
    if value not in by_id:
        raise forms.ValidationError(f"Choose {what} from the list.")
    return by_id[value]


CASE_NUMBER = re.compile(r"^\s*(?:([A-Za-z0-9]+)\s*-\s*)?(\d{1,12})\s*$")


class CaseNumberField(forms.CharField):
    """A case typed as "FT-12", "ft-12" or "12"; cleans to the case id."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault(
            "error_messages",
            {"required": f"Type a case number, like {settings.CASE_NUMBER_PREFIX}-12."},
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        if not text:
            return None
        prefix = settings.CASE_NUMBER_PREFIX
        match = CASE_NUMBER.match(text)
        if match is None or (match.group(1) and match.group(1).upper() != prefix.upper()):
            raise forms.ValidationError(
                f"“{text}” is not a case number. Type it like {prefix}-12 (or just 12)."
            )
        return int(match.group(2))


class LogCallForm(forms.Form):
    OUTCOMES = [
        ("next_step", "Set a new next step"),
        ("confirm", "Confirm the current next step"),
        ("resolve", "Resolve the case"),
    ]

    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.PHONE)
    direction = forms.ChoiceField(choices=Direction.choices, initial=Direction.INBOUND)
    disposition = forms.ChoiceField(choices=[("", "Choose how it ended"), *Disposition.choices])
    minutes = forms.IntegerField(
        required=False, min_value=0, max_value=24 * 60, label="Length in minutes"
    )
    # Required in the browser too; without JavaScript the service says so in words.
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "required": True}), required=False, label="Note"
    )
    outcome = forms.ChoiceField(choices=OUTCOMES, widget=forms.RadioSelect, label="Outcome")
    next_step = forms.CharField(required=False, max_length=500, label="New next step")
    next_step_due = _when(required=False, label="Due")
    expected_version = _version()


class NoteForm(forms.Form):
    body = _text(rows=4, required=False, label="Note")
    visibility = forms.ChoiceField(
        choices=[
            (NoteVisibility.INTERNAL, "Internal: agents only"),
            (NoteVisibility.PUBLIC, "Public: the customer sees it"),
        ],
        initial=NoteVisibility.INTERNAL,
        widget=forms.RadioSelect,
        label="Who sees it",
    )
    expected_version = _version()


class NextStepForm(forms.Form):
    next_step = forms.CharField(required=False, max_length=500, label="Next step")
    next_step_due = _when(required=False, label="Due")
    expected_version = _version()


class DetailsForm(forms.Form):
    subject = forms.CharField(required=False, max_length=250, label="Subject")
    priority = forms.ChoiceField(choices=Priority.choices, label="Priority")
    category = forms.CharField(required=False, max_length=100, label="Category")
    expected_version = _version()


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=CaseStatus.choices, label="New status")
    reason = _text(rows=2, required=False, label="Reason")
    next_step = forms.CharField(required=False, max_length=500, label="Next step")
    next_step_due = _when(required=False, label="Due")
    expected_version = _version()

    def __init__(self, *args: Any, allowed: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Offer only the moves the state machine allows; any other still reaches the service,
        # whose refusal says why in words.
        if allowed is not None:
            labels = dict(CaseStatus.choices)
            self.fields["status"].widget.choices = [(s, labels[s]) for s in allowed]


class AssignForm(forms.Form):
    owner = _picker("Owner", "a person")
    team = _picker("Team queue", "a team")
    reason = _text(rows=2, required=False, label="Reason")

    def __init__(self, *args: Any, pickers: Pickers, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pickers = pickers
        self.fields["owner"].choices = _person_choices(pickers.staff, "Nobody: the team queue")  # type: ignore[attr-defined]
        self.fields["team"].choices = _team_choices(pickers.teams, "No team")  # type: ignore[attr-defined]

    def clean_owner(self) -> User | None:
        return _pick(self.cleaned_data["owner"], self.pickers.staff, "a person")

    def clean_team(self) -> Team | None:
        return _pick(self.cleaned_data["team"], self.pickers.teams, "a team")


class HandOffForm(forms.Form):
    kind = forms.ChoiceField(choices=HandoffKind.choices, label="Kind")
    to_user = _picker("To a person", "a person")
    to_team = _picker("To a team", "a team")
    summary = _text(rows=3, required=False, label="Summary: what the case is about")
    tried = _text(rows=3, required=False, label="What was tried")
    promised = _text(rows=2, required=False, label="What was promised to the customer")
    next_step = forms.CharField(required=False, max_length=500, label="Next step")
    next_step_due = _when(required=False, label="Due")

    def __init__(self, *args: Any, pickers: Pickers, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pickers = pickers
        self.fields["to_user"].choices = _person_choices(pickers.staff, "Anyone in the team")  # type: ignore[attr-defined]
        self.fields["to_team"].choices = _team_choices(pickers.teams, "No team")  # type: ignore[attr-defined]

    def clean_to_user(self) -> User | None:
        return _pick(self.cleaned_data["to_user"], self.pickers.staff, "a person")

    def clean_to_team(self) -> Team | None:
        return _pick(self.cleaned_data["to_team"], self.pickers.teams, "a team")


class PromiseForm(forms.Form):
    owed_by = forms.ChoiceField(
        choices=CommitmentParty.choices,
        initial=CommitmentParty.US,
        widget=forms.RadioSelect,
        label="Who owes it",
    )
    kind = forms.ChoiceField(choices=CommitmentKind.choices, label="Kind")
    description = forms.CharField(required=False, max_length=500, label="What is promised")
    due_at = _when(required=False, label="Due")
    owner = _picker("Who answers for it on our side", "a person")

    def __init__(self, *args: Any, pickers: Pickers, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pickers = pickers
        self.fields["owner"].choices = _person_choices(pickers.staff, "Choose a person")  # type: ignore[attr-defined]

    def clean_owner(self) -> User:
        owner = _pick(self.cleaned_data["owner"], self.pickers.staff, "a person")
        if owner is None:
            raise forms.ValidationError("Choose who answers for this promise.")
        return owner


class DecisionForm(forms.Form):
    APPROVAL = [
        ("approved", "Approved by"),
        ("none", "No approver reachable"),
    ]

    policy = forms.CharField(required=False, max_length=250, label="Policy it departs from")
    decision = _text(rows=2, required=False, label="Decision")
    rationale = _text(rows=3, required=False, label="Why")
    approval = forms.ChoiceField(
        choices=APPROVAL, initial="approved", widget=forms.RadioSelect, label="Approval"
    )
    approved_by = _picker("Approved by (a lead or admin)", "an approver")
    no_approver_reason = _text(
        rows=2, required=False, label="Who was tried, and why nobody could approve"
    )

    def __init__(self, *args: Any, pickers: Pickers, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pickers = pickers
        self.fields["approved_by"].choices = _person_choices(pickers.approvers, "Choose")  # type: ignore[attr-defined]

    def clean_approved_by(self) -> User | None:
        return _pick(self.cleaned_data["approved_by"], self.pickers.approvers, "an approver")

    def service_args(self) -> dict[str, Any]:
        """The approver, or the reason there is none: exactly what the radio chose."""
        data = self.cleaned_data
        if data["approval"] == "none":
            return {"approved_by": None, "no_approver_reason": data["no_approver_reason"]}
        return {"approved_by": data["approved_by"], "no_approver_reason": ""}


class DecisionOutcomeForm(forms.Form):
    outcome = _text(rows=2, required=False, label="How it turned out")


class SettlePromiseForm(forms.Form):
    reason = _text(rows=2, required=False, label="Note or reason")


class AnswerHandoffForm(forms.Form):
    reason = _text(rows=2, required=False, label="Reason (to decline or cancel)")


class LinkForm(forms.Form):
    other = CaseNumberField(label="Other case")
    kind = forms.ChoiceField(
        choices=LinkKind.choices, initial=LinkKind.RELATED, label="This case is"
    )


class MergeForm(forms.Form):
    into = CaseNumberField(label="Merge this case into")
    reason = _text(rows=2, required=False, label="Reason")
    confirm = forms.CharField(required=False, widget=forms.HiddenInput)

    @property
    def confirmed(self) -> bool:
        return self.cleaned_data.get("confirm") == "yes"


class ReferForm(forms.Form):
    """Send the customer to a vendor, with the time to check back with them."""

    vendor = _picker("Vendor", "a vendor")
    reason = _text(rows=3, required=False, label="What they should ask the vendor for")
    follow_up_due = _when(required=False, label="Check back with the customer by")
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.PHONE, label="Told by")
    set_pending = forms.BooleanField(
        required=False, initial=True, label="Set the case to pending third party"
    )
    expected_version = _version()

    def __init__(self, *args: Any, pickers: Pickers, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pickers = pickers
        choices = [("", "Choose a vendor"), *((str(v.pk), v.name) for v in pickers.vendors)]
        self.fields["vendor"].choices = choices  # type: ignore[attr-defined]

    def clean_vendor(self) -> Vendor:
        vendor = _pick(self.cleaned_data["vendor"], self.pickers.vendors, "a vendor")
        if vendor is None:
            raise forms.ValidationError("Choose the vendor you are sending the customer to.")
        return vendor


class ReferralOutcomeForm(forms.Form):
    OUTCOMES = [(o.value, o.label) for o in ReferralOutcome if o != ReferralOutcome.PENDING]

    outcome = forms.ChoiceField(choices=OUTCOMES, widget=forms.RadioSelect, label="What happened")
    note = _text(rows=2, required=False, label="Note")
    next_step = forms.CharField(required=False, max_length=500, label="Next step")
    next_step_due = _when(required=False, label="Due")
