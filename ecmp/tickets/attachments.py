"""Checking and storing uploaded files: size limits, dangerous types, sniffed content type."""

from __future__ import annotations

import contextlib
import io
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath, PureWindowsPath
from typing import IO

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Sum
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ecmp.accounts.models import User
from ecmp.tickets.models import Attachment, Message, Ticket

# Files that run code when opened: programs, scripts, installers, shortcuts,
# disk images, and documents whose format exists to carry macros. Refused
# whatever their content (Outlook's blocked-attachment list is the reference).
# fmt: off
DANGEROUS_EXTENSIONS = frozenset((
    # Windows programs, libraries, installers
    "exe", "com", "scr", "pif", "cpl", "dll", "sys", "drv", "ocx", "vxd", "msi", "msp", "mst",
    "msix", "msixbundle", "appx", "appxbundle", "appinstaller", "application", "appref-ms",
    "xbap", "vsto", "vsix", "gadget", "msc", "diagcab",
    # scripts and script components
    "bat", "cmd", "vb", "vbs", "vbe", "js", "jse", "ws", "wsf", "wsh", "wsc", "sct", "hta",
    "ps1", "ps1xml", "ps2", "ps2xml", "psc1", "psc2", "psm1", "psd1",
    "msh", "msh1", "msh2", "mshxml", "msh1xml", "msh2xml", "pyw", "pyz", "pyzw",
    "sh", "bash", "csh", "ksh", "zsh", "command", "run",
    # shortcuts, settings and help files that run commands
    "lnk", "url", "scf", "reg", "inf", "ins", "isp", "its", "mcf", "shb", "shs",
    "settingcontent-ms", "library-ms", "search-ms", "searchconnector-ms",
    "chm", "hlp", "hpj",
    # other platforms' programs and packages, disk images
    "jar", "jnlp", "app", "apk", "ipa", "bin", "elf", "deb", "rpm", "pkg", "dmg",
    "iso", "img", "vhd", "vhdx",
    # Office formats made to carry macros or code, and Access applications
    "docm", "dotm", "xlsm", "xltm", "xlam", "xla", "xlm", "xll",
    "pptm", "potm", "ppam", "ppa", "ppsm", "sldm",
    "mde", "mda", "accde", "ade", "adp",
    # OneNote and Excel's web queries and links, used to deliver the above
    "one", "onepkg", "iqy", "dqy", "rqy", "slk",
))
# fmt: on
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
ZIP_SIGNATURE = b"PK\x03\x04"
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# [Content_Types].xml is a few kilobytes; a larger one is not read (zip bombs).
CONTENT_TYPES_MAX_BYTES = 1024 * 1024
# Every VBA project has this stream (MS-OVBA 2.3.4.1); an OLE2 (compound file)
# directory entry holds its name in UTF-16, padded to 64 bytes, then its length
# in bytes with the final NUL (26) on 2 bytes. Entries are 128 bytes, aligned.
OLE2_VBA_ENTRY = "_VBA_PROJECT".encode("utf-16-le").ljust(64, b"\0") + (26).to_bytes(2, "little")
OLE2_ENTRY_SIZE = 128
OLE2_CHUNK = 1024 * 1024  # a multiple of OLE2_ENTRY_SIZE: no entry straddles two chunks
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


def blocked_extensions() -> frozenset[str]:
    return DANGEROUS_EXTENSIONS | settings.ECMP_UPLOAD_EXTRA_BLOCKED_EXTENSIONS


def is_dangerous(name: str, content: bytes | IO[bytes]) -> bool:
    """A program, a script or a document with macros, by its name or by its bytes.

    `content` is the whole file (bytes, or a seekable file left at its start):
    a macro-enabled Office document renamed .docx is only recognised inside.
    """
    extensions = [part.lower() for part in name.split(".")[1:]]
    # The last two: "invoice.pdf.exe", and "setup.exe.part"-style tricks.
    if any(ext in blocked_extensions() for ext in extensions[-2:]):
        return True
    stream = io.BytesIO(content) if isinstance(content, bytes) else content
    stream.seek(0)
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    try:
        if head.startswith(EXECUTABLE_SIGNATURES):
            return True
        if head.startswith(ZIP_SIGNATURE):
            return _zip_has_macros(stream)
        if head.startswith(OLE2_SIGNATURE):
            return _ole2_has_vba_project(stream)
        return False
    finally:
        stream.seek(0)


def _zip_has_macros(stream: IO[bytes]) -> bool:
    """An Office Open XML file with a VBA project (docm, xlsm… under any name),
    or an OpenDocument file with Basic macros."""
    try:
        with zipfile.ZipFile(stream) as archive:
            names = [info.filename.lower() for info in archive.infolist()]
            if any(n.endswith("vbaproject.bin") or n.startswith("basic/") for n in names):
                return True
            content_types = next(
                (i for i in archive.infolist() if i.filename.lower() == "[content_types].xml"),
                None,
            )
            if content_types is None or content_types.file_size > CONTENT_TYPES_MAX_BYTES:
                return False
            declared = archive.read(content_types).lower()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError):
        # Not a zip we can read: Office cannot open it as a document either.
        return False
    return b"macroenabled" in declared or b"vbaproject" in declared


def _ole2_has_vba_project(stream: IO[bytes]) -> bool:
    """A Word/Excel/PowerPoint 97-2003 file (or any compound file) with a VBA project."""
    offset = 0
    while chunk := stream.read(OLE2_CHUNK):
        found = chunk.find(OLE2_VBA_ENTRY)
        while found != -1:
            if (offset + found) % OLE2_ENTRY_SIZE == 0:
                return True
            found = chunk.find(OLE2_VBA_ENTRY, found + 1)
        offset += len(chunk)
    return False


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
        elif is_dangerous(name, upload):
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
    uploader: User | None,
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
