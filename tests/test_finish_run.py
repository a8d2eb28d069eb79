"""Issue 20, §5: `make run` on a taken port says what to change (PORT for the web
server, ECMP_MAIL_LISTENER for the mail listener); the listener's case keeps the
site running (tests/test_serve.py runs the real processes for that one)."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from ecmp.core.management.commands.serve import web_address_refusal

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def taken_port():
    """A port another program listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_a_free_port_is_no_refusal():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert web_address_refusal("127.0.0.1", port) is None


def test_a_taken_web_port_names_port_and_starts_nothing(taken_port, capsys, monkeypatch):
    started = []
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: started.append(a))
    with pytest.raises(SystemExit) as exit_:
        call_command("serve", "--port", str(taken_port))
    assert exit_.value.code == os.EX_UNAVAILABLE
    error = capsys.readouterr().err
    assert f"127.0.0.1:{taken_port}" in error
    assert f"PORT={taken_port + 1}" in error
    assert "ECMP_MAIL_LISTENER" in error
    assert started == []  # no worker, scheduler or listener left behind


def test_a_taken_mail_port_names_ecmp_mail_listener(tmp_path, taken_port):
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")},
        "ECMP_VAR_DIR": str(tmp_path / "var"),
        "ECMP_MAIL_LISTENER": f"127.0.0.1:{taken_port}",
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "mail_listener"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # The exit code `serve` reads as "go on without the listener".
    assert result.returncode == os.EX_UNAVAILABLE
    assert f"ECMP_MAIL_LISTENER=127.0.0.1:{taken_port + 1}" in result.stderr
    assert "Traceback" not in result.stderr


class FakeChild:
    """A child process: the mail listener exits at once with `code`, the others run."""

    def __init__(self, args, code=None):
        self.args, self.returncode, self.terminated = args, code, False

    def poll(self):
        return self.returncode

    def terminate(self):
        self.terminated, self.returncode = True, 0

    def wait(self, timeout=None):
        return self.returncode


def test_the_site_keeps_running_when_the_listener_cannot_listen(monkeypatch, capsys):
    import signal

    from ecmp.core.management.commands import serve

    children = []

    def popen(args, **kwargs):
        child = FakeChild(args, os.EX_UNAVAILABLE if "mail_listener" in args else None)
        children.append(child)
        return child

    ticks = []

    def sleep(seconds):
        ticks.append(seconds)
        if len(ticks) == 5:  # Ctrl-C after a while: the web server is still up by then
            assert not children[0].terminated
            signal.getsignal(signal.SIGTERM)(signal.SIGTERM, None)

    monkeypatch.setattr(serve.subprocess, "Popen", popen)
    monkeypatch.setattr(serve.time, "sleep", sleep)
    monkeypatch.setattr(serve, "make_private", lambda *a, **k: None)
    previous = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    try:
        call_command("serve", "--port", str(port))  # no SystemExit: a clean stop
    finally:
        signal.signal(signal.SIGINT, previous[0])
        signal.signal(signal.SIGTERM, previous[1])
    output = capsys.readouterr()
    assert "without the mail listener" in output.err
    assert "gunicorn" in children[0].args
    assert children[0].terminated  # stopped by Ctrl-C, not by the listener's exit
    assert len(ticks) == 5
