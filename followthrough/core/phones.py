"""Phone numbers, normalised to E.164 so that caller-ID lookups match however a number was typed."""

from __future__ import annotations

import phonenumbers


class PhoneNumberError(ValueError):
    pass


MAX_INPUT_LENGTH = 64


def normalise_phone(raw: str, default_region: str) -> str:
    """Return `raw` as E.164 (`+15551234567`), or raise PhoneNumberError saying why not."""
    text = (raw or "").strip()
    if not text:
        raise PhoneNumberError("The phone number is empty.")
    if len(text) > MAX_INPUT_LENGTH:
        raise PhoneNumberError(f"The phone number is longer than {MAX_INPUT_LENGTH} characters.")
    try:
        parsed = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as exc:
        raise PhoneNumberError(f"{text!r} is not a phone number ({exc._msg}).") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise PhoneNumberError(f"{text!r} is not a possible phone number.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def try_normalise_phone(raw: str, default_region: str) -> str | None:
    """Like normalise_phone, but None for text that is not a phone number (used by lookups)."""
    try:
        return normalise_phone(raw, default_region)
    except PhoneNumberError:
        return None


def format_phone(e164: str) -> str:
    """An E.164 number in international format for people to read."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
