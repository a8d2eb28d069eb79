"""Reading settings from the environment, with the embedded defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def env_bool(name: str, default: bool = False) -> bool:
    """A yes/no setting; unset or empty means `default`.

    Anything else than the accepted words is refused rather than read as False:
    a typo such as ECMP_SSL_REDIRECT=ture must stop the start, not silently turn
    a protection off.
    """
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={os.environ[name]!r} is not a yes/no value: "
        "use 1/0, true/false, yes/no or on/off (any case), or leave it empty for the default."
    )


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# New files readable by their owner only, new folders enterable by their owner only.
PRIVATE_UMASK = 0o077


def keep_new_files_private() -> None:
    """Every file and folder this process creates is its owner's alone.

    var/ holds the SQLite database (and its -wal/-shm, which SQLite creates with
    the database's mode), the mail catcher's messages (password-reset links),
    attachments and the secret key. Each is created by different code (SQLite,
    Django's file mail backend, the storage) with the process umask, so the
    umask is the one place that covers them all, and whatever is added later.
    It is set from the settings because every process (manage.py, gunicorn's
    workers, the task worker, the tests) reads them before writing anything.
    Files meant for others say so explicitly (the static files' storage).
    """
    os.umask(PRIVATE_UMASK)


def make_private(var_dir: Path, *, public: Path) -> None:
    """Close an existing var/ made before files were created private.

    The folder itself is enough to keep others out; its files are closed too
    so that a copy made with `cp -p` or a backup keeps them private. `public`
    (the collected static files) is left as it is.
    """
    if not var_dir.is_dir():
        return
    var_dir.chmod(0o700)
    for path in var_dir.rglob("*"):
        if path.is_symlink() or path.is_relative_to(public):
            continue
        path.chmod(0o700 if path.is_dir() else 0o600)


def secret_key_from(var_dir: Path) -> str:
    """SECRET_KEY from the environment, or one generated once and kept in var/.

    The embedded mode must survive restarts without logging everybody out, and a
    key must never be committed: so it is created on first start, readable by
    the owner only.
    """
    from_env = os.environ.get("SECRET_KEY", "").strip()
    if from_env:
        return from_env
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # O_EXCL: if two processes start at once, the second reads the first's key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def s3_storage_from_env() -> dict | None:
    """Attachments on S3 or an S3-compatible store when ECMP_S3_BUCKET is set.

    Files stay private (no public URL): they are served through the
    access-checked download views. Empty keys leave boto3 its own chain
    (AWS_* variables, an instance role).
    """
    bucket = env_str("ECMP_S3_BUCKET")
    if not bucket:
        return None
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": env_str("ECMP_S3_ENDPOINT_URL") or None,
            "region_name": env_str("ECMP_S3_REGION") or None,
            "access_key": env_str("ECMP_S3_ACCESS_KEY") or None,
            "secret_key": env_str("ECMP_S3_SECRET_KEY") or None,
            "location": env_str("ECMP_S3_PREFIX"),
            "default_acl": "private",
            "file_overwrite": False,
        },
    }
