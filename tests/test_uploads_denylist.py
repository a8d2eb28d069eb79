"""Uploads that would run code are refused, by name and by content; images are
served inline only when their bytes are a plain raster image (issue 16, section 4)."""

import io
import struct
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ecmp.tickets.attachments import is_dangerous, validate_uploads
from ecmp.tickets.models import Attachment
from tests.factories import make_ticket, upload
from tests.mailtools import build_mail

# The extensions the attack found accepted, then the rest of the new list.
FOUND_ACCEPTED = ".docm .xlsm .pptm .chm .msix .appx .xll .jnlp .wsc .pyw .one .iqy .ps1xml"
ALSO_REFUSED = (
    ".dotm .xltm .xlam .potm .ppam .ppsm .sldm .msixbundle .appxbundle .wsf .pyz .slk "
    ".psc1 .settingcontent-ms .hta .lnk .scf .url .reg .exe .bat .vbs .js .ps1 .jar .iso"
)
HARMLESS = ".pdf .docx .xlsx .pptx .odt .txt .csv .png .jpg .zip .log .eml"

REFUSAL = "is a program or a script; such files are not accepted."

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6364f8cf00000301010018dd8db00000000049454e44ae426082"
)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


def office_zip(*, content_type, with_vba=True, extra=()):
    """An Office Open XML file as Word writes it, with or without a VBA project."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{content_type}"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
        if with_vba:
            archive.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 fake VBA storage")
        for name, data in extra:
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_TYPE = "application/vnd.ms-word.document.macroEnabled.main+xml"

ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def ole2_entry(name, kind, child=NOSTREAM):
    encoded = name.encode("utf-16-le") + b"\0\0"
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBB", len(encoded), kind, 1)  # length, type, black
        + struct.pack("<III", NOSTREAM, NOSTREAM, child)
        + b"\0" * 16  # CLSID
        + struct.pack("<I", 0)  # state bits
        + b"\0" * 16  # created, modified
        + struct.pack("<IQ", ENDOFCHAIN, 0)  # start sector, size
    )


def ole2_file(*names):
    """A compound file (Word 97-2003's container): header, one FAT sector, one
    directory sector with a chain of storages ending in a stream. Empty streams
    need no data sectors. olefile 0.47 lists VBA_DOC as Macros/VBA/_VBA_PROJECT
    (checked when this was written; it is not a dependency of the project)."""
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 0x1000, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", FREESECT) * 108
    )
    fat = struct.pack("<II", FATSECT, ENDOFCHAIN) + struct.pack("<I", FREESECT) * 126
    entries = [ole2_entry("Root Entry", 5, child=1 if names else NOSTREAM)]
    for index, name in enumerate(names, start=1):
        last = index == len(names)
        entries.append(ole2_entry(name, 2 if last else 1, child=NOSTREAM if last else index + 1))
    directory = b"".join(entries).ljust(512, b"\0")
    return header + fat + directory


VBA_DOC = ole2_file("Macros", "VBA", "_VBA_PROJECT")


@pytest.mark.parametrize("extension", (FOUND_ACCEPTED + " " + ALSO_REFUSED).split())
def test_programs_scripts_and_macro_documents_are_refused_by_name(extension):
    assert is_dangerous(f"Invoice 2025{extension}", b"harmless words")
    assert is_dangerous(f"INVOICE{extension.upper()}", b"harmless words")
    with pytest.raises(ValidationError) as error:
        validate_uploads([upload(f"invoice{extension}", b"harmless words")])
    assert REFUSAL in error.value.messages[0]


@pytest.mark.parametrize("extension", HARMLESS.split())
def test_ordinary_documents_are_accepted(extension):
    assert not is_dangerous(f"report{extension}", b"harmless words")


def test_a_double_extension_does_not_hide_a_program():
    assert is_dangerous("invoice.pdf.exe", b"x")
    assert is_dangerous("invoice.docm.txt", b"x")


def test_a_macro_document_renamed_docx_or_zip_is_refused_by_its_content():
    docm = office_zip(content_type=DOCM_TYPE)
    for name in ("report.docx", "report.zip", "report"):
        assert is_dangerous(name, docm), name
        with pytest.raises(ValidationError) as error:
            validate_uploads([upload(name, docm, "application/zip")])
        assert REFUSAL in error.value.messages[0]


def test_either_sign_of_macros_is_enough():
    declared_only = office_zip(content_type=DOCM_TYPE, with_vba=False)
    vba_only = office_zip(content_type=DOCX_TYPE, with_vba=True)
    assert is_dangerous("a.docx", declared_only)
    assert is_dangerous("b.xlsx", vba_only)


def test_a_plain_docx_and_an_ordinary_zip_are_accepted():
    docx = office_zip(content_type=DOCX_TYPE, with_vba=False)
    assert not is_dangerous("report.docx", docx)
    validate_uploads([upload("report.docx", docx, "application/zip")])
    logs = io.BytesIO()
    with zipfile.ZipFile(logs, "w") as archive:
        archive.writestr("logs/app.log", "started\n")
    assert not is_dangerous("logs.zip", logs.getvalue())


def test_an_opendocument_file_with_basic_macros_is_refused():
    odt = office_zip(
        content_type="text/xml",
        with_vba=False,
        extra=[("Basic/Standard/Module1.xml", "<script:module/>")],
    )
    assert is_dangerous("minutes.odt", odt)


def test_a_truncated_zip_is_judged_without_error():
    docm = office_zip(content_type=DOCM_TYPE)
    assert not is_dangerous("report.docx", docm[:100])


def test_a_word_97_document_with_a_vba_project_is_refused_by_its_content():
    assert is_dangerous("contract.doc", VBA_DOC)
    with pytest.raises(ValidationError) as error:
        validate_uploads([upload("contract.doc", VBA_DOC, "application/msword")])
    assert REFUSAL in error.value.messages[0]


def test_a_word_97_document_without_macros_is_accepted():
    assert not is_dangerous("contract.doc", ole2_file("WordDocument"))


def test_the_vba_name_counts_only_as_a_directory_entry():
    """The stream's name written in a document's text (not on an entry's
    boundary) is not a VBA project."""
    mention = ole2_file("WordDocument") + b"\0" * 7 + VBA_DOC[1024 + 256 : 1024 + 384]
    assert not is_dangerous("about-macros.doc", mention)


def test_executables_are_refused_whatever_their_name():
    for head in (b"MZ\x90\x00", b"\x7fELF\x02", b"\xcf\xfa\xed\xfe", b"#!/bin/sh\n"):
        assert is_dangerous("holiday-photo.jpg", head + b"\0" * 64)


def test_admins_may_extend_the_list(settings):
    assert not is_dangerous("drawing.dwg", b"AC1032")
    settings.ECMP_UPLOAD_EXTRA_BLOCKED_EXTENSIONS = frozenset({"dwg"})
    assert is_dangerous("drawing.DWG", b"AC1032")


def test_the_setting_is_read_from_the_environment(monkeypatch):
    import importlib

    import config.settings

    monkeypatch.setenv("ECMP_UPLOAD_EXTRA_BLOCKED_EXTENSIONS", ".DWG, kmz ,")
    try:
        extra = importlib.reload(config.settings).ECMP_UPLOAD_EXTRA_BLOCKED_EXTENSIONS
        assert extra == {"dwg", "kmz"}
    finally:
        monkeypatch.delenv("ECMP_UPLOAD_EXTRA_BLOCKED_EXTENSIONS")
        importlib.reload(config.settings)


def test_the_portal_refuses_a_renamed_macro_document_with_the_clear_message(client_for, alice):
    response = client_for(alice).post(
        reverse("portal:ticket-new"),
        {
            "subject": "Quarterly figures",
            "description": "See attached.",
            "files": [upload("figures.xlsx", office_zip(content_type=DOCM_TYPE))],
        },
    )
    assert "“figures.xlsx” is a program or a script" in response.content.decode()
    assert not Attachment.objects.exists()


def test_inbound_mail_refuses_a_renamed_macro_document(deliver, alice):
    docm = office_zip(content_type=DOCM_TYPE)
    raw = build_mail(
        subject="Figures",
        attachments=[
            ("figures.docx", docm, "application", "zip"),
            ("photo.png", PNG, "image", "png"),
        ],
    )
    deliver(raw)
    names = list(Attachment.objects.values_list("original_name", flat=True))
    assert names == ["photo.png"]


def test_an_inbound_word_97_document_with_macros_is_refused(deliver, alice):
    deliver(build_mail(attachments=[("contract.doc", VBA_DOC, "application", "msword")]))
    assert not Attachment.objects.exists()


# --- Serving -------------------------------------------------------------------------


def download(client, ticket, attachment, *, desk=False):
    name = "desk:attachment-download" if desk else "portal:attachment-download"
    return client.get(reverse(name, args=[ticket.number, attachment.pk]))


@pytest.fixture
def ticket_with(alice):
    def make(name, content, content_type="application/octet-stream"):
        ticket = make_ticket(alice, files=[upload(name, content, content_type)])
        return ticket, ticket.attachments.get()

    return make


@pytest.mark.parametrize("desk", (False, True))
def test_a_png_is_shown_inline_as_an_image_with_sniff_proof_headers(
    client_for, alice, agnes, ticket_with, desk
):
    ticket, attachment = ticket_with("screen.png", PNG, "image/png")
    response = download(client_for(agnes if desk else alice), ticket, attachment, desk=desk)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (
        response["Content-Security-Policy"]
        == "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    )
    assert b"".join(response.streaming_content) == PNG


def test_an_svg_is_never_shown_inline(client_for, alice, ticket_with):
    ticket, attachment = ticket_with("logo.svg", SVG, "image/svg+xml")
    response = download(client_for(alice), ticket, attachment)
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_html_named_png_is_downloaded_not_shown(client_for, alice, ticket_with):
    ticket, attachment = ticket_with("cat.png", b"<html><script>alert(1)</script>", "image/png")
    response = download(client_for(alice), ticket, attachment)
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] != "image/png"


def test_the_inline_decision_rests_on_the_stored_bytes_not_the_row(client_for, alice, ticket_with):
    ticket, attachment = ticket_with("screen.png", PNG, "image/png")
    Path(attachment.file.path).write_bytes(SVG)
    response = download(client_for(alice), ticket, attachment)
    assert response["Content-Disposition"].startswith("attachment")
