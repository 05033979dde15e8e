"""Files on error reports: judged by their bytes, limited in size and number, stored under
random names inside storage; the client's name is kept, cleaned, only as a label."""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from followthrough.api import STATUS_BY_CODE
from followthrough.cases.models import Case
from followthrough.core.errors import ServiceError
from followthrough.intake.errors import IntakeError
from followthrough.intake.models import ErrorReport, ErrorReportAttachment
from followthrough.intake.services import error_report_receive
from followthrough.intake.tests.factories import (
    PNG,
    SVG,
    intake_state,
    post_form,
    report_fields,
    stored_files,
)

TEN_MIB = 10 * 1024 * 1024
STORED_NAME = re.compile(r"error-reports/\d{4}/\d{2}/[0-9a-f]{32}\.[a-z]+")


def status_for(code: str) -> int:
    return STATUS_BY_CODE.get(code, 422)


def _refused(response, code: str) -> dict:
    assert response.status_code == status_for(code), response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    return body


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("dump.txt", "core dump summary")
    return buffer.getvalue()


def test_attachment_one_byte_over_ten_mib_is_refused_and_nothing_is_created(
    client, route, reporter
):
    before = intake_state()
    response = post_form(
        client, report_fields(), [("huge.log", b"a" * (TEN_MIB + 1))], reporter.headers
    )
    body = _refused(response, IntakeError.ATTACHMENT_TOO_LARGE)
    assert body["limit"] == TEN_MIB
    assert body["file"] == "huge.log"
    assert intake_state() == before
    assert stored_files() == []


def test_attachment_limit_comes_from_the_setting(client, route, reporter, settings):
    settings.FOLLOWTHROUGH_ERROR_REPORT_MAX_ATTACHMENT_BYTES = 1000
    before = intake_state()
    refused = post_form(client, report_fields(), [("a.log", b"a" * 1001)], reporter.headers)
    _refused(refused, IntakeError.ATTACHMENT_TOO_LARGE)
    assert intake_state() == before

    accepted = post_form(client, report_fields(), [("a.log", b"a" * 1000)], reporter.headers)

    assert accepted.status_code == 201, accepted.content
    assert ErrorReportAttachment.objects.get().size == 1000


def test_six_attachments_are_refused(client, route, reporter):
    before = intake_state()
    files = [(f"part{i}.log", b"line\n") for i in range(6)]
    body = _refused(
        post_form(client, report_fields(), files, reporter.headers),
        IntakeError.TOO_MANY_ATTACHMENTS,
    )
    assert body["limit"] == 5
    assert intake_state() == before


def test_svg_named_png_is_refused(client, route, reporter):
    before = intake_state()
    response = post_form(
        client, report_fields(), [("x.svg.png", SVG)], reporter.headers, ["image/png"]
    )
    body = _refused(response, IntakeError.ATTACHMENT_TYPE_REFUSED)
    assert body["file"] == "x.svg.png"
    assert "markup" in body["detail"]
    assert intake_state() == before
    assert stored_files() == []


@pytest.mark.parametrize(
    ("name", "content", "claimed"),
    [
        ("page.html", b"<!DOCTYPE html><script>alert(1)</script>", "text/html"),
        ("shot.png", b"  \n<html><body onload=alert(1)>", "image/png"),  # a lying type
        ("notes.txt", b"\xef\xbb\xbf<svg onload=alert(1)>", "text/plain"),
        ("data.xml", b'<?xml version="1.0"?><svg/>', "application/xml"),
        ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "application/octet-stream"),
        ("doc.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
    ],
    ids=["html", "html-as-png", "svg-with-bom", "xml", "exe", "pdf"],
)
def test_attachment_of_a_type_not_allowed_is_refused(
    client, route, reporter, name, content, claimed
):
    before = intake_state()
    response = post_form(client, report_fields(), [(name, content)], reporter.headers, [claimed])
    _refused(response, IntakeError.ATTACHMENT_TYPE_REFUSED)
    assert intake_state() == before


def test_allowed_types_are_judged_by_content_not_by_the_clients_type(client, route, reporter):
    files = [
        ("crash.json", b'{"frames": [1, 2, 3]}'),
        ("dump.zip", _zip()),
        ("trace.gz", gzip.compress(b"trace")),
        ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
        ("screen.txt", PNG),  # a PNG whatever its name says
    ]
    response = post_form(
        client, report_fields(), files, reporter.headers, ["text/html"] * len(files)
    )

    assert response.status_code == 201, response.content
    stored = [
        (a.original_name, a.content_type, Path(a.file.name).suffix)
        for a in ErrorReportAttachment.objects.order_by("id")
    ]
    assert stored == [
        ("crash.json", "application/json", ".json"),
        ("dump.zip", "application/zip", ".zip"),
        ("trace.gz", "application/gzip", ".gz"),
        ("photo.jpg", "image/jpeg", ".jpg"),
        ("screen.txt", "image/png", ".png"),
    ]


def test_path_in_a_file_name_never_reaches_storage(client, route, reporter, media):
    content = b"root:x:0:0:root:/root:/bin/bash\n"

    response = post_form(client, report_fields(), [("../../etc/passwd", content)], reporter.headers)

    assert response.status_code == 201, response.content
    attachment = ErrorReportAttachment.objects.get()
    assert attachment.original_name == "passwd"
    assert STORED_NAME.fullmatch(attachment.file.name), attachment.file.name
    assert "passwd" not in attachment.file.name
    path = Path(attachment.file.path).resolve()
    assert path.is_relative_to(media.resolve())
    assert path.read_bytes() == content
    assert stored_files() == [attachment.file.name]
    assert not (media.parent / "etc").exists()


def test_service_cleans_backslash_paths_and_nul_bytes_from_file_names(route, reporter, media):
    uploads = [
        SimpleUploadedFile("..\\..\\win.ini", b"[boot]\n"),
        SimpleUploadedFile("a.pdf\x00.html", b"plain words\n"),
    ]

    report = error_report_receive(token=reporter.token, attachments=uploads, **report_fields())

    names = [(a.original_name, a.content_type) for a in report.attachments.all()]
    assert names == [("win.ini", "text/plain"), ("a.pdf.html", "text/plain")]
    for attachment in report.attachments.all():
        assert STORED_NAME.fullmatch(attachment.file.name), attachment.file.name
        assert attachment.file.name.endswith(".txt")
        assert Path(attachment.file.path).resolve().is_relative_to(media.resolve())


def test_nul_in_a_multipart_file_name_is_removed(client, route, reporter):
    response = post_form(
        client, report_fields(), [("report.log\x00.html", b"12:00 crash\n")], reporter.headers
    )

    assert response.status_code == 201, response.content
    attachment = ErrorReportAttachment.objects.get()
    assert "\x00" not in attachment.original_name
    assert attachment.original_name == "report.log.html"
    assert attachment.content_type == "text/plain"
    assert attachment.file.name.endswith(".txt")


def test_refused_file_among_good_ones_stores_none_of_them(route, reporter):
    before = intake_state()
    uploads = [
        SimpleUploadedFile("good.log", b"fine\n"),
        SimpleUploadedFile("x.svg.png", SVG, content_type="image/png"),
    ]
    with pytest.raises(ServiceError) as exc:
        error_report_receive(token=reporter.token, attachments=uploads, **report_fields())
    assert exc.value.code == IntakeError.ATTACHMENT_TYPE_REFUSED
    assert intake_state() == before
    assert stored_files() == []


def test_attachments_are_kept_with_the_report_and_its_case(client, route, reporter):
    response = post_form(client, report_fields(), [("tunnel.log", b"down\n")], reporter.headers)

    assert response.status_code == 201, response.content
    report = ErrorReport.objects.get()
    attachment = report.attachments.get()
    assert report.case == Case.objects.get()
    assert attachment.size == 5
    assert attachment.sha256 == hashlib.sha256(b"down\n").hexdigest()
    assert Path(attachment.file.path).read_bytes() == b"down\n"
