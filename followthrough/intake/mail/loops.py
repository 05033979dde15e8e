"""Whether a parsed message was sent by a machine (RFC 3834), and whether its sender may get
automatic mail from us. Answering machines with machines is how mail loops start.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from followthrough.intake.mail.parsing import ParsedMail

# Local parts that are mail systems themselves: a message from them is a bounce.
_MAIL_SYSTEMS = frozenset({"mailer-daemon", "postmaster"})
# Local parts nobody reads: no automatic mail goes to them.
_NO_REPLY = frozenset(
    {
        *("noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "do_not_reply"),
        *("mailer-daemon", "postmaster", "bounce", "bounces"),
    }
)
_BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
_SHOWN = 100  # characters of a header value quoted in a reason


class AutoKind(StrEnum):
    AUTO_SUBMITTED = "auto_submitted"  # Auto-Submitted present and not "no"
    AUTO_REPLY = "auto_reply"  # X-Autoreply / X-Autorespond present
    BOUNCE = "bounce"  # delivery report, Return-Path <>, or a mail system as sender
    BULK = "bulk"  # Precedence bulk, junk, list or auto_reply
    MAILING_LIST = "mailing_list"  # List-Id present (List-Unsubscribe alone is not enough)


@dataclass(frozen=True)
class Automatic:
    kind: AutoKind
    reason: str  # words for an agent


def automatic(parsed: ParsedMail) -> Automatic | None:
    """Why `parsed` is automatic mail (the first sign, in AutoKind's order), or None when it
    looks written by a person."""
    headers = parsed.headers
    if "auto-submitted" in headers:
        value = headers["auto-submitted"]
        if _first_word(value) != "no":
            return Automatic(
                AutoKind.AUTO_SUBMITTED,
                f"It is automatic mail (Auto-Submitted: {_shown(value)}).",
            )
    for name, label in (("x-autoreply", "X-Autoreply"), ("x-autorespond", "X-Autorespond")):
        if name in headers:
            return Automatic(
                AutoKind.AUTO_REPLY,
                f"It is an automatic reply ({label}: {_shown(headers[name])}).",
            )
    bounce = _bounce_reason(parsed)
    if bounce:
        return Automatic(AutoKind.BOUNCE, bounce)
    precedence = _first_word(headers.get("precedence", ""))
    if precedence in _BULK_PRECEDENCE:
        return Automatic(
            AutoKind.BULK, f"It is bulk mail (Precedence: {_shown(headers['precedence'])})."
        )
    if "list-id" in headers:
        return Automatic(
            AutoKind.MAILING_LIST,
            f"It comes from a mailing list (List-Id: {_shown(headers['list-id'])}).",
        )
    return None


def suppresses_replies(parsed: ParsedMail) -> bool:
    """True when no automatic mail may go to this sender, even though the message itself may
    be a real one: it asks for none (X-Auto-Response-Suppress, any value), its sender is an
    address nobody reads (noreply@, bounces+tag@, ...), or it has no usable sender at all."""
    if "x-auto-response-suppress" in parsed.headers:
        return True
    if parsed.sender is None:
        return True
    return _local_part(parsed.sender.address) in _NO_REPLY


def _bounce_reason(parsed: ParsedMail) -> str:
    if parsed.is_delivery_report:
        return "It is a delivery report (multipart/report) from a mail system."
    return_path = parsed.headers.get("return-path")
    if return_path is not None and "".join(return_path.split()) == "<>":
        return "It has an empty Return-Path (<>), which only bounces and notices have."
    if parsed.sender and _local_part(parsed.sender.address) in _MAIL_SYSTEMS:
        return f"It comes from {parsed.sender.address}, a mail system, so it is a bounce."
    return ""


def _local_part(address: str) -> str:
    """The local part of `address` in lower case, without a +tag (bounces+123@ is bounces@)."""
    local = address.rpartition("@")[0] or address
    return local.split("+", 1)[0].lower()


def _first_word(value: str) -> str:
    words = value.replace(";", " ").replace("(", " ").split()
    return words[0].lower() if words else ""


def _shown(value: str) -> str:
    return value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…"
