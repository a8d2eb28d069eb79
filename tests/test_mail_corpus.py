"""Real-world mail from other help desks' test data, and random mangled mail.

The corpus lives in the workspace's shared/mail-corpus (never copied here: its
licences differ from ours). Every message must end as a ticket, a reply,
held, or ignored with its reason: none disappears, none crashes the pipeline.
"""

import os
import random
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
