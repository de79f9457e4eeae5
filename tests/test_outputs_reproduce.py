"""The figures and tables the notebooks write under nbval equal the committed ones, byte for byte.

`make nbval` runs the committed notebooks with REVIEW_OUTPUT_ROOT pointing at a fresh temporary folder, then
this test (on the same command line, after the notebooks) compares every file written there with the file of
the same name in the project, and checks that no committed output was left unmade. Outside `make nbval`
(no REVIEW_OUTPUT_ROOT) there is nothing to compare and the test is skipped.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FRESH = os.environ.get("REVIEW_OUTPUT_ROOT")
MERGED = {"captions.md", "captions.json"}  # assembled by `make` from the per-notebook captions, not by a notebook


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.skipif(not FRESH, reason="run by `make nbval`, after the notebooks wrote into REVIEW_OUTPUT_ROOT")
def test_outputs_regenerated_by_the_notebooks_equal_the_committed_ones():
    fresh = {k: v for k, v in _digest(Path(FRESH)).items() if k.startswith(("figures/", "tables/"))}
    assert fresh, "the notebooks wrote no figure or table: did nbval run them first?"
    committed = {f"{kind}/{name}": digest for kind in ("figures", "tables") for name, digest in _digest(ROOT / kind).items()
                 if name.rsplit("/", 1)[-1] not in MERGED}
    differing = sorted(k for k in fresh if committed.get(k) != fresh[k])
    assert not differing, f"differ from the committed outputs (run `make` and commit): {differing[:20]}"
    missing = sorted(set(committed) - set(fresh))
    assert not missing, f"committed outputs no notebook makes any more (stale files): {missing[:20]}"
