"""The lock files the README's two commands install from: hashed, for Windows and Linux, in step with
pyproject.toml, and what the tests run on."""

from __future__ import annotations

import re
import sys
import tomllib
from importlib import metadata

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement

from assistant.edges.environment import lock_file
from tests.conftest import ROOT

PINNED = re.compile(r"^([A-Za-z0-9._-]+)==([^ ;\\]+)(?: ; ([^\\]+))?", re.MULTILINE)


def pins(extras: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """name → (version, marker) of each requirement of the lock file; each must carry a sha256 hash."""
    text = lock_file(ROOT, extras).read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=[A-Za-z])", text.split("\n", 2)[2])
    found = {}
    for block in blocks:
        m = PINNED.match(block)
        assert m, block
        assert "--hash=sha256:" in block, f"{m[1]} has no hash"
        found[m[1].lower().replace("_", "-")] = (m[2], (m[3] or "").strip())
    return found


def direct(extras: tuple[str, ...]) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for extra in extras:
        wanted += project["optional-dependencies"][extra]
    return [Requirement(r) for r in wanted]


@pytest.mark.parametrize("extras", [(), ("test",)], ids=["app", "test"])
def test_every_direct_dependency_is_pinned_within_its_range_for_both_platforms(extras):
    locked = pins(extras)
    for requirement in direct(extras):
        name = requirement.name.lower().replace("_", "-")
        for platform in ("win32", "linux"):
            env = {"sys_platform": platform, "platform_system": "Windows" if platform == "win32" else "Linux"}
            if requirement.marker is not None and not requirement.marker.evaluate(env):
                continue
            assert name in locked, f"{name} is not in {lock_file(ROOT, extras).name}"
            version, marker = locked[name]
            assert requirement.specifier.contains(version, prereleases=True), (name, version)
            assert not marker or Marker(marker).evaluate(env), (name, platform, marker)
    assert "pyside6" not in locked  # the meta-package pulls WebEngine; Essentials and Addons are enough
    assert {"pyside6-essentials", "pyside6-addons"} <= set(locked)


def test_the_tests_run_on_the_locked_versions():
    for name, (version, marker) in pins(("test",)).items():
        if marker and not Marker(marker).evaluate():
            continue
        if name in ("setuptools",):  # the venv's own build tool, not imported by the program
            continue
        assert metadata.version(name) == version, (
            f"{name}: installed {metadata.version(name)}, locked {version}"
        )
    assert sys.version_info >= (3, 11)
