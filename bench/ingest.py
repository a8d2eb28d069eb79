"""Inbound mail throughput through the real pipeline: store, then the database workers.

    python bench/ingest.py [--messages 1000] [--workers 1] [--agents 3] [--backlog]

Starts --workers database workers (`manage.py db_worker`, as in production),
then stores the messages as mailgate, IMAP and the listener do (`inbound_store`)
and waits until every message is processed (a ticket made or a reply added), then
until every event is dispatched and every email sent. Half the messages open
tickets, half reply to them (by their subject tag; the replies are stored once the
new tickets exist). Each new ticket sends an acknowledgement and a notice to each
of --agents agents; each reply notifies the agents. Prints JSON: messages per
second for storing, for processing (the first store to the last message
processed), and end to end (to the last email sent). With --backlog the messages
are all waiting at once (stored in one transaction, the replies to tickets made
beforehand), as after an outage: the workers' own pace.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import json, time
from email.message import EmailMessage
from ecmp.accounts.models import Organization, User
from ecmp.mail.inbound.pipeline import inbound_store
from ecmp.mail.models import InboundEmail, OutboundEmail
from ecmp.tickets.models import TicketEvent

COUNT, AGENTS, BACKLOG = {count}, {agents}, {backlog}
org = Organization.objects.create(name="Ingest client")
senders = [User.objects.create_user(f"sender{{n}}@ingest.bench", "x", full_name=f"S{{n}}",
                                    organization=org) for n in range(50)]
for n in range(AGENTS):
    User.objects.create_user(f"agent{{n}}@support.bench", "x", full_name=f"A{{n}}", role="agent")

def mail(n, subject):
    m = EmailMessage()
    m["From"] = senders[n % len(senders)].email
    m["To"] = "support@ecmp.localhost"
    m["Subject"] = subject
    m["Message-ID"] = f"<ingest{{n}}@bench>"
    m.set_content(f"Message {{n}}: the printer prints blank pages.")
    return m.as_bytes()

def processed():
    return not InboundEmail.objects.filter(status="received").exists()

def settled():
    return processed() and not (
        TicketEvent.objects.filter(dispatched_at__isnull=True).exists()
        or OutboundEmail.objects.filter(status__in=["queued", "sending"]).exists()
    )

def wait(done):
    while not done():
        time.sleep(0.01)

half = COUNT // 2
sent_before = 0
if BACKLOG:
    # Mail that waited (an outage, a mailbox read at last): half replies to tickets
    # made beforehand, half new, all stored in one transaction, so that the workers
    # find them at once; the clock starts at its commit.
    from django.db import transaction
    from ecmp.tickets import services
    # Ticket k is answered by message 2k: the same person.
    numbers = [services.ticket_create(requester=senders[(2 * k) % len(senders)],
                                      subject=f"Old {{k}}", description="x").number
               for k in range(half)]
    wait(settled)
    sent_before = OutboundEmail.objects.filter(status="sent").count()
    committed = []
    with transaction.atomic():
        # The clock starts at the commit, before the callbacks that wake the workers.
        transaction.on_commit(lambda: committed.append(time.perf_counter()))
        for n in range(COUNT):
            subject = f"Printer {{n}}" if n % 2 else f"Re: [#{{numbers[n // 2]}}] Printer"
            inbound_store(mail(n, subject), source="bench")
        stored_all = time.perf_counter()
    t0 = processed_new = stored_new = committed[0]
    store = stored_all - t0
else:
    t0 = time.perf_counter()
    for n in range(half):
        inbound_store(mail(n, f"Printer {{n}}"), source="bench")
    stored_new = time.perf_counter()
    wait(processed)
    processed_new = time.perf_counter()
    numbers = dict(InboundEmail.objects.filter(outcome="ticket_created")
                   .values_list("message_id", "ticket__number"))
    for n in range(half, COUNT):
        number = numbers[f"<ingest{{n - half}}@bench>"]
        inbound_store(mail(n, f"Re: [#{{number}}] Printer"), source="bench")
    stored_all = time.perf_counter()
    store = (stored_new - t0) + (stored_all - processed_new)
wait(processed)
processed_all = time.perf_counter()
wait(settled)
done = time.perf_counter()
outcomes = {{}}
for outcome in InboundEmail.objects.values_list("outcome", flat=True):
    outcomes[outcome] = outcomes.get(outcome, 0) + 1
print(json.dumps({{
    "messages": COUNT, "agents": AGENTS, "backlog": BACKLOG, "outcomes": outcomes,
    "emails_sent": OutboundEmail.objects.filter(status="sent").count() - sent_before,
    "store_per_second": None if BACKLOG else round(COUNT / store, 1),
    "processed_per_second": round(COUNT / (processed_all - t0), 1),
    "end_to_end_per_second": round(COUNT / (done - t0), 1),
    "processing_after_last_store_seconds": None if BACKLOG else round(
        (processed_new - stored_new) + (processed_all - stored_all), 2),
}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--agents", type=int, default=3)
    parser.add_argument(
        "--backlog", action="store_true", help="all messages waiting at once (one commit)"
    )
    args = parser.parse_args()
    var = ROOT / "var" / "bench"
    var.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ECMP_VAR_DIR": str(var),
        "EMAIL_HOST": "",
        "LOG_LEVEL": "WARNING",
    }
    if "DATABASE_URL" not in os.environ:
        database = var / "ingest.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{database}"
    run = [sys.executable, "manage.py"]
    subprocess.run([*run, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    worker = [*run, "db_worker", "--queue-name", "*", "--interval", "0.05", "--no-reload"]
    workers = [
        subprocess.Popen(
            [*worker, "--no-startup-delay"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
        )
        for _ in range(args.workers)
    ]
    try:
        result = subprocess.run(
            [
                *run,
                "shell",
                "-v",
                "0",
                "-c",
                SCRIPT.format(count=args.messages, agents=args.agents, backlog=args.backlog),
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        for process in workers:
            process.send_signal(signal.SIGTERM)
        for process in workers:
            process.wait(timeout=60)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    report["workers"] = args.workers
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
