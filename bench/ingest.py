"""Inbound mail throughput through the real pipeline: store, then the database workers.

    python bench/ingest.py [--messages 1000] [--workers 1] [--agents 3]

Starts --workers database workers (`manage.py db_worker`, as in production),
then stores the messages as mailgate, IMAP and the listener do (`inbound_store`)
and waits until every message is processed (a ticket made or a reply added), then
until every event is dispatched and every email sent. Half the messages open
tickets, half reply to them (by their subject tag; the replies are stored once the
new tickets exist). Each new ticket sends an acknowledgement and a notice to each
of --agents agents; each reply notifies the agents. Prints JSON: messages per
second for storing, for processing (the first store to the last message
processed), and end to end (to the last email sent).
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

COUNT, AGENTS = {count}, {agents}
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
wait(processed)
processed_all = time.perf_counter()
wait(settled)
done = time.perf_counter()
outcomes = {{}}
for outcome in InboundEmail.objects.values_list("outcome", flat=True):
    outcomes[outcome] = outcomes.get(outcome, 0) + 1
store = (stored_new - t0) + (stored_all - processed_new)
print(json.dumps({{
    "messages": COUNT, "agents": AGENTS, "outcomes": outcomes,
    "emails_sent": OutboundEmail.objects.filter(status="sent").count(),
    "store_per_second": round(COUNT / store, 1),
    "processed_per_second": round(COUNT / (processed_all - t0), 1),
    "end_to_end_per_second": round(COUNT / (done - t0), 1),
    "processing_after_last_store_seconds": round((processed_new - stored_new)
                                                 + (processed_all - stored_all), 2),
}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--agents", type=int, default=3)
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
                SCRIPT.format(count=args.messages, agents=args.agents),
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
