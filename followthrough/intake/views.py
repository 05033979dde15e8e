"""The email channel's pages: the mail log and quarantine, one message with its actions, the
downloads, a case's mail panel and a person's mail settings.

Each view: parse -> access_* -> one service or selector -> answer. Customers and people
without case.view get the same 404 as for a page that is not there.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.decorators import signed_in_user
from followthrough.cases.access import access_case
from followthrough.cases.forms import CaseNumberField
from followthrough.cases.models import format_case_number
from followthrough.core.errors import Invalid, NotFound, ServiceError
from followthrough.intake import selectors
from followthrough.intake.access import (
    access_case_mail,
    access_inbound_attachment,
    access_inbound_message,
    access_mail,
    access_mail_preference,
)
from followthrough.intake.models import InboundMessage, InboundState, MailPreference
from followthrough.intake.selectors import MAIL_LOG_TABS, MailLogTab
from followthrough.intake.services.mail_inbound import (
    inbound_message_discard,
    inbound_message_release,
    inbound_message_retry,
)
from followthrough.intake.services.mail_preferences import (
    MAIL_PREFERENCE_FLAGS,
    mail_preference_set,
)

# Served inline only when the bytes were judged to be one of these; anything else downloads.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif"})
# A file from a stranger may not run anything, even opened on its own.
DOWNLOAD_CSP = "sandbox; default-src 'none'"
MAX_NOTE = 2000


# --- Forms: they parse what was typed; the rules are the services'. ---


class ReleaseForm(forms.Form):
    case = CaseNumberField(
        required=False,
        label="Case number",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    note = forms.CharField(
        required=False,
        max_length=MAX_NOTE,
        label="Note",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DiscardForm(forms.Form):
    reason = forms.CharField(
        max_length=MAX_NOTE,
        label="Why discard it",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why the message is discarded."},
    )


class MailSettingsForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in MAIL_PREFERENCE_FLAGS:
            label = getattr(MailPreference._meta.get_field(name), "verbose_name", name)
            self.fields[name] = forms.BooleanField(required=False, label=str(label))


# --- The mail log ---


def _before(value: str | None) -> int | None:
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise Invalid("The page link is not one this desk gave out.", field="before")
    return int(value)


@require_GET
def mail_log(request: HttpRequest) -> HttpResponse:
    access_mail(signed_in_user(request))
    try:
        tab = MailLogTab(request.GET.get("tab") or MailLogTab.QUARANTINED)
    except ValueError:
        raise Invalid("There is no such tab in the mail log.", field="tab") from None
    label, state = MAIL_LOG_TABS[tab]
    page = selectors.mail_log(state, _before(request.GET.get("before")))
    context = {
        "nav": "mail",
        "tab": tab,
        "tab_label": label,
        "tabs": [(key, name) for key, (name, _) in MAIL_LOG_TABS.items()],
        "page": page,
        "before": request.GET.get("before") or "",
    }
    return render(request, "intake/mail_log.html", context)


# --- One message, and what an agent may do with it ---


def _message_page(
    request: HttpRequest,
    message: InboundMessage,
    *,
    panel: str = "",
    error: str = "",
    bound: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    user = signed_in_user(request)
    waiting = message.state in (InboundState.QUARANTINED, InboundState.IGNORED)
    release_form = bound if panel == "release" and bound else ReleaseForm(auto_id="release-%s")
    discard_form = bound if panel == "discard" and bound else DiscardForm(auto_id="discard-%s")
    context = {
        "nav": "mail",
        "message": message,
        "text": selectors.inbound_message_text(message),
        "attachments": selectors.inbound_message_attachments(message),
        "can_act": waiting and user.has_capability(Capability.CASE_OPEN),
        "waiting": waiting,
        "panel": panel,
        "panel_error": error,
        "release_form": release_form,
        "discard_form": discard_form,
    }
    return render(request, "intake/message.html", context, status=status)


def _refused(
    request: HttpRequest,
    message_id: int,
    panel: str,
    error: str,
    bound: forms.Form | None = None,
) -> HttpResponse:
    """The message page again, as it now is, with the refusal in words inside its panel."""
    message = access_inbound_message(signed_in_user(request), message_id)
    return _message_page(request, message, panel=panel, error=error, bound=bound, status=400)


def _outcome(message: InboundMessage) -> str:
    if message.state == InboundState.PROCESSED and message.case is not None:
        how = "opened" if message.opened_case else "is now on"
        return f"Message {message.pk} {how} {message.case.number}."
    state = message.get_state_display().lower()
    return f"Message {message.pk} is {state} again: {message.reason}"


@require_GET
def mail_message(request: HttpRequest, message_id: int) -> HttpResponse:
    message = access_inbound_message(signed_in_user(request), message_id)
    return _message_page(request, message)


@require_POST
def mail_message_retry(request: HttpRequest, message_id: int) -> HttpResponse:
    user = signed_in_user(request)
    message = access_inbound_message(user, message_id)
    try:
        done = inbound_message_retry(actor=user, message=message)
    except ServiceError as exc:
        return _refused(request, message.pk, "retry", exc.message)
    messages.success(request, f"Retried. {_outcome(done)}")
    return redirect("mail_message", message_id=message.pk)


@require_POST
def mail_message_release(request: HttpRequest, message_id: int) -> HttpResponse:
    user = signed_in_user(request)
    message = access_inbound_message(user, message_id)
    form = ReleaseForm(request.POST, auto_id="release-%s")
    if not form.is_valid():
        return _refused(request, message.pk, "release", "Check the fields below.", form)
    number = form.cleaned_data["case"]
    case = None
    if number is not None:
        try:
            case = access_case(user, number)
        except NotFound:
            form.add_error("case", f"There is no case {format_case_number(number)}.")
            return _refused(request, message.pk, "release", "Check the fields below.", form)
    try:
        done = inbound_message_release(
            actor=user, message=message, case=case, note=form.cleaned_data["note"]
        )
    except ServiceError as exc:
        return _refused(request, message.pk, "release", exc.message, form)
    messages.success(request, f"Released. {_outcome(done)}")
    return redirect("mail_message", message_id=message.pk)


@require_POST
def mail_message_discard(request: HttpRequest, message_id: int) -> HttpResponse:
    user = signed_in_user(request)
    message = access_inbound_message(user, message_id)
    form = DiscardForm(request.POST, auto_id="discard-%s")
    if not form.is_valid():
        return _refused(request, message.pk, "discard", "Check the fields below.", form)
    try:
        inbound_message_discard(actor=user, message=message, reason=form.cleaned_data["reason"])
    except ServiceError as exc:
        return _refused(request, message.pk, "discard", exc.message, form)
    messages.success(request, f"Message {message.pk} discarded. The original is kept.")
    return redirect("mail_message", message_id=message.pk)


# --- Downloads: never rendered by the browser as a page of ours ---


def _download(handle: Any, *, content_type: str, filename: str, inline: bool) -> FileResponse:
    response = FileResponse(handle, content_type=content_type)
    disposition = content_disposition_header(not inline, filename)
    response["Content-Disposition"] = disposition or ("inline" if inline else "attachment")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def mail_message_original(request: HttpRequest, message_id: int) -> FileResponse:
    message = access_inbound_message(signed_in_user(request), message_id)
    try:
        handle = message.raw.open("rb")
    except OSError:
        raise Http404("The original is missing from storage.") from None
    return _download(
        handle,
        content_type="application/octet-stream",
        filename=f"message-{message.pk}.eml",
        inline=False,
    )


@require_GET
def mail_attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = access_inbound_attachment(signed_in_user(request), attachment_id)
    inline = not attachment.download_only and attachment.content_type in INLINE_TYPES
    try:
        handle = attachment.file.open("rb")
    except OSError:
        raise Http404("The attachment is missing from storage.") from None
    return _download(
        handle,
        content_type=attachment.content_type if inline else "application/octet-stream",
        filename=attachment.name,
        inline=inline,
    )


# --- A case's mail, as a panel of the case page ---


@require_GET
def case_mail_panel(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case_mail(signed_in_user(request), case_id)
    context = {"case": case, "mail": selectors.case_mail(case), "nav": "home"}
    template = "intake/_case_mail.html" if request.htmx else "intake/case_mail.html"  # type: ignore[attr-defined]
    return render(request, template, context)


# --- Mail settings ---


@require_http_methods(["GET", "POST"])
def mail_settings(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    preference = access_mail_preference(user)
    error = ""
    if request.method == "POST":
        form = MailSettingsForm(request.POST, auto_id="mail-%s")
        if form.is_valid():
            try:
                mail_preference_set(actor=user, **form.cleaned_data)
            except ServiceError as exc:
                error = exc.message
            else:
                messages.success(request, "Mail settings saved.")
                return redirect("mail_settings")
    else:
        initial = {name: getattr(preference, name) for name in MAIL_PREFERENCE_FLAGS}
        form = MailSettingsForm(initial=initial, auto_id="mail-%s")
    context = {"nav": "mail-settings", "form": form, "error": error}
    return render(request, "intake/mail_settings.html", context, status=400 if error else 200)
