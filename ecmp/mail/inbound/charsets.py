"""Turning a message's bytes into text whatever charset it claims, or fails to claim.

Mailers declare the legacy charset while writing its superset (Outlook's
"iso-8859-1" holds windows-1252 quotes, "gb2312" holds GB18030 characters…), so a
declared charset is read by its superset. Bytes with no declaration that are not
UTF-8 go to charset_normalizer, and only then to windows-1252: the detector is slow
(a fraction of a millisecond), so the common cases never reach it.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

# What the detector may be given: enough to judge, never the whole of a huge body.
DETECT_SAMPLE = 65_536
# On a handful of bytes the detector guesses blindly (three letters of latin-1 read
# as Big5 as readily as anything): below this, the western fallback is likelier right.
DETECT_MINIMUM = 24
FALLBACK = "windows-1252"

_SUPERSETS = {
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "iso-8859-1": FALLBACK,
    "iso8859-1": FALLBACK,
    "iso_8859-1": FALLBACK,
    "latin-1": FALLBACK,
    "latin1": FALLBACK,
    "l1": FALLBACK,
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "euc-kr": "cp949",
    "euc_kr": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "big5": "big5hkscs",
    "big-5": "big5hkscs",
    "x-big5": "big5hkscs",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
}
# Labels that say nothing about the bytes: read them as undeclared.
_NO_CHARSET = {"", "x-unknown", "unknown-8bit", "unknown", "us-ascii", "ascii", "default", "8bit"}
# Codepages the detector chooses among: those mail is written in. Rarer ones (Baltic
# DOS, EBCDIC…) read western text as well as anything and would win ties.
_DETECTABLE = [
    "utf_8",
    "cp1252",
    "iso8859_15",
    "cp1250",
    "cp1251",
    "koi8_r",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1256",
    "cp1257",
    "cp1258",
    "cp874",
    "gb18030",
    "big5hkscs",
    "cp932",
    "euc_jp",
    "cp949",
]


def codec_for(declared: str | None) -> str | None:
    """The codec that reads what a declared charset really holds; None when unusable."""
    if not declared:
        return None
    name = declared.strip().strip("\"'").lower()
    if name in _NO_CHARSET:
        return None
    name = _SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):  # ValueError: a NUL in a mangled charset name
        return None


def is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _in_pairs(data: bytes) -> bool:
    """Whether the 8-bit bytes come in runs of even length, as double-byte scripts write
    them; a western text's accented letters mostly stand alone between ASCII ones."""
    runs = re.findall(rb"[\x80-\xff]+", data)
    return bool(runs) and all(len(run) % 2 == 0 for run in runs)


def detect(data: bytes) -> str | None:
    """charset_normalizer's guess for undeclared 8-bit bytes, or None."""
    sample = data[:DETECT_SAMPLE]
    if sum(byte >= 0x80 for byte in sample) < DETECT_MINIMUM and not _in_pairs(sample):
        return None
    try:
        best = from_bytes(sample, cp_isolation=_DETECTABLE).best()
    except Exception:  # a detector bug must not lose the message
        return None
    return best.encoding if best is not None else None


def _western(data: bytes) -> str:
    # windows-1252 leaves five bytes undefined; latin-1 reads them as controls.
    try:
        return data.decode(FALLBACK)
    except UnicodeDecodeError:
        return data.decode("latin-1")


def decode(data: bytes, declared: str | None = None) -> str:
    """The text these bytes hold, by their declared charset's superset, else detected."""
    codec = codec_for(declared)
    if data.isascii():
        if codec is None or codec == "utf-8":
            return data.decode("ascii")
    elif codec in ("iso2022_jp", "iso2022_jp_2", "iso2022_jp_ext"):
        # 7-bit by definition: 8-bit bytes under this label are Shift_JIS.
        codec = "cp932"
    if codec is not None:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    if codec != "utf-8" and is_utf8(data):
        return data.decode("utf-8")
    guessed = detect(data)
    if guessed is not None:
        return data.decode(guessed, errors="replace")
    return _western(data)
