"""Helpers for error-report tests: request bodies, hand-made multipart, and a snapshot of
everything a refused report must not create."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import Client
from django.test.client import BOUNDARY

from followthrough.accounts.models import ApiToken
from followthrough.cases.models import Case, CaseEvent, Interaction
from followthrough.intake.models import ErrorReport, ErrorReportAttachment

PRODUCT = "Acme VPN"
URL = "/api/v1/error-reports"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'


@dataclass(frozen=True)
class Reporter:
    token: ApiToken
    text: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.text}"}


def report_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "product": PRODUCT,
        "version": "4.2.1",
        "installation_id": "inst-7f3a",
        "error_code": "E-TUNNEL-42",
        "message": "Tunnel dropped after resume from sleep\nstack: tunnel.c:88",
        "diagnostics": {"os": "Windows 11 23H2", "uptime_s": 5123, "adapters": ["wg0"]},
    }
    fields.update(overrides)
    return fields


def post_json(client: Client, body: Any, headers: dict[str, str] | None = None) -> Any:
    return client.post(
        URL, data=json.dumps(body), content_type="application/json", headers=headers or {}
    )


def post_form(
    client: Client,
    fields: dict[str, Any],
    files: list[tuple[str, bytes]] | None = None,
    headers: dict[str, str] | None = None,
    content_types: list[str] | None = None,
) -> Any:
    """A multipart report built by hand, so file names reach the server exactly as given
    (the test client would strip paths from them)."""
    lines: list[bytes] = []
    for name, value in fields.items():
        text = json.dumps(value) if isinstance(value, dict | list) else str(value)
        lines += [
            f"--{BOUNDARY}".encode(),
            f'Content-Disposition: form-data; name="{name}"'.encode(),
            b"",
            text.encode(),
        ]
    for i, (filename, content) in enumerate(files or []):
        ctype = (content_types or [])[i] if content_types else "application/octet-stream"
        lines += [
            f"--{BOUNDARY}".encode(),
            b'Content-Disposition: form-data; name="attachments"; filename="'
            + filename.encode()
            + b'"',
            f"Content-Type: {ctype}".encode(),
            b"",
            content,
        ]
    lines += [f"--{BOUNDARY}--".encode(), b""]
    return client.post(
        URL,
        data=b"\r\n".join(lines),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        headers=headers or {},
    )


def stored_files() -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def intake_state() -> dict[str, Any]:
    """Everything a refused report must leave untouched: counts of cases, contacts, events,
    reports and attachments, and the files in storage."""
    return {
        "cases": Case.objects.count(),
        "interactions": Interaction.objects.count(),
        "events": CaseEvent.objects.count(),
        "reports": ErrorReport.objects.count(),
        "attachments": ErrorReportAttachment.objects.count(),
        "files": stored_files(),
    }
