"""Files under var/ are the service user's alone: the SQLite database (and its
-wal/-shm), the mail catcher's messages (they hold reset links), attachments and
the secret key (issue 16, section 3). Checked on a fresh ECMP_VAR_DIR, in the
processes the embedded mode runs."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ecmp.core.env import make_private

ROOT = Path(__file__).resolve().parents[1]

SEND_AND_STORE = """
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from ecmp.accounts.models import Role, User
User.objects.create(email="agent@example.test", role=Role.AGENT)  # a write: the WAL is used
send_mail("Reset your password", "https://example.test/reset/abc/", None, ["a@example.test"])
default_storage.save("ab/cd/screenshot", ContentFile(b"PNG"))
# While the connection is open, the -wal and -shm files exist: their modes now.
import json, os, stat
from django.conf import settings
print(json.dumps({
    name: stat.S_IMODE(os.stat(settings.VAR_DIR / name).st_mode)
    for name in os.listdir(settings.VAR_DIR) if name.startswith("ecmp.sqlite3")
}))
"""


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def run_manage(var_dir: Path, *args: str) -> str:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "EMAIL_HOST", "SECRET_KEY")
    }
    # A permissive umask, as a shell may have: the settings must not depend on it.
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env={**environment, "ECMP_VAR_DIR": str(var_dir), "MEDIA_ROOT": str(var_dir / "media")},
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=lambda: os.umask(0o022),
    ).stdout


@pytest.fixture(scope="module")
def fresh_run(tmp_path_factory):
    """A fresh var/: migrated, one mail sent, one file stored; and the SQLite
    files' modes seen while the connection was open."""
    var_dir = tmp_path_factory.mktemp("fresh") / "var"
    run_manage(var_dir, "migrate", "--no-input", "-v", "0")
    output = run_manage(var_dir, "shell", "-c", SEND_AND_STORE)
    return var_dir, json.loads(output.strip().splitlines()[-1])


@pytest.fixture
def var_dir(fresh_run):
    return fresh_run[0]


def test_the_var_dir_and_the_secret_key_are_private(var_dir):
    assert mode(var_dir) == 0o700
    assert mode(var_dir / "secret_key") == 0o600


def test_the_sqlite_database_and_its_journal_files_are_private(fresh_run):
    var_dir, sqlite_modes = fresh_run
    assert sqlite_modes == {
        "ecmp.sqlite3": 0o600,
        "ecmp.sqlite3-wal": 0o600,
        "ecmp.sqlite3-shm": 0o600,
    }
    assert mode(var_dir / "ecmp.sqlite3") == 0o600


def test_the_mail_catcher_keeps_reset_links_private(var_dir):
    mail_dir = var_dir / "mail"
    messages = list(mail_dir.iterdir())
    assert messages and "reset/abc" in messages[0].read_text()
    assert mode(mail_dir) == 0o700
    assert all(mode(path) == 0o600 for path in messages)


def test_attachments_and_their_folders_are_private(var_dir):
    stored = var_dir / "media" / "ab" / "cd" / "screenshot"
    assert stored.read_bytes() == b"PNG"
    assert mode(stored) == 0o600
    for folder in (var_dir / "media", var_dir / "media" / "ab", stored.parent):
        assert mode(folder) == 0o700, folder


def test_serve_closes_a_var_dir_left_open_by_an_older_version(tmp_path):
    var_dir = tmp_path / "var"
    (var_dir / "mail").mkdir(parents=True)
    (var_dir / "staticfiles").mkdir()
    for path in (var_dir / "ecmp.sqlite3", var_dir / "mail" / "1.log"):
        path.write_text("x")
        path.chmod(0o644)
    (var_dir / "staticfiles" / "ecmp.css").write_text("body {}")
    (var_dir / "staticfiles" / "ecmp.css").chmod(0o644)
    var_dir.chmod(0o755)
    (var_dir / "mail").chmod(0o755)
    make_private(var_dir, public=var_dir / "staticfiles")
    assert mode(var_dir) == 0o700
    assert mode(var_dir / "mail") == 0o700
    assert mode(var_dir / "ecmp.sqlite3") == 0o600
    assert mode(var_dir / "mail" / "1.log") == 0o600
    assert mode(var_dir / "staticfiles" / "ecmp.css") == 0o644
