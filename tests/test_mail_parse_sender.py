"""Who a message is from: the From address as RFC 5322 reads it, never the display name's."""

import base64
import quopri
from email import policy

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from ecmp.mail.inbound.machine import machine_reason
from ecmp.mail.inbound.noise import classify
from ecmp.mail.inbound.parse import parse_message, repair_header_block
from ecmp.mail.inbound.senders import (
    _SIMPLE,
    DEFECTIVE,
    NO_ADDRESS,
    OTHER_SENDER,
    SEVERAL,
    _registry_read,
    read_address,
)
from tests.mailtools import build_mail


def raw_mail(headers, body="Hello."):
    """A message written byte for byte, so that broken headers stay broken."""
    head = "".join(f"{line}\r\n" for line in headers)
    return (head + "\r\n" + body + "\r\n").encode("utf-8", "surrogateescape")


def mail_from(value, *extra):
    return parse_message(raw_mail([f"From: {value}", "To: support@ecmp.localhost", *extra]))


def test_an_encoded_display_name_that_looks_like_an_address_does_not_choose_the_sender():
    mail = mail_from("=?utf-8?q?=3Cagent=40ecmp=2Eexample=3E?= <attacker@evil.example>")
    assert mail.sender == "attacker@evil.example"
    assert mail.sender_name == "<agent@ecmp.example>"


def test_an_unquoted_address_as_display_name_is_a_defective_from():
    mail = mail_from("user@acme.example <attacker@evil.example>")
    assert mail.sender == "" and mail.sender_problem == DEFECTIVE


@pytest.mark.parametrize(
    "value",
    [
        '"Schuman, Robert" <User@Acme.example>',
        "=?utf-8?B?U2NodW1hbiwgUm9iZXJ0?= <user@acme.example>",
        "=?iso-8859-1?q?Schuman=2C_Robert?= <user@acme.example>",
    ],
)
def test_outlooks_last_comma_first_names_are_clean(value):
    mail = mail_from(value)
    assert (mail.sender, mail.sender_name, mail.sender_problem) == (
        "user@acme.example",
        "Schuman, Robert",
        "",
    )


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", NO_ADDRESS),
        ("Robert Schuman", NO_ADDRESS),
        ('"finances@bank.example"', NO_ADDRESS),
        ("Team: a@acme.example, b@acme.example;", NO_ADDRESS),
        ('"Someone" <>', NO_ADDRESS),
        ("a@acme.example, b@acme.example", SEVERAL),
        ("Test test@example.com", DEFECTIVE),
        ("Pete <pete@x.example> <evil@y.example>", DEFECTIVE),
        ('"Millions"@example.com>', DEFECTIVE),
    ],
)
def test_a_from_without_one_clean_address_has_a_problem_and_no_sender(value, problem):
    mail = mail_from(value)
    assert mail.sender == "" and mail.sender_problem == problem


def test_a_missing_from_is_no_sender_address():
    mail = parse_message(raw_mail(["To: support@ecmp.localhost", "Subject: hi"]))
    assert mail.sender == "" and mail.sender_problem == NO_ADDRESS


def test_two_from_headers_are_several_from_addresses():
    mail = mail_from("a@acme.example", "From: b@acme.example")
    assert mail.sender == "" and mail.sender_problem == SEVERAL


@pytest.mark.parametrize(
    ("value", "address", "name"),
    [
        ("J. Smith <j@x.example>", "j@x.example", "J. Smith"),
        ("joe@x.example (Joe Smith)", "joe@x.example", "Joe Smith"),
        ("Ups Rémi <r.ordonaud@example.com>", "r.ordonaud@example.com", "Ups Rémi"),
        ('"example"\r\n <noreply@example.org>', "noreply@example.org", "example"),
        ("<joe@x.example>", "joe@x.example", ""),
    ],
)
def test_harmless_old_forms_still_give_the_address(value, address, name):
    mail = mail_from(value)
    assert (mail.sender, mail.sender_name, mail.sender_problem) == (address, name, "")


def test_a_sender_header_naming_someone_else_is_a_problem():
    mail = mail_from("alice@acme.test", "Sender: Lists <list-bounces@lists.example>")
    assert mail.sender == "alice@acme.test"
    assert mail.sender_header == "list-bounces@lists.example"
    assert mail.sender_problem == OTHER_SENDER


def test_a_sender_header_naming_the_author_is_fine():
    mail = mail_from("Alice <alice@acme.test>", "Sender: ALICE@acme.test")
    assert mail.sender_problem == "" and mail.sender_header == "alice@acme.test"


def test_raw_utf8_and_latin1_display_names_are_decoded():
    utf8 = parse_message(b"From: Ren\xc3\xa9 <r@x.example>\r\nSubject: \xc3\xa9t\xc3\xa9\r\n\r\nx")
    assert (utf8.sender, utf8.sender_name, utf8.subject) == ("r@x.example", "René", "été")
    latin = parse_message(b"From: Ren\xe9 <r@x.example>\r\nSubject: d\xe9j\xe0 vu\r\n\r\nx")
    assert (latin.sender, latin.sender_name, latin.subject) == ("r@x.example", "René", "déjà vu")


def test_authentication_results_are_kept_topmost_first():
    mail = mail_from(
        "alice@acme.test",
        "Authentication-Results: mx.ecmp.localhost; dkim=pass header.d=acme.test",
        "Authentication-Results: relay.example;\r\n spf=fail smtp.mailfrom=acme.test",
    )
    assert mail.auth_results == [
        "mx.ecmp.localhost; dkim=pass header.d=acme.test",
        "relay.example; spf=fail smtp.mailfrom=acme.test",
    ]


# A header-block line without a colon or leading white space, as some mailers write.
def test_a_broken_fold_is_read_as_a_continuation_and_the_headers_after_it_are_kept():
    raw = (
        b"Received: from relay.example\r\nby mx.example with ESMTP\r\n"
        b"From: Alice <alice@acme.test>\r\nSubject: Printer\r\nTo: support@ecmp.localhost\r\n"
        b"\r\nbody line\r\nno colon here\r\n"
    )
    mail = parse_message(raw)
    assert (mail.sender, mail.subject) == ("alice@acme.test", "Printer")
    assert mail.text == "body line\nno colon here"


def test_text_pasted_above_the_headers_is_dropped():
    raw = b"---- Original email message ----\nFrom: a@acme.test\nSubject: Form\n\nHello"
    mail = parse_message(raw)
    assert (mail.sender, mail.subject, mail.text) == ("a@acme.test", "Form", "Hello")


def test_a_body_without_any_header_is_left_alone():
    raw = b"just some text\nwithout headers\n\nand more"
    assert repair_header_block(raw) == raw


def test_text_run_into_the_end_of_the_headers_stays_body():
    raw = b"From: a@acme.test\nSubject: x\nHello there, no blank line\n"
    assert repair_header_block(raw) == raw


# The property: whatever the display name, the address read is the real one or none.
_NAME_CHARS = st.text(
    alphabet=st.sampled_from([*"abcXYZ éü,.;:@<>\"'()[]\\=?_-+", "ß", "中"]),
    min_size=0,
    max_size=30,
)
_LOCAL = st.from_regex(r"[a-z0-9]{1,8}([._+-][a-z0-9]{1,8}){0,2}", fullmatch=True)
_DOMAIN = st.from_regex(r"[a-z0-9]{1,10}(\.[a-z]{2,6}){1,2}", fullmatch=True)


def _encoded(name, charset, encoding):
    data = name.encode(charset, "replace")
    if encoding == "B":
        payload = base64.b64encode(data).decode()
    else:
        payload = quopri.encodestring(data, header=True).decode().replace("?", "=3F")
    return f"=?{charset}?{encoding}?{payload}?="


def _display(draw_name, form, charset, encoding):
    if form == "plain":
        return draw_name
    if form == "quoted":
        return '"' + draw_name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return _encoded(draw_name, charset, encoding)


@given(
    name=_NAME_CHARS,
    form=st.sampled_from(["plain", "quoted", "encoded"]),
    charset=st.sampled_from(["utf-8", "iso-8859-1"]),
    encoding=st.sampled_from(["B", "Q"]),
    local=_LOCAL,
    domain=_DOMAIN,
)
@hypothesis_settings(max_examples=400, deadline=None)
def test_any_display_name_gives_the_real_address_or_a_problem(
    name, form, charset, encoding, local, domain
):
    address = f"{local}@{domain}"
    value = f"{_display(name, form, charset, encoding)} <{address}>"
    mail = mail_from(value)
    assert mail.sender in (address, "")
    assert (mail.sender == "") == bool(mail.sender_problem)


@given(st.text(alphabet=st.sampled_from(list('ab@.<>",: =?_\t(')), max_size=40))
@hypothesis_settings(max_examples=400, deadline=None)
def test_the_quick_reading_agrees_with_the_header_registry(value):
    simple = _SIMPLE.fullmatch(value)
    if simple is None:
        return
    address, _name, problem = read_address(value)
    registry_address, _registry_name, registry_problem = _registry_read(value)
    assert (address, problem) == (registry_address.lower(), registry_problem)


@pytest.mark.parametrize(
    "value",
    ['"' * 4000, "(" * 4000, "=?utf-8?q?" * 400, "." * 4000, "<" * 4000, "a@" * 2000],
)
def test_hostile_from_headers_are_read_quickly_without_error(value):
    mail = mail_from(value)
    assert mail.sender_problem


def test_the_registry_reads_what_the_policy_default_reads():
    header = policy.default.header_factory("From", '"Schuman, Robert" <user@acme.example>')
    assert _registry_read(str(header)) == ("user@acme.example", "Schuman, Robert", "")


# Machine mail: marked, not ignored.
@pytest.mark.parametrize(
    ("sender", "headers"),
    [
        ("noreply@acme.test", {}),
        ("no-reply+x@acme.test", {}),
        ("donotreply@acme.test", {}),
        ("root@server.acme.test", {}),
        ("cron@server.acme.test", {}),
        ("notifications@github.example", {}),
        ("alice@acme.test", {"X-Cron-Env": "<SHELL=/bin/sh>"}),
        ("alice@acme.test", {"X-Jira-Fingerprint": "abc"}),
        ("alice@acme.test", {"X-GitHub-Reason": "mention"}),
        ("alice@acme.test", {"X-Gitlab-Project": "x"}),
        ("alice@acme.test", {"X-Zabbix-Trigger": "x"}),
        ("alice@acme.test", {"X-Auto-Response-Suppress": "All"}),
        ("alice@acme.test", {"Precedence": "bulk"}),
        ("alice@acme.test", {"List-Id": "<users.lists.example>"}),
        ("alice@acme.test", {"List-Unsubscribe": "<mailto:u@lists.example>"}),
    ],
)
def test_machine_mail_is_marked_and_not_ignored(sender, headers):
    mail = parse_message(build_mail(sender=sender, headers=headers))
    assert mail.machine
    assert classify(mail) is None


def test_a_person_is_not_machine_mail():
    assert parse_message(build_mail()).machine == ""
    assert machine_reason({"from", "to"}, {}, "rooted.tree@acme.test") == ""


@pytest.mark.parametrize(
    ("sender", "headers"),
    [
        ("mailer-daemon@mx.acme.test", {}),
        ("postmaster@acme.test", {}),
        ("alice@acme.test", {"Auto-Submitted": "auto-replied"}),
        ("alice@acme.test", {"X-Autoreply": "yes"}),
        ("alice@acme.test", {"Precedence": "auto_reply"}),
        ("alice@acme.test", {"Return-Path": "<>"}),
        ("alice@acme.test", {"X-Loop": "support@ecmp.localhost"}),
    ],
)
def test_only_rfc_3834_and_dsn_mail_is_ignored(sender, headers):
    assert classify(parse_message(build_mail(sender=sender, headers=headers))) is not None


def test_no_sender_address_is_not_noise():
    mail = mail_from("Robert")
    assert classify(mail) is None and mail.sender_problem == NO_ADDRESS
