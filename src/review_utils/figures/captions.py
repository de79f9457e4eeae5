"""Captions and alternative text for every figure and table, generated from what the figure shows.

:func:`caption_for` takes the data structure a figure function returned (or a table DataFrame) and writes the
caption (for the manuscript) and the alt text (for screen readers: what the figure shows and its main
numbers). :func:`write_captions` collects them into ``captions.md`` and its JSON twin ``captions.json`` beside
the outputs, deterministically.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from ..io.atomic import write_text_atomic

__all__ = ["Caption", "caption_for", "write_captions", "KINDS"]


@dataclass(frozen=True)
class Caption:
    """One entry of the captions file: a name (the output stem), its kind, caption and alt text."""

    name: str
    kind: str
    caption: str
    alt_text: str
    label: str = ""  # e.g. "Figure 2", "Table 1"


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _level(level: float) -> str:
    return f"{level:.0%}"


def _forest(table: pd.DataFrame) -> tuple[str, str]:
    attrs = table.attrs
    outcome = attrs.get("outcome") or "the outcome"
    level = _level(attrs.get("level", 0.95))
    methods = attrs.get("methods") or []
    reports = table[table["kind"] == "report"]
    parts, alt_parts = [], []
    for group, word in (("children", "children"), ("adults", "adults")):
        sub = reports[reports["age_group"] == group]
        if sub.empty:
            continue
        patients = sum(int(t.split("/")[1]) for t in sub["events_total"])
        parts.append(f"{_plural(len(sub), 'report')} of {word} ({_plural(patients, 'patient')})")
    for _, row in table[table["kind"] == "pooled"].iterrows():
        who = {"children": "Children", "adults": "Adults", "overall": "All reports"}[row["age_group"]]
        alt_parts.append(f"{who}: {row['events_total']} patients with the outcome, pooled {row['estimate_ci']} %")
    weighted = "weight" in table.columns
    caption = (
        f"Forest plot of {outcome}: {' and '.join(parts) or 'no reports'}. Squares show each report's proportion with "
        f"its exact Clopper-Pearson {level} confidence interval"
        + ("; square area is proportional to the report's weight in its age-group model" if weighted else "")
        + f". Diamonds show the pooled proportion with its {level} confidence interval by age group and overall; the bar "
        f"below a diamond is the {level} prediction interval. Pooling: {'; '.join(methods) or 'none'}."
    )
    alt = (
        f"Forest plot of {outcome}, percent of patients, with reports of children above reports of adults. "
        + ". ".join(alt_parts) + ("." if alt_parts else "")
    )
    return caption, alt


def _prisma(c: Mapping) -> tuple[str, str]:
    studies = c.get("total_studies")
    included = (f"{_plural(c['total_reports'], 'report')} of {_plural(studies, 'study', 'studies')}"
                if studies is not None else _plural(c["total_reports"], "report"))
    excluded = sum(c["dbr_excluded"].values()) + sum(c["other_excluded"].values())
    caption = (
        "PRISMA 2020 flow diagram (Page et al. 2021) derived from the screening log: records identified via databases "
        "and registers and via other methods, records removed and screened, reports sought, assessed and excluded with "
        f"reasons, and the {included} included."
    )
    alt = (
        f"Flow diagram. Databases and registers: {c['dbr_identified']} records identified ({c['database_results']} "
        f"from databases, {c['register_results']} from registers); {_plural(c['duplicates'], 'duplicate')} and "
        f"{c['excluded_other']} other records removed; {c['records_screened']} screened, {c['records_excluded']} excluded; "
        f"{c['dbr_sought_reports']} reports sought, {c['dbr_notretrieved_reports']} not retrieved; {c['dbr_assessed']} "
        f"assessed. Other methods: {c['other_identified']} records identified; {c['other_sought_reports']} reports "
        f"sought, {c['other_notretrieved_reports']} not retrieved; {c['other_assessed']} assessed. {excluded} reports "
        f"excluded at eligibility. Included: {included}."
    )
    return caption, alt


def _swimmer(data: Mapping[str, pd.DataFrame]) -> tuple[str, str]:
    lanes, markers = data["lanes"], data["markers"]
    unplaced = data.get("unplaced", pd.DataFrame(columns=["patient_id", "event"]))
    n = len(lanes)
    diseases = lanes["disease"].value_counts().sort_index()
    known = lanes["follow_up_months"].dropna()
    fu = (f"median follow-up {known.median():.1f} months (range {known.min():.1f}–{known.max():.1f})"
          if len(known) else "follow-up not reported")
    nr = int(lanes["follow_up_nr"].sum())
    everything = pd.concat([markers[["patient_id", "event"]], unplaced[["patient_id", "event"]]])

    def with_event(event: str) -> int:
        return everything.loc[everything["event"] == event, "patient_id"].nunique()

    caption = (
        f"Swimmer plot of {_plural(n, 'child', 'children')} treated with CAR T cells. Each bar is one child, from "
        "infusion to last follow-up (months), coloured by disease; a hatched bar marks follow-up not reported. "
        "Markers: CRS and ICANS (triangles, with the ASTCT grade), DORIS remission (open star), drug-free remission "
        "(filled star), relapse (cross), IVIG replacement (diamond), B-cell reconstitution (circle), death (square). "
        "Events whose onset day was not reported are shown in the 'onset NR' column, not at an invented day."
    )
    alt = (
        f"{_plural(n, 'child', 'children')} (" + ", ".join(f"{k} {d}" for d, k in diseases.items()) + f"); {fu}"
        + (f"; follow-up not reported for {nr}" if nr else "") + ". "
        f"CRS in {with_event('CRS')}, ICANS in {with_event('ICANS')}, DORIS remission in {with_event('DORIS remission')}, "
        f"drug-free remission in {with_event('drug-free remission')}, relapse in {with_event('relapse')}, IVIG "
        f"replacement in {with_event('IVIG replacement')}, B-cell reconstitution in {with_event('B-cell reconstitution')}."
    )
    return caption, alt


def _trajectories(data: Mapping[str, pd.DataFrame]) -> tuple[str, str]:
    lines, n_at = data["lines"], data["n_at_tick"]
    measure = lines.attrs.get("measure", "the measure")
    nc = int((lines["age_group"] == "children").sum())
    na = int((lines["age_group"] == "adults").sum())
    caption = (
        f"{measure} against months since CAR T-cell infusion: each child is one labelled line (vermillion); adults are "
        f"thin blue lines in the background ({_plural(nc, 'child', 'children')}, {_plural(na, 'adult')}). The numbers "
        "under the axis are the patients with a value at each time point (each value assigned to the nearest tick)."
    )
    ticks = ", ".join(
        f"{t} months: " + ", ".join(f"{g} {int(n_at.loc[g, t])}" for g in n_at.index) for t in n_at.columns
    )
    alt = (f"Line chart of {measure} over time in {_plural(nc, 'child', 'children')} and {_plural(na, 'adult')}. "
           f"Patients per time point: {ticks}.")
    return caption, alt


def _toxicity(table: pd.DataFrame) -> tuple[str, str]:
    caption = (
        "Grades of cytokine release syndrome (CRS) and immune effector cell-associated neurotoxicity syndrome (ICANS), "
        "ASTCT 2019 consensus grading, by age group: 100% stacked bars of patients with a known grade (grade 0 = did "
        "not occur; grades 4 and 5 combined as 4+); n above each bar."
    )
    parts = []
    for _, r in table.iterrows():
        any_grade = 100.0 - r["percent_0"]
        severe = r["percent_3"] + r["percent_4+"]
        parts.append(f"{r['event']} in {r['age_group']} (n = {r['n']}): any grade {any_grade:.0f}%, grade 3 or higher {severe:.0f}%")
    return caption, "Stacked bar chart. " + "; ".join(parts) + "."


def _appraisal(data: Mapping[str, pd.DataFrame]) -> tuple[str, str]:
    cells = data["cells"]
    parts, alt = [], []
    for checklist, items in (("JBI case report", 8), ("JBI case series", 10)):
        sub = cells[cells["checklist"] == checklist]
        if sub.empty:
            continue
        k = sub["report_label"].nunique()
        parts.append(f"{_plural(k, checklist.split('JBI ')[1])} ({items} items)")
        yes = 100.0 * (sub["judgement"] == "yes").mean()
        weak = sub[sub["judgement"].isin(["no", "unclear"])].groupby("item").size()
        worst = ", ".join(f"Q{i}" for i in weak[weak == weak.max()].index) if len(weak) else "none"
        alt.append(f"{checklist}: {_plural(k, 'report')}, {yes:.0f}% of judgements yes; most often no or unclear: {worst}")
    caption = (
        "Critical appraisal with the JBI checklists for " + " and ".join(parts) + ". Left: one row per report and one "
        "circle per item (green + yes, red − no, yellow ? unclear, grey NA not applicable; robvis colours). Right: the "
        "share of reports with each judgement per item."
    )
    return caption, "Traffic-light and bar chart. " + "; ".join(alt) + "."


def _evidence_map(table: pd.DataFrame) -> tuple[str, str]:
    k = table["report_id"].nunique()
    years = f"{int(table['year'].min())}–{int(table['year'].max())}" if len(table) else "none"
    caption = (
        f"Evidence map of the {_plural(k, 'included report')} by year of publication and disease. Colour: age group "
        "(children vermillion, outlined; adults blue; mixed purple); marker area proportional to the number of patients; "
        "marker shape: publication type."
    )
    by_group = table.drop_duplicates("report_id")["age_group"].value_counts()
    by_disease = table["disease"].value_counts()
    alt = (
        f"Scatter chart of {k} reports published {years}: "
        + ", ".join(f"{n} with {g}" for g, n in sorted(by_group.items()))
        + ". Diseases: " + ", ".join(f"{d} {n}" for d, n in sorted(by_disease.items(), key=lambda kv: (-kv[1], kv[0]))) + "."
    )
    return caption, alt


def _table(kind: str, table: pd.DataFrame) -> tuple[str, str]:
    n = len(table)
    if kind == "table_characteristics":
        return (f"Characteristics of the {_plural(n, 'included report')}.",
                f"Table with one row per included report ({n}): year, publication type, design, population, diseases and patients treated.")
    if kind == "table_patients":
        groups = [c for c in table.columns if c != "Characteristic"]
        return ("Patient characteristics, children against adults: " + ", ".join(groups) + ".",
                "Table comparing " + " and ".join(groups) + " by age, sex, disease and follow-up.")
    if kind == "table_pooled":
        methods = sorted(set(table["method"])) if "method" in table else []
        outcomes = list(dict.fromkeys(table["outcome"])) if "outcome" in table else []
        return (f"Pooled proportions for {_plural(len(outcomes), 'outcome')} by age group with every pooling method "
                f"({', '.join(methods)}): estimate with 95% confidence and prediction intervals, heterogeneity.",
                f"Table of {n} pooled estimates: one row per outcome, age group and method.")
    if kind == "table_ipd":
        return (f"Individual listing of the {_plural(n, 'child', 'children')} treated with CAR T cells.",
                f"Table with one row per child ({n}): report, age, sex, disease, product, follow-up and events.")
    if kind == "table_excluded":
        return (f"Records excluded, with the stage and the reason ({_plural(n, 'record')}).",
                f"Table of {n} excluded records with the screening stage and reason for exclusion.")
    raise ValueError(f"unknown caption kind {kind!r}")


_FIGURES = {
    "forest": _forest,
    "prisma": _prisma,
    "swimmer": _swimmer,
    "trajectories": _trajectories,
    "toxicity": _toxicity,
    "appraisal": _appraisal,
    "evidence_map": _evidence_map,
}
_TABLES = ("table_characteristics", "table_patients", "table_pooled", "table_ipd", "table_excluded")
KINDS = (*_FIGURES, *_TABLES)


def caption_for(kind: str, data) -> tuple[str, str]:
    """(caption, alt text) for a figure or table of `kind` (one of :data:`KINDS`) from the data it shows.

    `data` is what the figure function returned beside the figure (forest: the text table; prisma: the counts;
    swimmer, trajectories, appraisal: the dict of DataFrames; toxicity, evidence map: the DataFrame), or the table.
    """
    if kind in _FIGURES:
        caption, alt = _FIGURES[kind](data)
    elif kind in _TABLES:
        caption, alt = _table(kind, data)
    else:
        raise ValueError(f"unknown caption kind {kind!r}; use one of {list(KINDS)}.")
    return re.sub(r"\s+", " ", caption).strip(), re.sub(r"\s+", " ", alt).strip()


def write_captions(entries: Iterable[Caption | Mapping], folder: str | Path) -> list[Path]:
    """Write ``captions.md`` and ``captions.json`` into `folder`, entries in the order given; return both paths.

    Each entry is a :class:`Caption` or a mapping with name, kind, caption, alt_text (and optionally label).
    Names must be unique. Same entries, same bytes.
    """
    items = [e if isinstance(e, Caption) else Caption(**dict(e)) for e in entries]
    names = [e.name for e in items]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"captions: repeated name(s) {repeated}.")
    folder = Path(folder)
    lines = ["# Captions and alternative text", "", "Generated from the data each figure and table shows.", ""]
    for e in items:
        lines += [f"## {e.label + ': ' if e.label else ''}{e.name}", "", f"Kind: {e.kind}", "",
                  f"**Caption.** {e.caption}", "", f"**Alt text.** {e.alt_text}", ""]
    md = folder / "captions.md"
    js = folder / "captions.json"
    write_text_atomic(md, "\n".join(lines))
    write_text_atomic(js, json.dumps([asdict(e) for e in items], indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    return [md, js]
