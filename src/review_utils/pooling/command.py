"""``review-utils pool``: pool events/totals with every method side by side.

    review-utils pool --events 0,3,8 --totals 4,4,15 [--groups a,a,b] [--level 0.95] [--format table|json]

Standalone: ``python -m review_utils.pooling.command --events 0,3,8 --totals 4,4,15``.
Bad input gives one line on stderr naming the value and the fix, and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from typing import Any, TextIO

import pandas as pd

__all__ = ["add_arguments", "run", "main", "join_option_values"]

EXIT_USAGE = 2


class InputError(ValueError):
    """Input the user must fix; the message is the one line shown."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``pool`` options to ``parser``."""
    parser.add_argument("--events", required=True, help="events per report, comma-separated whole numbers (e.g. 0,3,8)")
    parser.add_argument("--totals", required=True, help="patients per report, comma-separated whole numbers (e.g. 4,4,15)")
    parser.add_argument("--groups", default=None, help="group per report, comma-separated (e.g. paediatric,paediatric,adult)")
    parser.add_argument("--level", default="0.95", help="confidence level between 0 and 1 (default 0.95)")
    parser.add_argument("--format", default="table", choices=("table", "json"), help="output format (default table)")


def _parse_counts(text: str, option: str) -> list[int]:
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or any(item == "" for item in items):
        raise InputError(f"{option} {text!r} has an empty value: give comma-separated whole numbers, e.g. {option} 0,3,8")
    values = []
    for item in items:
        try:
            value = int(item)
        except ValueError:
            raise InputError(f"{option} value {item!r} is not a whole number: give counts like {option} 0,3,8") from None
        if value < 0:
            raise InputError(f"{option} value {value} is negative: counts must be 0 or more")
        values.append(value)
    return values


def _parse_level(text: str) -> float:
    try:
        level = float(text)
    except ValueError:
        raise InputError(f"--level {text!r} is not a number: give e.g. --level 0.95") from None
    if not 0 < level < 1:
        raise InputError(f"--level {text} is outside (0, 1): give e.g. --level 0.95")
    return level


def _parse(args: argparse.Namespace) -> tuple[list[int], list[int], list[str] | None, float]:
    events = _parse_counts(args.events, "--events")
    totals = _parse_counts(args.totals, "--totals")
    if len(events) != len(totals):
        raise InputError(
            f"--events has {len(events)} values but --totals has {len(totals)}: give one events and one total per report"
        )
    for i, (x, n) in enumerate(zip(events, totals, strict=True), start=1):
        if n == 0:
            raise InputError(f"report {i} has total 0: every report needs at least one patient")
        if x > n:
            raise InputError(f"report {i} has events {x} > total {n}: events cannot exceed the number of patients")
    groups = None
    if args.groups is not None:
        groups = [g.strip() for g in args.groups.split(",")]
        if any(g == "" for g in groups):
            raise InputError(f"--groups {args.groups!r} has an empty name: give one name per report, e.g. --groups a,a,b")
        if len(groups) != len(events):
            raise InputError(f"--groups has {len(groups)} values but there are {len(events)} reports: give one group per report")
    return events, totals, groups, _parse_level(args.level)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _table(results: Sequence[Any]) -> str:
    rows = []
    for r in results:
        rows.append(
            {
                "method": r.method,
                "k": r.k,
                "events/n": f"{r.events}/{r.patients}",
                "estimate": _fmt(r.estimate),
                "95% CI" if abs(r.level - 0.95) < 1e-12 else f"{r.level:.0%} CI": f"{_fmt(r.ci_lower)}-{_fmt(r.ci_upper)}",
                "PI": f"{_fmt(r.pi_lower)}-{_fmt(r.pi_upper)}" if r.pi_lower is not None else "-",
                "tau2": _fmt(r.tau2),
                "I2 %": _fmt(r.i2, 1),
                "estimable": "yes" if r.estimable else "NO",
            }
        )
    text = pd.DataFrame(rows).to_string(index=False)
    notes = [f"  {r.method}: {'; '.join(r.notes)}" for r in results if not r.estimable]
    if notes:
        text += "\nnotes:\n" + "\n".join(notes)
    return text


def run(args: argparse.Namespace, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Execute ``pool``; returns the exit status (0 ok, 2 bad input)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        events, totals, groups, level = _parse(args)
    except InputError as exc:
        print(f"review-utils pool: error: {exc}", file=err)
        return EXIT_USAGE

    from . import compare_methods, subgroup_analysis
    from .subgroups import compare_groups, group_order

    results = compare_methods(events, totals, level)
    payload: dict[str, Any] = {"level": level, "results": [r.to_json_dict() for r in results]}
    sections = [f"All reports (k = {len(events)})", _table(results)]

    if groups is not None:
        order = group_order(groups)
        per_group: dict[str, list[Any]] = {}
        test = None
        for method in ("glmm",):
            analysis = subgroup_analysis(events, totals, groups, method=method, level=level)
            test = analysis.test
        for g in order:
            idx = [i for i, lab in enumerate(groups) if lab == g]
            per_group[g] = compare_methods([events[i] for i in idx], [totals[i] for i in idx], level)
            sections += ["", f"Group {g} (k = {len(idx)})", _table(per_group[g])]
        payload["groups"] = {g: [r.to_json_dict() for r in rs] for g, rs in per_group.items()}
        assert test is not None
        payload["subgroup_test"] = test.to_row()
        sections += [
            "",
            "Test for subgroup differences (mixed-effects, logit, REML): "
            + (f"QM = {test.qm:.4f}, df = {test.df}, p = {test.p:.4f}" if test.estimable else "not estimable: " + "; ".join(test.notes)),
        ]
        if len(order) == 2:
            rd, fisher = compare_groups(events, totals, groups, order[0], order[1], method="newcombe", level=level)
            rd_mn, _ = compare_groups(events, totals, groups, order[0], order[1], method="miettinen_nurminen", level=level)
            payload["comparison"] = {
                "group_a": order[0],
                "group_b": order[1],
                "risk_difference_newcombe": rd.to_row(),
                "risk_difference_miettinen_nurminen": rd_mn.to_row(),
                "fisher_exact": {**fisher.to_row(), "table": [list(r) for r in fisher.table]},
            }
            sections += [
                f"Risk difference {order[0]} - {order[1]} (pooled patients {rd.events_a}/{rd.total_a} vs {rd.events_b}/{rd.total_b}): "
                f"{rd.estimate:.3f}; Newcombe {rd.ci_lower:.3f} to {rd.ci_upper:.3f}; "
                f"Miettinen-Nurminen {rd_mn.ci_lower:.3f} to {rd_mn.ci_upper:.3f}",
                f"Fisher's exact test: p = {fisher.p_value:.4f}",
            ]

    if args.format == "json":
        print(json.dumps(_clean(payload), indent=2, allow_nan=False), file=out)
    else:
        print("\n".join(sections), file=out)
    return 0


def join_option_values(argv: Sequence[str]) -> list[str]:
    """Turn ``--events -1,3`` into ``--events=-1,3`` so argparse does not mistake a value for an option.

    The value then reaches :func:`run`, which explains what is wrong with it.
    """
    out: list[str] = []
    items = list(argv)
    i = 0
    while i < len(items):
        item = items[i]
        if item in ("--events", "--totals", "--groups", "--level") and i + 1 < len(items) and items[i + 1].startswith("-"):
            out.append(f"{item}={items[i + 1]}")
            i += 2
            continue
        out.append(item)
        i += 1
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="review-utils pool", description="Pool proportions with every method side by side.")
    add_arguments(parser)
    args = parser.parse_args(join_option_values(sys.argv[1:] if argv is None else argv))
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
