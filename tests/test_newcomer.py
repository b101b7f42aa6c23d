"""The README's promise to a newcomer: a fresh checkout migrates and seeds with no set-up of its own."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_fresh_checkout_migrates_and_seeds_its_default_database(tmp_path):
    """A copy of the project with no instance/ folder, run with no DATABASE_URL: the default SQLite file
    is created under instance/, as `make run` does on a fresh clone."""
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    for folder in ("passport", "migrations", "templates"):
        shutil.copytree(ROOT / folder, checkout / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "wsgi.py", checkout / "wsgi.py")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env.update(PASSPORT_ENV="development", FLASK_APP="wsgi", PYTHONPATH=str(checkout))
    assert not (checkout / "instance").exists()
    for command in (["db", "upgrade"], ["seed-demo"]):
        result = subprocess.run(
            [sys.executable, "-m", "flask", *command], cwd=checkout, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
    assert "nurse@example.org" in result.stdout
    assert (checkout / "instance" / "passport.sqlite3").is_file()
