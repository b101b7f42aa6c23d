"""SECURITY.md 26: dependencies pinned, versions with known advisories avoided, bandit clean.

`make lint` runs bandit and ruff too (and `make test` runs `make lint` first); the bandit run here keeps the
promise visible in the suite's own results.
"""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([A-Za-z0-9_.+\-]+)(\s*;.*)?(\s*#.*)?$")

# Lowest versions without a known advisory that touches how this app uses them.
MINIMUM_VERSIONS = {
    "weasyprint": "70.0",  # < 70: url_fetcher bypass through redirects (CVE-2025-68616)
    "flask": "3.1.1",  # < 3.1.1: signing key fallback order (CVE-2025-47278)
    "jinja2": "3.1.6",  # < 3.1.6: sandbox breakout through |attr (CVE-2025-27516)
    "werkzeug": "3.0.6",  # < 3.0.6: safe_join on Windows, form parsing resource use (CVE-2024-49766/7)
}


def _requirements(name: str) -> list[str]:
    lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith(("#", "-"))]


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-dev.txt"])
def test_every_requirement_is_pinned_to_one_version(name):
    unpinned = [line for line in _requirements(name) if not PIN.match(line)]
    assert unpinned == []


def test_the_installed_versions_are_the_pinned_ones():
    pins = {
        PIN.match(line).group(1).lower(): PIN.match(line).group(2)
        for line in _requirements("requirements.txt")
    }
    different = {
        package: (pinned, version(package))
        for package, pinned in pins.items()
        if Version(version(package)) != Version(pinned)
    }
    assert different == {}


@pytest.mark.parametrize(("package", "lowest"), MINIMUM_VERSIONS.items())
def test_no_version_with_a_known_advisory_is_pinned(package, lowest):
    pins = {
        PIN.match(line).group(1).lower(): PIN.match(line).group(2)
        for line in _requirements("requirements.txt")
    }
    assert Version(pins[package]) >= Version(lowest)
    assert Version(version(package)) >= Version(lowest)


@pytest.mark.slow
def test_bandit_finds_nothing():
    """Findings are fixed, or justified in place with `# nosec BXXX` and a reason on the line."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "bandit"), "-q", "-c", "pyproject.toml", "-r", "passport"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
