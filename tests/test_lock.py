"""The lock (requirements/, made by `make lock`) agrees with pyproject.toml: every
dependency declared there is pinned, at a version it allows, with hashes. A
dependency added without `make lock` would otherwise be missing from `make`'s
installs on a fresh machine while this machine's older environment hid it."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.MULTILINE)


def pins(lock: str) -> dict[str, str]:
    return {
        canonicalize_name(name): version
        for name, version in PIN.findall((ROOT / "requirements" / lock).read_text())
    }


def declared(lock: str) -> list[Requirement]:
    names = PROJECT["dependencies"] + (
        PROJECT["optional-dependencies"]["dev"] if lock == "dev.txt" else []
    )
    return [Requirement(text) for text in names]


@pytest.mark.parametrize("lock", ["runtime.txt", "dev.txt"])
def test_every_declared_dependency_is_pinned_at_an_allowed_version(lock):
    pinned = pins(lock)
    for requirement in declared(lock):
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement} is not in requirements/{lock}: run make lock"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"requirements/{lock} pins {name}=={pinned[name]}, pyproject.toml asks {requirement}:"
            " run make lock"
        )


@pytest.mark.parametrize("lock", ["runtime.txt", "dev.txt"])
def test_every_pin_has_hashes(lock):
    text = (ROOT / "requirements" / lock).read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 6)[-1])
    for block in blocks:
        if PIN.match(block):
            assert "--hash=sha256:" in block, block.splitlines()[0]


def test_the_dev_lock_keeps_the_runtime_versions():
    runtime, dev = pins("runtime.txt"), pins("dev.txt")
    assert {name: dev.get(name) for name in runtime} == runtime
