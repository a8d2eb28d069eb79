"""The thread finds the words urlize may link from what makes them linkable, not by
looking at every word: the pieces must be those of cutting the text at every
separator run and looking at each word (what the thread did before), for any text."""

from __future__ import annotations

import re

from django.template import defaultfilters
from hypothesis import given, settings
from hypothesis import strategies as st

from ecmp.tickets.presentation import _MIGHT_LINK, _link_pieces, _might_link

# urlize's word split (django.utils.html.word_split_re).
WORD_SPLIT = re.compile(r"""([\s<>"']+)""")


def pieces_word_by_word(body: str) -> list[tuple[str, bool]]:
    """Each word of urlize's split looked at alone (the former `_link_pieces`)."""
    pieces: list[tuple[str, bool]] = []
    plain: list[str] = []
    for token in WORD_SPLIT.split(body):
        if token and _MIGHT_LINK.search(token) is not None and not WORD_SPLIT.fullmatch(token):
            if plain:
                pieces.append(("".join(plain), False))
                plain = []
            pieces.append((token, True))
        elif token:
            plain.append(token)
    if plain:
        pieces.append(("".join(plain), False))
    return pieces


# Texts made of what matters here: separators (ASCII and not), link marks in both
# cases, dots, letters.
PARTS = st.sampled_from(
    [
        " ", "\n", "\r\n", "\t", "\u00a0", "\u2028", "<", ">", '"', "'", "a", "Z", "é", ".", ":",
        "/", "@", "http://", "HTTPS://", "https:/", "www.", "WWW.", "ww.", ".com", ".ORG",
        ".co", ".int", ".network", "x.edu", "mil", "&amp;", "(", ")", ",", "1",
    ]
)  # fmt: skip
TEXTS = st.lists(PARTS, max_size=40).map("".join)


@settings(max_examples=600, deadline=None)
@given(TEXTS)
def test_the_pieces_are_those_of_looking_at_every_word(body):
    assert _link_pieces(body) == pieces_word_by_word(body)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_text_gives_the_same_pieces(body):
    assert _link_pieces(body) == pieces_word_by_word(body)


@settings(max_examples=600, deadline=None)
@given(
    st.one_of(
        TEXTS,
        st.text(max_size=40),
        st.text(alphabet="wW.cCoOmM@:/hHtTpPsS\u212a\u017f", max_size=20),
    )
)
def test_a_text_might_link_where_the_expression_finds_a_mark(body):
    assert _might_link(body) == (_MIGHT_LINK.search(body) is not None)


def test_marks_in_any_case_and_beside_other_alphabets():
    # Case-blind matching beyond ASCII: the long s is an s to it, either dotted I an i.
    for body in ("http\u017f://x", "x.\u0130nt", "x.\u0131nt", "HTTP\u017f://"):
        assert _might_link(body) and _MIGHT_LINK.search(body) is not None, body
    for body in (
        "WWW.A",
        "Www.",
        "x.CoM",
        "HtTpS://",
        "a@",
        "é www.x",
        "\u017f@",
        "ftp://x",
        "ww.w",
    ):
        assert _might_link(body) == (_MIGHT_LINK.search(body) is not None), body
    assert _might_link("HTTP://A") and _might_link("é.NET") and not _might_link("no link here.")


EXAMPLES = [
    "",
    "@",
    "a@b",
    " a@b ",
    "x www.a.com@y z",
    "two marks: http://a.test/@b www.c.org and mail d@e.net.",
    "Hello,\n\nSee https://support.example.com/kb/a-1. Thanks.\r\nBest regards",
    "\u2028www.a.test\u00a0b@c.test'\"<d.com>",
]


def test_examples_are_cut_and_written_as_urlize_writes_the_whole():
    for body in EXAMPLES:
        pieces = _link_pieces(body)
        assert pieces == pieces_word_by_word(body)
        assert "".join(text for text, _link in pieces) == body
        written = "".join(
            defaultfilters.linebreaksbr(defaultfilters.urlize(text) if link else text)
            for text, link in pieces
        )
        assert written == defaultfilters.linebreaksbr(defaultfilters.urlize(body))
