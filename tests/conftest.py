"""Session-wide guard: the test suite itself never writes into extraction/ (workbooks are read-only to code)."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
ROOT = Path(__file__).resolve().parents[1]
EXTRACTION = ROOT / "extraction"


def extraction_checksums(folder: Path = EXTRACTION) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def pytest_sessionstart(session):
    session.config._extraction_before = extraction_checksums()


def pytest_sessionfinish(session, exitstatus):
    before = getattr(session.config, "_extraction_before", None)
    if before is None:
        return
    after = extraction_checksums()
    if after != before:
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        print(f"\nFAILED: the test suite changed files under extraction/: {changed}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
