"""Real-world mail from other help desks' test data, and random mangled mail.

The corpus lives in the workspace's shared/mail-corpus (never copied here: its
licences differ from ours). Every message must end as a ticket, a reply,
held, or ignored with its reason: none disappears, none crashes the pipeline.
"""

import os
import random
import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from ecmp.mail.inbound.parse import parse_message
from ecmp.mail.inbound.pipeline import MessageRefused, _message_id, inbound_store
from ecmp.mail.inbound.quotes import strip_quotes
from ecmp.mail.inbound.senders import DEFECTIVE, NO_ADDRESS, OTHER_SENDER, SEVERAL
from ecmp.mail.models import InboundEmail
from tests.factories import OrganizationFactory, UserFactory
from tests.mailtools import build_mail

CORPUS = Path(
    os.environ.get("ECMP_MAIL_CORPUS", Path(settings.BASE_DIR).parent / "shared" / "mail-corpus")
)
MESSAGES = sorted(CORPUS.glob("*/*.eml")) if CORPUS.exists() else []
needs_corpus = pytest.mark.skipif(not MESSAGES, reason=f"mail corpus not found at {CORPUS}")
FINAL = {"processed", "held", "ignored"}


@needs_corpus
def test_every_corpus_message_parses():
    for path in MESSAGES:
        mail = parse_message(path.read_bytes())
        assert isinstance(mail.text, str) and "\x00" not in mail.text, path.name


@needs_corpus
def test_every_corpus_message_ends_somewhere_known(db, django_capture_on_commit_callbacks):
    # Register a few of the corpus's senders so that some messages become tickets.
    organization = OrganizationFactory(name="Corpus clients")
    senders = {parse_message(p.read_bytes()).sender for p in MESSAGES}
    for address in sorted(a for a in senders if a and "@" in a)[:15]:
        UserFactory(email=address, organization=organization)
    outcomes = {}
    for path in MESSAGES:
        try:
            with django_capture_on_commit_callbacks(execute=True):
                row, _created = inbound_store(path.read_bytes(), source="corpus")
        except MessageRefused:
            outcomes[path.name] = "refused"
            continue
        row.refresh_from_db()
        assert row.status in FINAL, f"{path.name}: {row.status} {row.last_error}"
        outcomes[path.name] = row.outcome
    assert "ticket_created" in outcomes.values()
    assert "bounce" in outcomes.values()
    assert outcomes.get("mail033-undelivered-mail-returned-to-sender.eml") == "bounce"


@needs_corpus
@pytest.mark.parametrize("name", ["iphone", "sparrow"])
def test_quoted_history_is_removed_as_talon_expects(name):
    mail = parse_message((CORPUS / "talon" / f"{name}.eml").read_bytes())
    expected = (CORPUS / "talon" / f"{name}_reply_text").read_text()
    reply, stripped = strip_quotes(mail.text)
    assert stripped
    assert " ".join(reply.split()) == " ".join(expected.split())


@needs_corpus
def test_the_other_clients_replies_keep_only_the_new_text():
    for name in ("gmail", "yahoo", "aol", "apple_mail_2"):
        mail = parse_message((CORPUS / "talon" / f"{name}.eml").read_bytes())
        reply, stripped = strip_quotes(mail.text)
        assert stripped and reply.strip() == "Hello", name


@given(st.binary(max_size=3000))
@hypothesis_settings(max_examples=150, deadline=None)
def test_any_bytes_parse_without_error(raw):
    parse_message(raw)


def mangle(raw: bytes, seed: int) -> bytes:
    rng = random.Random(seed)
    data = bytearray(raw)
    for _ in range(rng.randint(1, 12)):
        action = rng.choice(["flip", "cut", "dup", "insert"])
        if not data:
            break
        i = rng.randrange(len(data))
        if action == "flip":
            data[i] = rng.randrange(256)
        elif action == "cut":
            del data[i : i + rng.randint(1, 40)]
        elif action == "dup":
            data[i:i] = data[i : i + rng.randint(1, 80)]
        else:
            data[i:i] = rng.choice(
                [b"\r\n", b"\x00", b"=?utf-8?b?", b"--", b"\xff\xfe", b"boundary="]
            )
    return bytes(data)


@given(seed=st.integers(min_value=0, max_value=10**9), which=st.integers(0, 3))
@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_mangled_messages_end_somewhere_known(db, django_capture_on_commit_callbacks, seed, which):
    if (
        not InboundEmail.objects.exists()
        and not UserFactory._meta.model.objects.filter(email="alice@acme.test").exists()
    ):
        UserFactory(email="alice@acme.test")
    # Hypothesis seeds `random` for each example, and make_msgid draws from it: two
    # examples within the same 10 ms had the same Message-ID, and the second (its
    # headers mangled, its body not) was rightly kept as a re-delivery of the first.
    unique = f"<{uuid.uuid4().hex}@client.test>"
    samples = [
        lambda: build_mail(message_id=unique),
        lambda: build_mail(html="<p>Hi<script>x</script></p>", body=None, message_id=unique),
        lambda: build_mail(attachments=[("a.txt", b"data", "text", "plain")], message_id=unique),
        lambda: build_mail(
            subject="Re: [#1001] x", headers={"In-Reply-To": "<ecmp.1001.x@y>"}, message_id=unique
        ),
    ]
    raw = mangle(samples[which](), seed)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            row, created = inbound_store(raw, source="fuzz")
    except MessageRefused:
        return
    row.refresh_from_db()
    assert row.status in FINAL, row.last_error
    # A mangled ID can still meet another example's: then it is a re-delivery of it.
    assert bytes(row.raw) == raw if created else row.message_id == _message_id(raw)


def _zammad_from_email(path):
    """The sender address Zammad's parser found, from its .yml (read without a YAML loader)."""
    expected = path.with_suffix(".yml")
    if not expected.exists():
        return None
    for line in expected.read_text(errors="replace").splitlines():
        if line.startswith("from_email:"):
            value = line.partition(":")[2].strip()
            return value if re.fullmatch(r"[^@\s\"'<>]+@[^@\s\"'<>]+", value) else None
    return None


@needs_corpus
def test_the_sender_is_zammads_address_or_a_stated_problem():
    compared = 0
    for path in sorted((CORPUS / "zammad").glob("*.eml")):
        expected = _zammad_from_email(path)
        if expected is None:
            continue
        mail = parse_message(path.read_bytes())
        compared += 1
        # Zammad takes the last of two From headers, or a From with defects: we hold them.
        assert mail.sender == expected.lower() or (mail.sender == "" and mail.sender_problem), (
            path.name
        )
    assert compared > 40


@needs_corpus
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("zammad/mail017.eml", SEVERAL),
        ("zammad/mail059.eml", SEVERAL),
        ("zammad/mail076.eml", DEFECTIVE),
        ("zammad/mail087.eml", DEFECTIVE),
        ("zammad/mail035.eml", NO_ADDRESS),
        ("zammad/mail019.eml", NO_ADDRESS),
        ("zammad/mail078-content_transfer_encoding_x_uuencode.eml", OTHER_SENDER),
    ],
)
def test_corpus_senders_that_cannot_be_taken_as_the_author(name, expected):
    assert parse_message((CORPUS / name).read_bytes()).sender_problem == expected


@needs_corpus
@pytest.mark.parametrize(
    "name",
    [
        "rt-emails/new-ticket-from-gb18030.eml",
        "rt-emails/new-ticket-from-iso-8859-1-full.eml",
        "zammad/mail015.eml",
        "zammad/mail031.eml",
        "zammad/mail091.eml",
        "zammad/mail093.eml",
        "zammad/mail045.eml",
        "zammad/mail057.eml",
        "zammad/mail105.eml",
        "mail-parser/mail_test_9.eml",
    ],
)
def test_legacy_and_undeclared_charsets_decode_without_replacement_characters(name):
    mail = parse_message((CORPUS / name).read_bytes())
    readable = [mail.text, mail.subject, mail.sender_name, *(a.name for a in mail.attachments)]
    assert not any("\ufffd" in text for text in readable), readable


@needs_corpus
def test_corpus_texts_in_legacy_charsets_read_as_written():
    assert parse_message((CORPUS / "rt-emails/new-ticket-from-gb18030.eml").read_bytes()).text
    iso_8859_1 = parse_message(
        (CORPUS / "rt-emails/new-ticket-from-iso-8859-1-full.eml").read_bytes()
    )
    assert iso_8859_1.sender_name == "Wilhelmsen Håvard"  # a raw latin-1 header
    assert all(letter in iso_8859_1.text for letter in "øæå")  # a raw UTF-8 body
    gb2312_name = parse_message((CORPUS / "zammad/mail015.eml").read_bytes()).attachments[0].name
    assert gb2312_name == "绩效管理,究竟谁错了.xls"


@needs_corpus
@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("zammad/mail041.eml", "smime.p7m"),
        ("rt-smime/5-encrypted-attachment.eml", "smime.p7m"),
        ("rt-smime/7-signed-encrypted-plain.eml", "smime.p7m"),
        ("rt-smime/9-signed-encrypted-binary.eml", "smime.p7m"),
        ("rt-gnupg/8-encrypted-MIME-with-attachment.eml", None),
        ("rt-gnupg/13-signed-encrypted-MIME-plain.eml", None),
        ("rt-gnupg/15-signed-encrypted-MIME-binary.eml", None),
        ("rt-gnupg/20-signed-encrypted-MIME-plain.eml", None),
        ("rt-gnupg/11-encrypted-inline-attachment.eml", "encrypted.asc"),
        ("rt-gnupg/17-signed-encrypted-inline-attachment.eml", "encrypted.asc"),
    ],
)
def test_encrypted_corpus_messages_are_flagged_and_keep_their_encrypted_part(name, kept):
    mail = parse_message((CORPUS / name).read_bytes())
    assert mail.encrypted
    assert mail.attachments and all(a.data for a in mail.attachments)
    if kept:
        assert kept in [a.name for a in mail.attachments]
    assert "BEGIN PGP MESSAGE" not in mail.text and "MIAGCSqGSIb3DQEHA" not in mail.text


@needs_corpus
@pytest.mark.parametrize(
    "name", ["rt-smime/1-signed.eml", "rt-gnupg/1-signed-MIME-plain.eml", "zammad/mail039.eml"]
)
def test_signed_corpus_messages_are_not_encrypted(name):
    mail = parse_message((CORPUS / name).read_bytes())
    assert not mail.encrypted and mail.text


@needs_corpus
def test_the_uuencoded_corpus_files_become_attachments():
    report = parse_message((CORPUS / "zammad/mail025.eml").read_bytes())
    assert [a.name for a in report.attachments] == ["rulesets-report.csv"]
    assert report.attachments[0].data.startswith(b"RULESET_ID;NAME;")
    assert "begin 644" not in report.text
    x_uuencode = parse_message(
        (CORPUS / "zammad/mail078-content_transfer_encoding_x_uuencode.eml").read_bytes()
    )
    attachment = x_uuencode.attachments[0]
    assert attachment.name == "PGP_Cmts_on_12-14-01_Pkg.txt"
    assert attachment.data.startswith(b"Hello Zammad")


@needs_corpus
def test_text_pasted_above_the_headers_no_longer_hides_them():
    mail = parse_message((CORPUS / "zammad/mail068.eml").read_bytes())
    assert (mail.sender, mail.subject) == ("xxxxx@xxxxx.cz", "Contact from Server")


@needs_corpus
@pytest.mark.parametrize(
    "name", ["zammad/mail103.eml", "mail-parser/mail_test_13.eml", "zammad/mail043.eml"]
)
def test_tool_and_list_mail_in_the_corpus_is_marked_machine(name):
    assert parse_message((CORPUS / name).read_bytes()).machine


@needs_corpus
def test_a_reply_written_below_the_quote_in_the_corpus_keeps_only_the_answer():
    mail = parse_message((CORPUS / "rt-emails/new-ticket-from-iso-8859-1-full.eml").read_bytes())
    reply, stripped = strip_quotes(mail.text)
    assert stripped and reply.startswith("Hello again,") and ">>" not in reply
