"""Who wrote a message, as proven rather than as claimed by its From: header.

Evidence, strongest first:
1. a reply token: our Message-IDs (and plus addresses) carry an HMAC over the
   ticket and the recipient's address; a reply that references one issued to its
   From address proves that this person received our mail about this ticket;
2. the boundary MTA's Authentication-Results (RFC 8601), only from the server
   named in ECMP_MAIL_TRUSTED_AUTHSERV_ID: DMARC pass, or DKIM pass aligned with
   the From domain; DMARC fail is proof against;
3. optionally, DKIM verified here (ECMP_MAIL_VERIFY_DKIM), for mailboxes whose
   server adds no results;
4. the SMTP envelope sender, where known: a domain other than From's is shown as
   a warning, never taken as proof either way.

The verdict and its evidence are stored on the message (`InboundEmail`) and
shown in the desk; `route.py` applies the policy (ECMP_MAIL_VERIFY).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import authres
import dkim
from django.conf import settings

from ecmp.mail.ids import reply_tokens
from ecmp.mail.inbound.parse import ParsedMail
from ecmp.mail.models import Verification

logger = logging.getLogger(__name__)

# DKIM's key lookup; tests put a function here that answers from a local key, so
# nothing leaves the machine. None: dkimpy asks DNS.
DKIM_DNS: Callable[..., bytes | None] | None = None
# A message with more signatures than this is not worth checking them all.
MAX_DKIM_SIGNATURES = 5


@dataclass
class Verdict:
    verification: str
    evidence: list[dict[str, str]] = field(default_factory=list)
    # Tickets for which the message holds a reply token issued to its sender.
    token_tickets: set[int] = field(default_factory=set)

    @property
    def verified(self) -> bool:
        return self.verification == Verification.VERIFIED

    @property
    def failed(self) -> bool:
        return self.verification == Verification.FAILED

    def for_ticket(self, number: int | None) -> Verdict:
        """The verdict once the message is known to be about ticket `number`: its
        reply token for that ticket proves the sender."""
        if number is None or number not in self.token_tickets or self.failed:
            return self
        evidence = [
            {"check": "token", "result": "pass", "detail": f"reply token for ticket {number}"},
            *(item for item in self.evidence if item["check"] != "token"),
        ]
        return Verdict(Verification.VERIFIED, evidence, self.token_tickets)


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().lower().rstrip(".")


def _aligned(signer: str, from_domain: str) -> bool:
    """DKIM's d= covers the From domain: the same, or a parent of it (relaxed)."""
    signer = signer.strip().lower().lstrip("@").rpartition("@")[2].rstrip(".")
    return bool(signer) and (from_domain == signer or from_domain.endswith("." + signer))


def _trusted_results(values: list[str]) -> list[Any]:
    """The results our boundary MTA added: the headers carrying its authserv-id at
    the very top (it adds them last). Anything from another server above them, or
    ours below another's (a copy forged by the sender, or added on the way), counts
    for nothing: proof only comes from the top. A header must begin with the id (a
    comment before it is how a forged copy slips past an MTA's removal rule), and
    for each method the topmost header that reports on it is the one that counts."""
    trusted = settings.ECMP_MAIL_TRUSTED_AUTHSERV_ID
    results: list[Any] = []
    if not trusted:
        return results
    reported: set[str] = set()
    for value in values:
        if not value.lstrip().lower().startswith(trusted):
            break
        try:
            header = authres.AuthenticationResultsHeader.parse_value(value)
        except Exception:  # authres raises its own errors on any syntax it dislikes
            break
        if (header.authserv_id or "").strip().lower() != trusted:
            break
        methods = {str(result.method).lower() for result in header.results}
        results.extend(r for r in header.results if str(r.method).lower() not in reported)
        reported |= methods
    return results


def _property(result: Any, name: str) -> str:
    for prop in result.properties:
        if f"{prop.type}.{prop.name}".lower() == name:
            return str(prop.value or "")
    return ""


def _from_results(mail: ParsedMail, from_domain: str) -> tuple[str, list[dict[str, str]]]:
    """("pass" / "fail" / "", evidence) from the trusted Authentication-Results."""
    evidence = []
    verdict = ""
    for result in _trusted_results(mail.auth_results):
        method, outcome = str(result.method).lower(), str(result.result).lower()
        if method == "dmarc":
            header_from = _property(result, "header.from").lower()
            if header_from and header_from != from_domain:
                evidence.append(
                    {"check": "dmarc", "result": "ignored", "detail": f"for {header_from}"}
                )
                continue
            evidence.append({"check": "dmarc", "result": outcome, "detail": from_domain})
            if outcome == "pass" and verdict != "fail":
                verdict = "pass"
            elif outcome == "fail":
                verdict = "fail"
        elif method == "dkim":
            signer = _property(result, "header.d") or _property(result, "header.i")
            aligned = _aligned(signer, from_domain)
            evidence.append(
                {
                    "check": "dkim",
                    "result": outcome,
                    "detail": f"d={signer}" + ("" if aligned else " (not the From domain)"),
                }
            )
            if outcome == "pass" and aligned and not verdict:
                verdict = "pass"
        elif method == "spf":
            # SPF checks the envelope, not From: shown, never proof.
            domain = _property(result, "smtp.mailfrom")
            evidence.append({"check": "spf", "result": outcome, "detail": domain})
    return verdict, evidence


# Headers a signature must cover, when the message has them, for it to prove
# anything here: routing reads them (which ticket, which words).
_ROUTED_HEADERS = (b"subject", b"in-reply-to", b"references", b"to", b"cc")


def _dkim_here(raw: bytes, from_domain: str) -> tuple[bool, dict[str, str] | None]:
    """Verify the message's DKIM signatures here: whether one passes aligned with the
    From domain and covers what routing reads, and the evidence of that one (or of
    the last one tried)."""
    if b"dkim-signature" not in raw[:200_000].lower():
        return False, None
    try:
        checker = dkim.DKIM(raw, logger=logger)
        present = {name.lower() for name, _value in checker.headers}
        count = sum(1 for name, _value in checker.headers if name.lower() == b"dkim-signature")
    except Exception as exc:  # a message dkimpy cannot read is not proven, not an error
        return False, {"check": "dkim-local", "result": "fail", "detail": type(exc).__name__}
    kwargs = {"dnsfunc": DKIM_DNS} if DKIM_DNS is not None else {}
    last = None
    for index in range(min(count, MAX_DKIM_SIGNATURES)):
        try:
            passed = bool(checker.verify(idx=index, **kwargs))
        except Exception as exc:  # a broken signature or key is a failed check, not an error
            signer = (checker.domain or b"?").decode("ascii", "replace")
            detail = f"d={signer}: {type(exc).__name__}"
            last = {"check": "dkim-local", "result": "fail", "detail": detail}
            continue
        signer = (checker.domain or b"").decode("ascii", "replace")
        aligned = _aligned(signer, from_domain)
        fields = checker.signature_fields
        signed = {name.strip().lower() for name in fields.get(b"h", b"").split(b":")}
        uncovered = [h.decode() for h in _ROUTED_HEADERS if h in present and h not in signed]
        partial = b"l" in fields  # only the start of the body is signed: text can follow
        why = []
        if not aligned:
            why.append("not the From domain")
        if uncovered:
            why.append("does not sign " + ", ".join(uncovered))
        if partial:
            why.append("signs part of the body only")
        last = {
            "check": "dkim-local",
            "result": "pass" if passed else "fail",
            "detail": f"d={signer}" + (f" ({'; '.join(why)})" if why else ""),
        }
        if passed and not why:
            return True, last
    return False, last


def _envelope(envelope_from: str, from_domain: str) -> dict[str, str] | None:
    if not envelope_from:
        return None
    if _aligned(_domain(envelope_from), from_domain) or _aligned(
        from_domain, _domain(envelope_from)
    ):
        return {"check": "envelope", "result": "match", "detail": envelope_from}
    return {"check": "envelope", "result": "warning", "detail": envelope_from}


def verify_sender(mail: ParsedMail, raw: bytes, *, envelope_from: str = "") -> Verdict:
    """The verdict on `mail`'s sender before it is known which ticket it is about
    (see `Verdict.for_ticket`)."""
    from_domain = _domain(mail.sender) if mail.sender else ""
    verdict, evidence = _from_results(mail, from_domain) if from_domain else ("", [])
    if mail.duplicate_headers:
        # A second Subject (or In-Reply-To…) put above a signed one: what a signature
        # or a token proves is not what routing would read. Only a failure counts.
        repeated = "repeated " + ", ".join(mail.duplicate_headers)
        evidence.insert(0, {"check": "headers", "result": "fail", "detail": repeated})
        failed = verdict == "fail"
        return Verdict(Verification.FAILED if failed else Verification.UNVERIFIED, evidence)
    tickets, others = reply_tokens(mail.sender, mail.in_reply_to + mail.references, mail.recipients)
    if others and not tickets:
        evidence.insert(
            0, {"check": "token", "result": "fail", "detail": "issued to another address"}
        )
    if not verdict and from_domain and settings.ECMP_MAIL_VERIFY_DKIM:
        proven, local = _dkim_here(raw, from_domain)
        if local is not None:
            evidence.append(local)
        if proven:
            verdict = "pass"
    envelope = _envelope(envelope_from, from_domain) if from_domain else None
    if envelope is not None:
        evidence.append(envelope)
    if verdict == "fail":
        status = Verification.FAILED
    elif verdict == "pass":
        status = Verification.VERIFIED
    else:
        status = Verification.UNVERIFIED
    return Verdict(status, evidence, tickets)
