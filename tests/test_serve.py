"""`make run` with the mail listener's port taken (another program on it): the
listener says which variable to change, and the site keeps running (issue 17,
section 7). Real processes on a fresh var/, as `make run` starts them."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def environment(var_dir: Path, mail_port: int) -> dict[str, str]:
    # SQLite in a var/ of its own, as a first `make run` has it.
    inherited = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "EMAIL_HOST", "SECRET_KEY")
    }
    return {
        **inherited,
        "ECMP_VAR_DIR": str(var_dir),
        "ECMP_MAIL_LISTENER": f"127.0.0.1:{mail_port}",
    }


@pytest.fixture
def taken_port():
    """A port another program listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_mail_listener_on_a_taken_port_names_the_variable_to_change(tmp_path, taken_port):
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "mail_listener"],
        cwd=ROOT,
        env=environment(tmp_path / "var", taken_port),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == os.EX_UNAVAILABLE
    assert f"127.0.0.1:{taken_port}" in result.stderr
    assert "ECMP_MAIL_LISTENER" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_keeps_the_site_running_when_the_mail_port_is_taken(tmp_path, taken_port):
    var_dir = tmp_path / "var"
    env = environment(var_dir, taken_port)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run(
        [*manage, "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    web_port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        serve = subprocess.Popen(
            [*manage, "serve", "--port", str(web_port), "--web-workers", "1"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its children too can be stopped if the test fails
        )
    try:
        deadline = time.monotonic() + 60
        while "without the mail listener" not in log.read_text():
            assert serve.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        time.sleep(1)  # what serve does next, if it were to stop everything
        assert serve.poll() is None, log.read_text()
        status = None
        while status != 200:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/healthz", timeout=5) as r:
                    status = r.status
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
        assert "ECMP_MAIL_LISTENER" in log.read_text()
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=30) == 0, log.read_text()
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
