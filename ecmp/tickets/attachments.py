"""Checking and storing uploaded files: size limits, dangerous types, sniffed content type."""

from __future__ import annotations

import contextlib
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath, PureWindowsPath

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Sum
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ecmp.tickets.models import Attachment, Message, Ticket

# Programs and scripts that run when opened: refused whatever their content.
DANGEROUS_EXTENSIONS = frozenset(
    [
        "exe",
        "com",
        "bat",
        "cmd",
        "scr",
        "pif",
        "msi",
        "msp",
        "mst",
        "cpl",
        "dll",
        "sys",
        "drv",
        "ocx",
        "vbs",
        "vbe",
        "js",
        "jse",
        "wsf",
        "wsh",
        "hta",
        "ps1",
        "psm1",
        "psd1",
        "reg",
        "lnk",
        "inf",
        "jar",
        "app",
        "apk",
        "ipa",
        "sh",
        "bash",
        "csh",
        "ksh",
        "zsh",
        "command",
        "run",
        "bin",
        "elf",
        "gadget",
        "application",
        "appref-ms",
        "msc",
        "scf",
        "url",
        "iso",
        "img",
        "vhd",
        "vhdx",
        "dmg",
        "pkg",
        "deb",
        "rpm",
    ]
)
# Executable formats recognised from their first bytes, whatever the file is called.
EXECUTABLE_SIGNATURES = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
    b"#!",  # scripts with an interpreter line
)
SNIFF_BYTES = 8192


def clean_filename(name: str) -> str:
    """The last path component, without control characters, at most 255 characters."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    if not base:
        base = "file"
    if len(base) > 255:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 250 - len(ext)] + dot + ext) if dot and len(ext) < 20 else base[:255]
    return base


def _head(upload: UploadedFile) -> bytes:
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    return head if isinstance(head, bytes) else head.encode()


def sniff_content_type(head: bytes) -> str:
    """The content type the bytes themselves show; the name and the browser's word are ignored."""
    if not head:
        return "application/x-empty"
    with contextlib.suppress(puremagic.PureError, ValueError):
        mime = puremagic.from_string(head, mime=True)
        if mime:
            return mime
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        # A cut in the middle of a multi-byte character is still text.
        try:
            head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return "application/octet-stream"
    return "text/plain"


def is_dangerous(name: str, head: bytes) -> bool:
    extensions = [part.lower() for part in name.split(".")[1:]]
    if any(ext in DANGEROUS_EXTENSIONS for ext in extensions[-2:]):
        return True
    return head.startswith(EXECUTABLE_SIGNATURES)


def validate_uploads(files: Sequence[UploadedFile], *, ticket: Ticket | None = None) -> None:
    """Refuse the whole batch if any file is too big, dangerous, or the total is too much."""
    errors: list[str] = []
    max_file = settings.ECMP_ATTACHMENT_MAX_BYTES
    max_total = settings.ECMP_TICKET_ATTACHMENTS_MAX_BYTES
    total = 0
    if files and ticket is not None and ticket.pk:
        total = ticket.attachments.aggregate(total=Sum("size"))["total"] or 0
    for upload in files:
        name = clean_filename(upload.name or "")
        size = upload.size or 0
        total += size
        if size > max_file:
            errors.append(
                _("“%(name)s” is too big (%(size)s); the limit is %(limit)s per file.")
                % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(max_file)}
            )
        elif is_dangerous(name, _head(upload)):
            errors.append(
                _("“%(name)s” is a program or a script; such files are not accepted.")
                % {"name": name}
            )
    if total > max_total:
        errors.append(
            _("The files of a ticket may not exceed %(limit)s in all.")
            % {"limit": filesizeformat(max_total)}
        )
    if errors:
        raise ValidationError(errors, code="attachments")


def store_uploads(
    files: Iterable[UploadedFile],
    *,
    ticket: Ticket,
    message: Message | None,
    uploader: object,
    into: list[Attachment],
) -> None:
    """Save the files, each appended to `into` as soon as it is on disk, so that the
    caller can delete them all again if its transaction fails."""
    for upload in files:
        attachment = Attachment(
            ticket=ticket,
            message=message,
            storage_key=uuid.uuid4().hex,
            original_name=clean_filename(upload.name or ""),
            size=upload.size or 0,
            content_type=sniff_content_type(_head(upload)),
            uploaded_by=uploader,
        )
        attachment.file.save(attachment.storage_key, upload, save=False)
        into.append(attachment)
        attachment.save()


def delete_stored(attachments: Iterable[Attachment]) -> None:
    for attachment in attachments:
        with contextlib.suppress(OSError):
            attachment.file.delete(save=False)
