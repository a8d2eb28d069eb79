"""What a message holds: its text in any charset, its files, its encrypted parts, its reply."""

# ruff: noqa: RUF001 -- the test texts are written in other scripts on purpose

import base64
import binascii
import time

import pytest

from ecmp.mail.inbound import charsets
from ecmp.mail.inbound.parse import parse_message
from ecmp.mail.inbound.quotes import MAX_SCAN, strip_quotes
from tests.mailtools import build_mail

HEAD = b"From: Alice <alice@acme.test>\r\nTo: support@ecmp.localhost\r\nSubject: x\r\nMIME-Version: 1.0\r\n"


def single(content_type, body, encoding=b"8bit", extra=b""):
    return (
        HEAD
        + b"Content-Type: "
        + content_type
        + b"\r\nContent-Transfer-Encoding: "
        + encoding
        + b"\r\n"
        + extra
        + b"\r\n"
        + body
        + b"\r\n"
    )


def multipart(*parts, subtype=b"mixed", params=b""):
    body = b"".join(b"--B\r\n" + part + b"\r\n" for part in parts) + b"--B--\r\n"
    return (
        HEAD
        + b"Content-Type: multipart/"
        + subtype
        + b'; boundary="B"'
        + params
        + b"\r\n\r\n"
        + body
    )


# Charsets: the declared legacy charset read by its superset.
@pytest.mark.parametrize(
    ("declared", "text", "written_as"),
    [
        (b"gb2312", "中文邮件，欢迎使用𠀀", "gb18030"),  # a GB18030-only character
        (b"iso-8859-1", "l’orage coûte 5 €", "windows-1252"),
        (b"us-ascii", "l’orage coûte 5 €", "windows-1252"),
        (b"ks_c_5601-1987", "한국어 메일입니다 똠방각하", "cp949"),
        (b"shift_jis", "日本語のメール ①②", "cp932"),
        (b"big5", "香港增補字符集 㗎", "big5hkscs"),
        (b"iso-2022-jp", "日本語のメール ①", "cp932"),  # labelled 7-bit, written 8-bit
        (b"iso-2022-jp", "日本語のメール", "iso2022_jp"),
    ],
)
def test_a_declared_legacy_charset_is_read_by_its_superset(declared, text, written_as):
    raw = single(b"text/plain; charset=" + declared, text.encode(written_as))
    mail = parse_message(raw)
    assert mail.text == text


def test_undeclared_8bit_text_is_detected():
    text = "Привет! Это письмо написано в кодировке windows-1251, без объявления. " * 3
    mail = parse_message(single(b"text/plain", text.encode("cp1251")))
    assert mail.text == text.strip()


def test_undeclared_valid_utf8_never_reaches_the_detector(monkeypatch):
    monkeypatch.setattr(charsets, "from_bytes", lambda *a, **k: pytest.fail("detector called"))
    mail = parse_message(single(b"text/plain", "déjà vu – ok".encode()))
    assert mail.text == "déjà vu – ok"


def test_a_short_undeclared_latin1_word_falls_back_to_windows_1252():
    assert charsets.decode("Rémi".encode("latin-1")) == "Rémi"


def test_a_bogus_charset_name_never_raises():
    assert parse_message(single(b'text/plain; charset="x\x00y"', "été".encode())).text == "été"


def test_raw_8bit_headers_are_decoded_by_the_declared_charset():
    raw = (
        "From: Jürgen <j@acme.test>\r\nSubject: Größe\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=iso-8859-1\r\n\r\nGrüße\r\n"
    ).encode("latin-1")
    mail = parse_message(raw)
    assert (mail.sender_name, mail.subject, mail.text) == ("Jürgen", "Größe", "Grüße")


def test_a_raw_utf8_file_name_is_decoded():
    part = (
        b'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="r\xc3\xa9sum\xc3\xa9.pdf"'
        b"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK"
    )
    mail = parse_message(multipart(b"Content-Type: text/plain\r\n\r\nSee attached.", part))
    assert [a.name for a in mail.attachments] == ["résumé.pdf"]


# Files.
def _uuencode(data):
    lines = [binascii.b2a_uu(data[i : i + 45]).decode() for i in range(0, len(data), 45)]
    return "".join(lines) + "`\n"


def test_a_uuencoded_block_in_the_text_becomes_a_file():
    data = bytes(range(256)) * 2
    body = f"Report attached.\n\nbegin 644 report.csv\n{_uuencode(data)}end\n\nRegards"
    mail = parse_message(build_mail(body=body))
    assert [(a.name, a.data) for a in mail.attachments] == [("report.csv", data)]
    assert mail.text == "Report attached.\n\n\nRegards"


def test_an_x_uuencode_part_is_decoded():
    data = b"Comments on the package\n" * 5
    part = (
        b'Content-Type: application/msword; name="cmts.txt"\r\n'
        b'Content-Disposition: attachment; filename="cmts.txt"\r\n'
        b"Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 600 cmts.txt\r\n"
        + _uuencode(data).replace("\n", "\r\n").encode()
        + b"end"
    )
    mail = parse_message(multipart(b"Content-Type: text/plain\r\n\r\nSee attached.", part))
    assert [(a.name, a.data) for a in mail.attachments] == [("cmts.txt", data)]


def test_an_unclosed_begin_line_stays_text():
    mail = parse_message(build_mail(body="begin 644 notes.txt\nno end here"))
    assert mail.attachments == [] and "begin 644" in mail.text


def test_a_text_part_with_a_file_name_is_an_attachment_not_body():
    mail = parse_message(build_mail(attachments=[("notes.txt", b"private notes", "text", "plain")]))
    assert mail.text == "Smoke everywhere."
    assert [(a.name, a.data) for a in mail.attachments] == [("notes.txt", b"private notes")]


def test_a_text_part_marked_attachment_without_name_is_an_attachment():
    part = b"Content-Type: text/plain\r\nContent-Disposition: attachment\r\n\r\nlog line"
    mail = parse_message(multipart(b"Content-Type: text/plain\r\n\r\nBody.", part))
    assert mail.text == "Body."
    assert [a.name for a in mail.attachments] == ["attachment.txt"]


def test_unnamed_parts_are_named_by_their_type_and_numbered():
    png = b"Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo="
    pdf = b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK"
    other = b"Content-Type: application/x-unknown-thing\r\n\r\nxyz"
    mail = parse_message(multipart(b"Content-Type: text/plain\r\n\r\nBody.", png, png, pdf, other))
    assert [a.name for a in mail.attachments] == [
        "image.png",
        "image-2.png",
        "document.pdf",
        "attachment.bin",
    ]


def test_an_attached_message_is_named_after_its_subject():
    inner = b'Subject: Invoice 12/2026: "final"\r\nFrom: b@x.example\r\n\r\nInner body'
    forwarded = b"Content-Type: message/rfc822\r\n\r\n" + inner
    nameless = b"Content-Type: message/rfc822\r\n\r\nFrom: c@x.example\r\n\r\nNo subject"
    mail = parse_message(multipart(b"Content-Type: text/plain\r\n\r\nFYI", forwarded, nameless))
    assert [a.name for a in mail.attachments] == [
        "Invoice 12 2026 final.eml",
        "forwarded-message.eml",
    ]


# Encrypted mail: flagged, the encrypted part kept, no gibberish as text.
def test_smime_enveloped_data_is_encrypted_and_kept():
    der = base64.b64encode(bytes.fromhex("3080" + "06092a864886f70d010703") + b"\x00" * 40)
    raw = single(
        b'application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"',
        der,
        b"base64",
        b'Content-Disposition: attachment; filename="smime.p7m"\r\n',
    )
    mail = parse_message(raw)
    assert mail.encrypted and mail.text == ""
    assert [a.name for a in mail.attachments] == ["smime.p7m"]


def test_a_p7m_without_smime_type_is_told_apart_by_its_content_type_oid():
    enveloped = bytes.fromhex("3080" + "06092a864886f70d010703") + b"\x00" * 20
    signed = bytes.fromhex("3080" + "06092a864886f70d010702") + b"\x00" * 20
    for data, encrypted in ((enveloped, True), (signed, False)):
        raw = single(
            b'application/x-pkcs7-mime; name="smime.p7m"', base64.b64encode(data), b"base64"
        )
        assert parse_message(raw).encrypted is encrypted


def test_pgp_mime_is_encrypted_and_its_data_kept():
    version = b"Content-Type: application/pgp-encrypted\r\n\r\nVersion: 1"
    armored = b"-----BEGIN PGP MESSAGE-----\r\n\r\nhQEMA1234\r\n-----END PGP MESSAGE-----"
    data = b"Content-Type: application/octet-stream\r\n\r\n" + armored
    raw = multipart(
        version, data, subtype=b"encrypted", params=b'; protocol="application/pgp-encrypted"'
    )
    mail = parse_message(raw)
    assert mail.encrypted and mail.text == ""
    assert [a.name for a in mail.attachments] == ["encrypted.asc"]


def test_inline_pgp_is_encrypted_and_the_armored_block_leaves_the_text():
    body = "Hi,\n\n-----BEGIN PGP MESSAGE-----\n\nhQEMA1234abcd\n-----END PGP MESSAGE-----\n"
    mail = parse_message(build_mail(body=body))
    assert mail.encrypted and mail.text == "Hi,"
    assert mail.attachments[0].name == "encrypted.asc"
    assert b"hQEMA1234abcd" in mail.attachments[0].data


def test_a_signed_message_is_not_encrypted():
    mail = parse_message(build_mail(body="-----BEGIN PGP SIGNED MESSAGE-----\nHello"))
    assert not mail.encrypted


# Bad input never raises.
@pytest.mark.parametrize(
    "raw",
    [
        b"\x00" * 1000,
        HEAD + b"Content-Type: multipart/mixed; boundary=B\r\n\r\n" + b"--B\r\n" * 500,
        HEAD
        + b"Content-Type: application/pkcs7-mime\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n",
        HEAD + b"Content-Type: multipart/encrypted\r\n\r\n",
        single(b"text/plain", b"begin 644 a\n" + b"M" * 80 + b"\nend\n"),
        b"From: a@b.example\r\n" + b"X: y\r\nbroken line\r\n" * 2000 + b"\r\nbody",
        b"".join(
            b"Content-Type: multipart/mixed; boundary=B%d\r\n\r\n--B%d\r\n" % (i, i)
            for i in range(300)
        ),
    ],
)
def test_hostile_messages_parse_without_error(raw):
    parse_message(raw)


# Quoted history, in many languages, above or below the reply.
@pytest.mark.parametrize(
    "header",
    [
        "On Mon, 1 Dec 2026 at 10:00, Support <s@x.example> wrote:",
        "Le lun. 1 déc. 2026 à 10:00, Support <s@x.example> a écrit :",
        "Am 01.12.2026 um 10:00 schrieb Support <s@x.example>:",
        "Op ma 1 dec. 2026 om 10:00 schreef Support <s@x.example>:",
        "El lun, 1 dic 2026 a las 10:00, Support (<s@x.example>) escribió:",
        "Il giorno lun 1 dic 2026 alle ore 10:00 Support <s@x.example> ha scritto:",
        "1 дек. 2026 г., в 10:00, Support <s@x.example> написал(а):",
        "Support <s@x.example> пишет:",
        "Em seg., 1 de dez. de 2026 às 10:00, Support <s@x.example> escreveu:",
        "W dniu 1.12.2026 o 10:00, Support <s@x.example> pisze:",
        "Den 1 dec. 2026 kl. 10:00 skrev Support <s@x.example>:",
        "-----Original Message-----",
        "-----Message d'origine-----",
        "-----Ursprüngliche Nachricht-----",
        "-----Oorspronkelijk bericht-----",
        "-----Mensaje original-----",
        "-----Messaggio originale-----",
    ],
)
def test_a_quote_header_in_any_language_ends_the_reply(header):
    text = f"It works now.\n\n{header}\n> Try this.\n> Regards"
    assert strip_quotes(text) == ("It works now.", True)


@pytest.mark.parametrize(
    ("sender", "sent", "to"),
    [
        ("From", "Sent", "To"),
        ("De", "Envoyé", "À"),
        ("Von", "Gesendet", "An"),
        ("Van", "Verzonden", "Aan"),
        ("De", "Enviado", "Para"),
        ("Da", "Inviato", "A"),
        ("От", "Отправлено", "Кому"),
        ("Od", "Wysłano", "Do"),
        ("Från", "Skickat", "Till"),
    ],
)
def test_outlooks_header_block_in_any_language_ends_the_reply(sender, sent, to):
    text = (
        f"It works now.\n\n{sender}: Support <s@x.example>\n{sent}: 1 Dec 2026 10:00\n"
        f"{to}: Alice\n\nTry this."
    )
    assert strip_quotes(text) == ("It works now.", True)


def test_a_reply_written_below_the_quote_is_kept():
    text = (
        "On Mon, 1 Dec 2026, Support <s@x.example> wrote:\n> Which model?\n> Regards\n\n"
        "It is a LaserJet 4."
    )
    assert strip_quotes(text) == ("It is a LaserJet 4.", True)


def test_a_reply_between_quotes_is_kept_whole():
    text = "> Which model?\nA LaserJet.\n> Which floor?\nThe third."
    assert strip_quotes(text) == (text, False)


def test_our_marker_still_cuts_the_reply():
    text = "Thanks!\n\n##- Please type your reply above this line -##\nOld text"
    assert strip_quotes(text) == ("Thanks!", True)


def test_a_line_saying_from_is_not_a_quote_header_alone():
    text = "From: the warehouse, nothing arrived.\nPlease check."
    assert strip_quotes(text) == (text, False)


def test_hostile_quote_scanning_is_quick():
    hostile = ("On " + "x" * 290 + "\n") * (MAX_SCAN // 300) + "wrote"
    started = time.perf_counter()
    strip_quotes(hostile[:MAX_SCAN])
    assert time.perf_counter() - started < 2
