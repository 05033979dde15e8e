"""The form under the customer 360 on the new-call page: open a case from this call.

The form only parses what was typed; the rules (a note, a next step in the future, an owner
or a queue) live in case_open_from_call, whose refusals the page shows in words.
"""

from __future__ import annotations

from typing import Any

from django import forms

from followthrough.accounts.models import Team, User
from followthrough.cases.states import Disposition, Priority
from followthrough.customers.models import Asset, Organization

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

OUTCOME_NEXT_STEP = "next_step"
OUTCOME_RESOLVED = "resolved"
OWNER_ME = "me"
OWNER_TEAM = "team"


class AssetChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Asset) -> str:
        return f"{obj.product} · serial {obj.serial_number}"


class CallOpenCaseForm(forms.Form):
    # Who the call is from: the page that showed the 360 fills these in.
    organization = forms.IntegerField(widget=forms.HiddenInput)
    contact = forms.IntegerField(widget=forms.HiddenInput, required=False)
    started_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    subject = forms.CharField(
        label="Subject",
        max_length=250,
        required=False,
        widget=forms.TextInput(
            attrs={"required": True, "placeholder": "In a few words: what is wrong?"}
        ),
    )
    note = forms.CharField(
        label="What the caller said",
        required=False,
        widget=forms.Textarea(
            attrs={
                "required": True,
                "rows": 4,
                "placeholder": "The problem in their words, what you checked, what you told them.",
            }
        ),
    )
    disposition = forms.ChoiceField(
        label="How the call ended", choices=Disposition.choices, initial=Disposition.NEXT_STEP_SET
    )
    priority = forms.ChoiceField(label="Priority", choices=Priority.choices, initial=Priority.P3)
    category = forms.CharField(
        label="Category",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Network, Installation"}),
    )
    asset = AssetChoiceField(
        label="Product", queryset=Asset.objects.none(), required=False, empty_label="None"
    )
    outcome = forms.ChoiceField(
        label="What happens next",
        choices=[
            (OUTCOME_NEXT_STEP, "Set a next step"),
            (OUTCOME_RESOLVED, "Resolved on this call"),
        ],
        initial=OUTCOME_NEXT_STEP,
        widget=forms.RadioSelect,
    )
    next_step = forms.CharField(
        label="Next step",
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Call back with the driver fix"}),
    )
    next_step_due = forms.DateTimeField(label="Due", required=False, widget=DATETIME_INPUT)
    owner = forms.ChoiceField(label="Owner", widget=forms.RadioSelect, initial=OWNER_ME)

    def __init__(
        self,
        *args: Any,
        organization: Organization,
        user: User,
        team: Team | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        asset_field = self.fields["asset"]
        assert isinstance(asset_field, AssetChoiceField)  # noqa: S101 - declared above
        asset_field.queryset = Asset.objects.filter(organization=organization).order_by(
            "product", "serial_number"
        )
        owners = [(OWNER_ME, f"Me ({user.display_name})")]
        if team is not None:
            owners.append((OWNER_TEAM, f"The {team.name} queue"))
        owner_field = self.fields["owner"]
        assert isinstance(owner_field, forms.ChoiceField)  # noqa: S101 - declared above
        owner_field.choices = owners

    @property
    def resolve(self) -> bool:
        return self.cleaned_data.get("outcome") == OUTCOME_RESOLVED
