"""Signed case tokens and our own Message-IDs: how a reply finds its case, and how our own
mail is recognised when it comes back. Pure: the key is passed in.

A token is an HMAC of the case id, so a case number guessed or copied into a subject does
not thread onto that case; the token alone is not enough either (the sender must also take
part in the case's mail, which the service checks).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

TOKEN_LENGTH = 10
_TOKEN_CHARS = "a-z2-7"  # noqa: S105 - the base32 alphabet, not a secret
# "[FT-123:abcdefghij]" in a subject.
_SUBJECT_TAG = re.compile(
    rf"\[([A-Za-z0-9]{{1,10}})-(\d{{1,12}}):([{_TOKEN_CHARS}]{{{TOKEN_LENGTH}}})\]"
)
# "support+ft-123-abcdefghij@example.com" as a reply address.
_PLUS_TAG = re.compile(rf"^[a-z0-9]{{1,10}}-(\d{{1,12}})-([{_TOKEN_CHARS}]{{{TOKEN_LENGTH}}})$")


def derive_key(secret: str) -> bytes:
    """A key for case tokens only, derived from the site's secret."""
    return hashlib.sha256(b"followthrough.mail.case-token:" + secret.encode()).digest()


def case_token(case_id: int, key: bytes) -> str:
    digest = hmac.new(key, f"case:{case_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:TOKEN_LENGTH]


def token_valid(case_id: int, token: str, key: bytes) -> bool:
    return hmac.compare_digest(case_token(case_id, key), token.lower())


def subject_tag(prefix: str, case_id: int, key: bytes) -> str:
    return f"[{prefix}-{case_id}:{case_token(case_id, key)}]"


def with_subject_tag(subject: str, prefix: str, case_id: int, key: bytes) -> str:
    """The subject with the case's tag at the end, once."""
    tag = subject_tag(prefix, case_id, key)
    clean = _SUBJECT_TAG.sub("", subject).strip()
    return f"{clean} {tag}".strip()


def subject_case_ids(subject: str, prefix: str, key: bytes) -> list[int]:
    """Case ids whose correctly signed tag is in the subject (forged tags are left out)."""
    found = []
    for match in _SUBJECT_TAG.finditer(subject[:2000]):
        tag_prefix, number, token = match.groups()
        case_id = int(number)
        if tag_prefix.upper() == prefix.upper() and token_valid(case_id, token, key):
            found.append(case_id)
    return found


def unsigned_case_numbers(subject: str, prefix: str) -> list[str]:
    """Case numbers written in a subject without a valid tag ("FT-123"), to explain refusals."""
    pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(prefix)}-(\d{{1,12}})(?![0-9])", re.I)
    return [f"{prefix}-{n}" for n in dict.fromkeys(pattern.findall(subject[:2000]))]


def reply_address(mailbox_address: str, prefix: str, case_id: int, key: bytes) -> str:
    """The mailbox's address with the case's signed token as a +tag."""
    local, _, domain = mailbox_address.partition("@")
    return f"{local}+{prefix.lower()}-{case_id}-{case_token(case_id, key)}@{domain}"


def address_case_id(address: str, mailbox_address: str, key: bytes) -> int | None:
    """The case a +tagged reply address of this mailbox names, if its token is valid."""
    local, _, domain = address.lower().partition("@")
    box_local, _, box_domain = mailbox_address.lower().partition("@")
    if domain != box_domain or not local.startswith(box_local + "+"):
        return None
    match = _PLUS_TAG.match(local[len(box_local) + 1 :])
    if match is None:
        return None
    case_id = int(match.group(1))
    return case_id if token_valid(case_id, match.group(2), key) else None


def base_address(address: str) -> str:
    """The address without its +tag, lower-cased (support+ft-1-x@d.example: support@d.example)."""
    local, _, domain = address.lower().partition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def new_message_id(kind: str, domain: str) -> str:
    """A Message-ID of ours, without <>: unguessable, so a forged one matches nothing we sent."""
    return f"ft.{kind}.{secrets.token_hex(12)}@{domain}"
