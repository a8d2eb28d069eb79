"""Reading a bank statement exported as CSV (pure: no database).

One line per movement: its date, its amount and its communication (the payment
reference the client typed). Separators ";" or ","; amounts with a decimal comma
or point (1 234,56 / 1.234,56 / 1234.56); dates as 2026-03-31, 31/03/2026,
31-03-2026 or 31.03.2026. An optional header row names the columns (date, amount,
communication, in English, French or Dutch); without it they are the first three.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import iso11649

MAX_BYTES = 1024 * 1024
MAX_LINES = 5000

# Header names, lower case, without accents' worries: a cell containing one of them.
_DATE_NAMES = ("date", "datum")
_AMOUNT_NAMES = ("amount", "montant", "bedrag", "betrag")
_REFERENCE_NAMES = ("communication", "reference", "référence", "mededeling", "remittance")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
_OGM = re.compile(r"(\d{3})\s*/\s*(\d{4})\s*/\s*(\d{5})")
_RF = re.compile(r"RF\d{2}(?:\s?[0-9A-Z]){1,21}")
_TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")


@dataclass(frozen=True)
class StatementLine:
    number: int  # in the file, from 1, for the messages
    date: date
    amount: Decimal
    communication: str

    def references(self) -> set[str]:
        """Compact payment references this communication may carry: the whole of it
        compacted (202600001206, RF18…), and each OGM or RF found inside a longer text.
        An RF reference has no fixed length: a word written right after it would join
        it, so each of its beginnings that passes the check digits is a candidate."""
        text = self.communication.upper()
        found = {re.sub(r"[^0-9A-Z]", "", text)}
        found.update("".join(match.groups()) for match in _OGM.finditer(text))
        found.update(match.group() for match in _TWELVE_DIGITS.finditer(text))
        for match in _RF.finditer(text):
            compact = re.sub(r"\s", "", match.group())
            found.update(
                compact[:end]
                for end in range(5, len(compact) + 1)
                if iso11649.is_valid(compact[:end])
            )
        found.discard("")
        return found


def _refuse(number: int, message: str) -> ValidationError:
    return ValidationError(
        _("Line %(number)s: %(message)s") % {"number": number, "message": message},
        code="statement_line",
    )


def _parse_date(text: str) -> date | None:
    for format_ in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), format_).date()
        except ValueError:
            continue
    return None


def parse_amount(text: str) -> Decimal | None:
    """1 234,56 / 1.234,56 / 1,234.56 / -12,5 / €12.50: the last separator is the
    decimal one when two kinds appear; a lone comma is decimal."""
    cleaned = re.sub(r"[\s\u00a0\u202f'€]|EUR", "", text.strip(), flags=re.IGNORECASE)
    if "," in cleaned and "." in cleaned:
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    elif cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"[+-]?\d+(\.\d{1,2})?", cleaned):
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def _column(header: list[str], names: tuple[str, ...], default: int) -> int:
    for index, cell in enumerate(header):
        if any(name in cell.strip().lower() for name in names):
            return index
    return default


def statement_parse(text: str) -> list[StatementLine]:
    """Every movement of the statement, or a ValidationError naming the first bad line:
    a file half read would record half the payments."""
    if len(text.encode()) > MAX_BYTES:
        raise ValidationError(
            _("The file is too large (at most %(size)s MB).") % {"size": MAX_BYTES // 2**20},
            code="too_large",
        )
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    rows = [
        (number, row)
        for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1)
        if any(cell.strip() for cell in row)
    ]
    if not rows:
        raise ValidationError(_("The file is empty."), code="empty")
    columns = (0, 1, 2)
    if _parse_date(rows[0][1][0] if rows[0][1] else "") is None:
        header = rows.pop(0)[1]
        columns = (
            _column(header, _DATE_NAMES, 0),
            _column(header, _AMOUNT_NAMES, 1),
            _column(header, _REFERENCE_NAMES, 2),
        )
    if len(rows) > MAX_LINES:
        raise ValidationError(
            _("The file has too many lines (at most %(count)s).") % {"count": MAX_LINES},
            code="too_many_lines",
        )
    lines = []
    for number, row in rows:
        if len(row) <= max(columns):
            raise _refuse(number, _("it has too few columns."))
        day = _parse_date(row[columns[0]])
        if day is None:
            raise _refuse(number, _("the date is not a date (2026-03-31 or 31/03/2026)."))
        amount = parse_amount(row[columns[1]])
        if amount is None:
            raise _refuse(number, _("the amount is not a number (1234,56 or 1234.56)."))
        lines.append(StatementLine(number, day, amount, row[columns[2]].strip()[:140]))
    if not lines:
        raise ValidationError(_("The file has no lines after its header."), code="empty")
    return lines
