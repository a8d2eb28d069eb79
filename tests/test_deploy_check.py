"""`manage.py check --deploy` is clean with the production environment that
docs/operations.md lists, read from the document itself (issue 16, section 3)."""

import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OPERATIONS = ROOT / "docs" / "operations.md"


def documented_production_environment() -> dict[str, str]:
    """The ```sh block under "## Environment (production)", with its "…"
    placeholders filled in."""
    text = OPERATIONS.read_text()
    section = text.split("## Environment (production)", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    environment = {}
    for line in block.splitlines():
        for word in shlex.split(line, comments=True):
            name, _, value = word.partition("=")
            environment[name] = value
    environment["SECRET_KEY"] = secrets.token_urlsafe(60)
    return {name: value.replace("…", "placeholder") for name, value in environment.items()}


def check_deploy(environment: dict[str, str], var_dir: Path) -> subprocess.CompletedProcess:
    # Nothing of the test run's own environment (DATABASE_URL, DJANGO_SETTINGS_MODULE…)
    # leaks in: exactly the documented variables, a private var/ and a PATH.
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(var_dir),
        **environment,
        "ECMP_VAR_DIR": str(var_dir),
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_documented_production_settings_pass_check_deploy(tmp_path):
    environment = documented_production_environment()
    # The list is the one the document promises, not an empty one.
    for name in ("ECMP_HSTS_SECONDS", "ECMP_SSL_REDIRECT", "ECMP_SECURE_COOKIES", "ALLOWED_HOSTS"):
        assert name in environment, name
    assert "DEBUG" not in environment
    result = check_deploy(environment, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_embedded_defaults_do_warn(tmp_path):
    """The same check fails without the production settings: it can fail."""
    result = check_deploy({}, tmp_path)
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr + result.stdout, warning


def test_each_production_setting_is_needed(tmp_path):
    environment = documented_production_environment()
    for name, warning in (
        ("ECMP_HSTS_SECONDS", "security.W004"),
        ("ECMP_SSL_REDIRECT", "security.W008"),
        ("ECMP_SECURE_COOKIES", "security.W012"),
    ):
        without = {key: value for key, value in environment.items() if key != name}
        result = check_deploy(without, tmp_path)
        assert warning in result.stderr + result.stdout, name
