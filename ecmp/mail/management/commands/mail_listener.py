"""An SMTP (or LMTP) server that takes mail for our support addresses only.

Unknown recipients are refused at RCPT time, so nothing is accepted that we
would then have to bounce; an accepted message is stored before "250".
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
from typing import Any, NoReturn

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from ecmp.mail.ids import is_our_address
from ecmp.mail.inbound.pipeline import MessageRefused, inbound_store

logger = logging.getLogger(__name__)


class SupportHandler:
    def __init__(self, *, lmtp: bool = False) -> None:
        self.lmtp = lmtp

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not is_our_address(address):
            return "550 5.1.1 No such recipient here"
        if self.lmtp and envelope.rcpt_tos:
            # LMTP answers DATA once per recipient; one recipient per transaction keeps
            # that simple, and the MTA delivers to the others in transactions of their own.
            return "452 4.5.3 One recipient per message, please"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        # The envelope sender decides what is a bounce ("MAIL FROM:<>"): keep it.
        sender = (envelope.mail_from or "").strip().strip("<>").replace("\r", "").replace("\n", "")
        newline = b"\r\n" if b"\r\n" in raw[:2000] else b"\n"
        raw = f"Return-Path: <{sender}>".encode() + newline + raw
        try:
            await sync_to_async(inbound_store, thread_sensitive=False)(
                raw, source="smtp", envelope_to=list(envelope.rcpt_tos), envelope_from=sender
            )
        except MessageRefused as refusal:
            if refusal.temporary:  # the sending server keeps it and tries again later
                return f"452 4.3.1 {refusal}"
            return f"552 5.3.4 {refusal}"
        except Exception:
            logger.exception("could not store an incoming message")
            return "451 4.3.0 Temporary failure, please try again later"
        return "250 2.0.0 Message accepted"


class LMTPController(Controller):
    def factory(self):
        return LMTP(self.handler, **self.SMTP_kwargs)


def make_controller(host: str, port: int, *, lmtp: bool = False) -> Controller:
    cls = LMTPController if lmtp else Controller
    return cls(
        SupportHandler(lmtp=lmtp),
        hostname=host,
        port=port,
        data_size_limit=settings.ECMP_INBOUND_MAX_BYTES,
    )


def check_address_free(host: str, port: int) -> None:
    """Raise OSError at once if host:port cannot be listened on.

    aiosmtpd reports a taken port only after its 5-second start-up timeout; the
    same bind (with SO_REUSEADDR, as asyncio's server uses) answers now.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


class Command(BaseCommand):
    help = "Receive mail for the support addresses over SMTP (or LMTP with --lmtp)."

    def add_arguments(self, parser: CommandParser) -> None:
        host, _, port = settings.ECMP_MAIL_LISTENER.rpartition(":")
        parser.add_argument("--host", default=host or "127.0.0.1")
        parser.add_argument("--port", type=int, default=int(port or 2525))
        parser.add_argument("--lmtp", action="store_true")

    def handle(self, *args: Any, host: str, port: int, lmtp: bool, **options: Any) -> None:
        stop = threading.Event()
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            # Before the controller exists: it opens an event loop that, left
            # unclosed at exit, writes a traceback of its own to stderr.
            check_address_free(host, port)
        except OSError as error:
            self._port_unavailable(host, port, error)
        controller = make_controller(host, port, lmtp=lmtp)
        try:
            controller.start()
        except TimeoutError:
            raise  # aiosmtpd's "too slow to start" is no address problem
        except OSError as error:
            controller.loop.close()
            self._port_unavailable(host, port, error)
        self.stdout.write(f"Mail listener ({'LMTP' if lmtp else 'SMTP'}) on {host}:{port}")
        stop.wait()
        controller.stop()

    def _port_unavailable(self, host: str, port: int, error: OSError) -> NoReturn:
        # Most often another program (a local MTA, a second `make run`) holds the
        # port: say which setting moves us, and exit with the code `serve` reads as
        # "no listener this run" so that the web site stays up.
        self.stderr.write(
            f"The mail listener cannot listen on {host}:{port}: {error.strerror or error}. "
            "Set ECMP_MAIL_LISTENER to a free host:port (e.g. ECMP_MAIL_LISTENER="
            f"{host}:{port + 1}) to receive mail over SMTP/LMTP."
        )
        sys.exit(os.EX_UNAVAILABLE)  # 69, sendmail's "service unavailable"
