"""Inbound mail throughput through the real pipeline: store, then the database worker.

    python bench/ingest.py [--messages 1000]

Half the messages open tickets, half reply to them (by their subject tag). Prints
JSON: messages per second for storing, for processing, and end to end.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCRIPT = """
import json, time
from email.message import EmailMessage
from django.core.management import call_command
from ecmp.accounts.models import Organization, User
from ecmp.mail.inbound.pipeline import inbound_store
from ecmp.mail.models import InboundEmail

COUNT = {count}
org = Organization.objects.create(name="Ingest client")
senders = [User.objects.create_user(f"sender{{n}}@ingest.bench", "x", full_name=f"S{{n}}",
                                    organization=org) for n in range(50)]

def mail(n, subject):
    m = EmailMessage()
    m["From"] = senders[n % len(senders)].email
    m["To"] = "support@ecmp.localhost"
    m["Subject"] = subject
    m["Message-ID"] = f"<ingest{{n}}@bench>"
    m.set_content(f"Message {{n}}: the printer prints blank pages.")
    return m.as_bytes()

t0 = time.perf_counter()
half = COUNT // 2
for n in range(half):
    inbound_store(mail(n, f"Printer {{n}}"), source="bench")
stored_new = time.perf_counter()
call_command("db_worker", batch=True, queue_name="*", reload=False, verbosity=0)
processed_new = time.perf_counter()
numbers = dict(InboundEmail.objects.filter(outcome="ticket_created")
               .values_list("message_id", "ticket__number"))
for n in range(half, COUNT):
    number = numbers[f"<ingest{{n - half}}@bench>"]
    inbound_store(mail(n, f"Re: [#{{number}}] Printer"), source="bench")
stored_all = time.perf_counter()
call_command("db_worker", batch=True, queue_name="*", reload=False, verbosity=0)
done = time.perf_counter()
outcomes = {{}}
for outcome in InboundEmail.objects.values_list("outcome", flat=True):
    outcomes[outcome] = outcomes.get(outcome, 0) + 1
store = (stored_new - t0) + (stored_all - processed_new)
process = (processed_new - stored_new) + (done - stored_all)
print(json.dumps({{
    "messages": COUNT, "outcomes": outcomes,
    "store_per_second": round(COUNT / store, 1),
    "process_per_second": round(COUNT / process, 1),
    "end_to_end_per_second": round(COUNT / (done - t0), 1),
}}))
"""


def main() -> None:
    import subprocess

    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
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
    result = subprocess.run(
        [*run, "shell", "-v", "0", "-c", SCRIPT.format(count=args.messages)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    print(json.dumps(json.loads(result.stdout.strip().splitlines()[-1]), indent=2))


if __name__ == "__main__":
    main()
