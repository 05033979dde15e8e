"""Who may send error reports (only an integration token made for a product), and who may see
the email channel's messages, attachments and settings."""

from __future__ import annotations

from followthrough.accounts.capabilities import STAFF_ROLES, Capability
from followthrough.accounts.models import ApiToken, TokenKind, User
from followthrough.cases.access import access_case
from followthrough.cases.models import Case
from followthrough.core.errors import Forbidden, NotFound
from followthrough.intake.models import InboundAttachment, InboundMessage, MailPreference


def access_reporting_token(auth: object) -> ApiToken:
    """The integration token a request authenticated with; a person's token or a signed-in
    session is refused, even an administrator's."""
    if (
        not isinstance(auth, ApiToken)
        or auth.kind != TokenKind.INTEGRATION
        or Capability.ERROR_REPORT_SUBMIT not in auth.scope_set
    ):
        raise Forbidden(
            "Error reports are sent with an integration token that has the "
            "error_report.submit scope.",
            capability=str(Capability.ERROR_REPORT_SUBMIT),
        )
    return auth


# --- The email channel: only staff who may see cases see mail, and mail on a case only when
# they may see that case. A missing message and a forbidden one get the same NotFound.


def access_mail(actor: User) -> User:
    """The actor, when they may use the mail pages (staff with case.view); else NotFound, as
    for a page that is not there."""
    if not actor.has_capability(Capability.CASE_VIEW):
        raise NotFound("Page")
    return actor


def access_inbound_message(actor: User, pk: int | str) -> InboundMessage:
    """One received message, with its mailbox, case and who handled it."""
    if not actor.has_capability(Capability.CASE_VIEW):
        raise NotFound("Message")
    try:
        message_pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("Message") from None
    message = (
        InboundMessage.objects.select_related(
            "mailbox", "case", "interaction", "handled_by", "duplicate_of"
        )
        .filter(pk=message_pk)
        .first()
    )
    if message is None:
        raise NotFound("Message")
    if message.case_id is not None:
        try:
            access_case(actor, message.case_id)
        except NotFound:
            raise NotFound("Message") from None
    return message


def access_inbound_attachment(actor: User, pk: int | str) -> InboundAttachment:
    """One attachment of a received message, when the actor may see the message."""
    if not actor.has_capability(Capability.CASE_VIEW):
        raise NotFound("Attachment")
    try:
        attachment_pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("Attachment") from None
    attachment = (
        InboundAttachment.objects.select_related("message").filter(pk=attachment_pk).first()
    )
    if attachment is None:
        raise NotFound("Attachment")
    if attachment.message.case_id is not None:
        try:
            access_case(actor, attachment.message.case_id)
        except NotFound:
            raise NotFound("Attachment") from None
    return attachment


def access_case_mail(actor: User, case_id: int | str) -> Case:
    """A case whose mail the actor may see: staff with case.view only (a portal customer who
    may see the case itself still may not see its mail log)."""
    if not actor.has_capability(Capability.CASE_VIEW):
        raise NotFound("Case")
    return access_case(actor, case_id)


def access_mail_preference(actor: User) -> MailPreference:
    """The actor's own mail preferences (unsaved defaults when they never chose); staff only."""
    if actor.role not in STAFF_ROLES:
        raise NotFound("Page")
    return MailPreference.objects.filter(user=actor).first() or MailPreference(user=actor)
