"""``review-utils pool``: every method side by side as a table or JSON; bad input gives one line on stderr
naming the value and the fix, exit status 2, and no traceback."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from review_utils.pooling import METHODS
from review_utils.pooling.command import add_arguments, main, run
from review_utils.pooling.result import PoolResult

SRC = Path(__file__).resolve().parents[1] / "src"
RESULT_FIELDS = set(PoolResult.__dataclass_fields__)


def _run(argv: list[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="review-utils pool")
    add_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    code = run(parser.parse_args(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_json_has_one_object_per_method_with_the_result_fields():
    code, out, err = _run(["--events", "0,3,8", "--totals", "4,4,15", "--format", "json"])
    assert code == 0 and err == ""
    payload = json.loads(out)
    assert [r["method"] for r in payload["results"]] == list(METHODS)
    assert all(set(r) == RESULT_FIELDS for r in payload["results"])
    crude = next(r for r in payload["results"] if r["method"] == "crude")
    assert crude["estimate"] == pytest.approx(11 / 23)
    assert "subgroup_test" not in payload


def test_json_with_groups_carries_the_subgroup_test():
    """paediatric_vs_adult reference case: QM = 0.005617 (metafor, df = 1) and pooled patient counts 8/10 vs 34/47."""
    events, totals = "6,1,1,11,10,8,0,5", "8,1,1,15,13,10,3,6"
    groups = "paediatric,paediatric,paediatric,adult,adult,adult,adult,adult"
    code, out, _ = _run(["--events", events, "--totals", totals, "--groups", groups, "--format", "json"])
    assert code == 0
    payload = json.loads(out)
    assert payload["subgroup_test"]["qm"] == pytest.approx(0.00561735681559203, abs=1e-4)
    assert payload["subgroup_test"]["df"] == 1
    assert list(payload["groups"]) == ["paediatric", "adult"]
    rd = payload["comparison"]["risk_difference_newcombe"]
    assert (rd["events_a"], rd["total_a"], rd["events_b"], rd["total_b"]) == (8, 10, 34, 47)


def test_table_lists_every_method_and_flags_not_estimable_models():
    """All events in every report (4/4, 5/5): the GLMM cannot be fitted and the table says so."""
    code, out, _ = _run(["--events", "4,5", "--totals", "4,5"])
    assert code == 0
    for method in METHODS:
        assert method in out
    assert "NO" in out and "not estimable" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["--events", "0,3,x", "--totals", "4,4,15"], "'x' is not a whole number", id="non-integer"),
        pytest.param(["--events", "0,3,2.5", "--totals", "4,4,15"], "'2.5' is not a whole number", id="fraction"),
        pytest.param(["--events", "0,5,8", "--totals", "4,4,15"], "events 5 > total 4", id="events-exceed-totals"),
        pytest.param(["--events", "0,3", "--totals", "4,4,15"], "--events has 2 values but --totals has 3", id="length-mismatch"),
        pytest.param(["--events=-1,3", "--totals", "4,4"], "-1 is negative", id="negative"),
        pytest.param(["--events", "0,3", "--totals", "4,0"], "total 0", id="zero-total"),
        pytest.param(["--events", "0,3", "--totals", "4,4", "--level", "95"], "outside (0, 1)", id="level-as-percent"),
        pytest.param(["--events", "0,3", "--totals", "4,4", "--groups", "a"], "one group per report", id="groups-mismatch"),
        pytest.param(["--events", "0,,3", "--totals", "4,4,4"], "empty value", id="empty-value"),
    ],
)
def test_bad_input_gives_one_line_error_and_exit_2(argv, message):
    code, out, err = _run(argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and message in err
    assert "Traceback" not in err


def test_negative_value_after_a_space_still_reaches_the_friendly_error(capsys):
    """argparse would read '--events -1,3' as an unknown option; the standalone entry point keeps the value."""
    assert main(["--events", "-1,3", "--totals", "4,4"]) == 2
    assert "-1 is negative" in capsys.readouterr().err


def test_runs_standalone_as_a_module():
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.run(
        [sys.executable, "-m", "review_utils.pooling.command", "--events", "0,3,8", "--totals", "4,4,15", "--format", "json"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert [r["method"] for r in json.loads(proc.stdout)["results"]] == list(METHODS)


def test_wires_into_a_parent_cli_as_a_subcommand():
    """How the main review-utils CLI uses it: a 'pool' subparser with add_arguments and run."""
    parser = argparse.ArgumentParser(prog="review-utils")
    sub = parser.add_subparsers(dest="command", required=True)
    add_arguments(sub.add_parser("pool"))
    args = parser.parse_args(["pool", "--events", "1,2", "--totals", "3,4"])
    out = io.StringIO()
    assert run(args, stdout=out) == 0
    assert "glmm" in out.getvalue()
