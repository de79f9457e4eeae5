"""From reports to analysis sets: eligibility, overlap resolution, age groups, outcome derivation.

Count each patient once:
- a report that is `contained_in` or `supersedes`-linked to another eligible report is not an
  independent cohort; its patients appear through the larger (or later) report;
- individually described patients linked by `same_patient_as` are one person (union-find);
- inferred links count unless `include_inferred_links` is False (a sensitivity analysis).

Age group: "children" when the age (at infusion by default, or at onset) is under the limit,
"adults" otherwise. A report without individual ages takes its `population` (paediatric -> children,
adult -> adults, mixed -> "mixed", kept out of age-group comparisons).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .extraction import Extraction

CHILDREN, ADULTS, MIXED = "children", "adults", "mixed"
POPULATION_GROUP = {"paediatric": CHILDREN, "adult": ADULTS, "mixed": MIXED}


@dataclass(frozen=True)
class EvidenceParameters:
    age_limit_years: float = 18.0
    age_definition: str = "infusion"  # or "onset"
    eligible_publication_types: tuple[str, ...] = ("journal article", "letter", "conference abstract")
    include_inferred_links: bool = True
    diseases: tuple[str, ...] = ()  # empty = all diseases

    @classmethod
    def from_mapping(cls, params: dict) -> "EvidenceParameters":
        known = {f: params[f] for f in cls.__dataclass_fields__ if f in params}
        for key in ("eligible_publication_types", "diseases"):
            if key in known:
                known[key] = tuple(known[key] or ())
        return cls(**known)


# ---------------------------------------------------------------- eligibility and overlap

def every_publication_type(extraction: Extraction, params: EvidenceParameters) -> EvidenceParameters:
    """The same parameters with every publication type in the extraction eligible (press items included)."""
    types = tuple(sorted(set(extraction.reports["publication_type"].dropna())))
    return replace(params, eligible_publication_types=types)


def eligible_reports(extraction: Extraction, params: EvidenceParameters) -> pd.DataFrame:
    reports = extraction.reports
    return reports[reports["publication_type"].isin(params.eligible_publication_types)].copy()


def overlap_edges(extraction: Extraction, params: EvidenceParameters, eligible: set[str]) -> pd.DataFrame:
    """Edges covered report -> covering report (report_id -> target_report_id), among eligible reports."""
    links = extraction.links.copy()
    if not params.include_inferred_links:
        links = links[links["certainty"] == "stated"]
    rows = []
    for _, link in links.iterrows():
        for target in str(link["target_report_id"] or "").split("; "):
            covered, coverer = link["report_id"], target
            if link["link_type"] == "supersedes":  # written in the later report: the target is the covered one
                covered, coverer = target, link["report_id"]
            if covered in eligible and coverer in eligible and covered != coverer:
                rows.append({"report_id": covered, "target_report_id": coverer,
                             "link_type": link["link_type"], "certainty": link["certainty"]})
    return pd.DataFrame(rows, columns=["report_id", "target_report_id", "link_type", "certainty"])


def independent_cohorts(extraction: Extraction, params: EvidenceParameters) -> pd.DataFrame:
    """Eligible reports that are neither contained in nor superseded by another eligible report."""
    eligible = eligible_reports(extraction, params)
    edges = overlap_edges(extraction, params, set(eligible["report_id"]))
    covered = set(edges["report_id"])
    out = eligible[~eligible["report_id"].isin(covered)].copy()
    return out.sort_values("report_id").reset_index(drop=True)


def covering_cohort(extraction: Extraction, params: EvidenceParameters) -> dict[str, str]:
    """report_id -> the independent cohort whose count includes its patients (itself when independent)."""
    eligible = set(eligible_reports(extraction, params)["report_id"])
    edges = overlap_edges(extraction, params, eligible)
    parent = {}
    for _, e in edges.sort_values(["report_id", "target_report_id"]).iterrows():
        parent.setdefault(e["report_id"], e["target_report_id"])
    result = {}
    for report in sorted(eligible):
        seen, node = set(), report
        while node in parent and node not in seen:
            seen.add(node)
            node = parent[node]
        result[report] = node
    return result


# ---------------------------------------------------------------- patients

def age_group_of(age_infusion: float, age_onset: float, population: str, params: EvidenceParameters) -> str:
    age = age_onset if params.age_definition == "onset" else age_infusion
    if params.age_definition == "onset" and (age is None or np.isnan(age)):
        age = age_infusion  # onset unknown: fall back to age at infusion
    if age is not None and not np.isnan(age):
        return CHILDREN if age < params.age_limit_years else ADULTS
    return POPULATION_GROUP.get(population, MIXED)


class _UnionFind:
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _memoised(function):
    """Cache a function of (extraction, params) on the loaded extraction: notebooks ask the same question often."""
    def wrapper(extraction: Extraction, params: EvidenceParameters):
        cache = extraction.__dict__.setdefault("_evidence_cache", {})
        key = (function.__name__, params)
        if key not in cache:
            cache[key] = function(extraction, params)
        value = cache[key]
        return value.copy() if hasattr(value, "copy") else value
    wrapper.__name__, wrapper.__doc__ = function.__name__, function.__doc__
    return wrapper


@_memoised
def patient_table(extraction: Extraction, params: EvidenceParameters) -> pd.DataFrame:
    """Individually described patients of eligible reports, with `person_id` (same_patient_as resolved),
    `age_group` and `cohort` (the independent cohort that counts them)."""
    eligible = eligible_reports(extraction, params)
    population = dict(zip(eligible["report_id"], eligible["population"]))
    patients = extraction.patients[extraction.patients["report_id"].isin(population)].copy()
    patients["patient_key"] = patients["report_id"] + "/" + patients["patient_label"].astype(str)
    uf = _UnionFind()
    for _, p in patients.iterrows():
        uf.find(p["patient_key"])
        ref = p.get("same_patient_as")
        if isinstance(ref, str) and ref and (params.include_inferred_links or p.get("same_patient_certainty") == "stated"):
            if ref.split("/")[0] in population:
                uf.union(p["patient_key"], ref)
    patients["person_id"] = [uf.find(k) for k in patients["patient_key"]]
    patients["age_group"] = [
        age_group_of(a, o, population[r], params)
        for a, o, r in zip(patients["age_at_infusion_years"], patients["age_at_onset_years"], patients["report_id"])]
    cover = covering_cohort(extraction, params)
    patients["cohort"] = patients["report_id"].map(cover)
    if params.diseases:
        patients = patients[patients["disease"].isin(params.diseases)]
    return patients.reset_index(drop=True)


@_memoised
def individual_patients(extraction: Extraction, params: EvidenceParameters) -> pd.DataFrame:
    """The IPD set: one row per unique person, each field from the report with the longest follow-up."""
    patients = patient_table(extraction, params)
    if patients.empty:
        return patients
    ordered = patients.assign(_fu=patients["follow_up_months"].fillna(-1)).sort_values(
        ["person_id", "_fu", "report_id"], ascending=[True, False, True])

    def missing(value) -> bool:
        return pd.isna(value) or value in ("NR", None, "")

    rows = []
    for person, group in ordered.groupby("person_id", sort=True):
        best = group.iloc[0].copy()
        others = [other for _, other in group.iloc[1:].iterrows()]
        for column in patients.columns if others else ():  # fill fields missing in the best report from the others
            if missing(best[column]):
                for other in others:
                    if not missing(other[column]):
                        best[column] = other[column]
                        break
        best["reports"] = "; ".join(sorted(group["report_id"]))
        rows.append(best.drop(labels=["_fu"]))
    return pd.DataFrame(rows).reset_index(drop=True)


def with_persons(extraction: Extraction, params: EvidenceParameters, rows: pd.DataFrame) -> pd.DataFrame:
    """Rows keyed by report_id + patient_label (events, measurements) with the person they belong to:
    `person_id` (same_patient_as resolved) and that person's `age_group`; rows of other patients dropped."""
    everyone = patient_table(extraction, params)
    person_of = dict(zip(everyone["patient_key"], everyone["person_id"]))
    group_of = dict(zip(everyone["person_id"], everyone["age_group"]))
    out = rows.copy()
    out["person_id"] = (out["report_id"] + "/" + out["patient_label"].astype(str)).map(person_of)
    out = out[out["person_id"].notna()]
    out["age_group"] = out["person_id"].map(group_of)
    return out


@dataclass
class PatientCounts:
    """Unique patients after overlap resolution, by age group and disease."""
    table: pd.DataFrame  # columns cohort, age_group, disease, patients, basis
    notes: list[str] = field(default_factory=list)

    def by(self, *columns: str) -> pd.DataFrame:
        return self.table.groupby(list(columns), sort=True, as_index=False)["patients"].sum()


@_memoised
def _families(extraction: Extraction, params: EvidenceParameters) -> dict[str, list[str]]:
    """Independent cohort -> the eligible reports counted through it (itself first)."""
    cover = covering_cohort(extraction, params)
    families: dict[str, list[str]] = {}
    for report, root in sorted(cover.items(), key=lambda kv: (kv[1], kv[0] != kv[1], kv[0])):
        families.setdefault(root, []).append(report)
    return families


def unique_patient_counts(extraction: Extraction, params: EvidenceParameters) -> PatientCounts:
    """Count each patient once: per independent cohort, the report of its family that says most (the cohort
    itself when it gives its number treated, else the largest report inside it); individual rows are counted
    person by person (deduplicated across cohorts), else the number treated split by `patients treated`
    aggregates (or its single disease)."""
    reports = eligible_reports(extraction, params).set_index("report_id")
    patients = patient_table(extraction, params)
    rows, notes, counted_persons = [], [], set()

    def size(rid: str) -> float:
        own = int((patients["report_id"] == rid).sum())
        treated = reports.loc[rid, "number_treated"]
        return max(own, 0 if np.isnan(treated) else treated)

    for root, family in _families(extraction, params).items():
        rid = root if not np.isnan(reports.loc[root, "number_treated"]) else max(family, key=lambda r: (size(r), r == root))
        if size(rid) == 0:
            notes.append(f"{root}: number treated not reported (nor in the reports it contains); not counted")
            continue
        if rid != root:
            notes.append(f"{root}: number treated not reported; counted through {rid}")
        report = reports.loc[rid]
        treated = report["number_treated"]
        own = patients[patients["report_id"] == rid]
        if not own.empty and (np.isnan(treated) or len(own) >= treated):
            for _, p in own.iterrows():
                if p["person_id"] in counted_persons:
                    continue
                counted_persons.add(p["person_id"])
                rows.append((root, p["age_group"], p["disease"], 1, "individual"))
            continue
        group = POPULATION_GROUP.get(report["population"], MIXED)
        split = extraction.aggregates[(extraction.aggregates["report_id"] == rid)
                                      & (extraction.aggregates["outcome_or_measure"] == "patients treated")]
        diseases = [d for d in str(report["diseases"] or "").split("; ") if d]
        if not split.empty:
            for _, a in split.iterrows():
                rows.append((root, POPULATION_GROUP.get(a["population"], MIXED), a["disease"], int(a["total"]), "aggregate"))
        elif len(diseases) == 1:
            rows.append((root, group, diseases[0], int(treated), "aggregate"))
        else:
            rows.append((root, group, "several diseases (split not reported)", int(treated), "aggregate"))
    table = pd.DataFrame(rows, columns=["cohort", "age_group", "disease", "patients", "basis"])
    if params.diseases:
        table = table[table["disease"].isin(params.diseases)]
    return PatientCounts(table=table.reset_index(drop=True), notes=notes)


# ---------------------------------------------------------------- outcomes

BINARY_EVENT_OUTCOMES = {
    "CRS any grade": ("CRS", None),
    "CRS grade 3 or higher": ("CRS", 3),
    "ICANS any grade": ("ICANS", None),
    "ICANS grade 3 or higher": ("ICANS", 3),
    "ICAHT any grade": ("ICAHT", None),
    "severe infection": ("infection", 3),
    "death": ("death", None),
    "DORIS remission": ("DORIS remission", None),
    "drug-free remission": ("drug-free remission", None),
    "LLDAS": ("LLDAS", None),
    "complete renal response": ("complete renal response", None),
    "relapse": ("relapse", None),
    "IVIG replacement": ("IVIG replacement", None),
}


def patient_outcome(events: list[tuple[str, str | None, float]], outcome: str) -> float:
    """1 (had the outcome), 0 (assessed, did not), NaN (not assessable) for one patient's events,
    given as (event, occurred, grade_astct) tuples: occurred 'yes', 'no' or None; grade a number or NaN."""
    event, min_grade = BINARY_EVENT_OUTCOMES[outcome]
    rows = [(occurred, grade) for name, occurred, grade in events if name == event]
    if not rows:
        return np.nan
    if min_grade is None:
        if any(occurred == "yes" for occurred, _ in rows):
            return 1.0
        return 0.0 if any(occurred == "no" for occurred, _ in rows) else np.nan
    if any(grade >= min_grade for _, grade in rows):  # NaN compares False
        return 1.0
    if any(occurred == "yes" and math.isnan(grade) for occurred, grade in rows):
        return np.nan  # occurred, grade unknown: cannot tell whether it was severe
    return 0.0 if any(occurred == "no" or grade < min_grade for occurred, grade in rows) else np.nan


def _events_by_patient(extraction: Extraction) -> dict[tuple[str, str], list[tuple[str, str | None, float]]]:
    """(report_id, patient_label) -> that patient's (event, occurred, grade_astct) tuples, built once per extraction."""
    cache = extraction.__dict__.setdefault("_split_cache", {})
    if "events_by_patient" not in cache:
        events = extraction.events
        occurred = [value if isinstance(value, str) else None for value in events["occurred"].astype(object)]
        grades = pd.to_numeric(events["grade_astct"], errors="coerce").astype(float).tolist()
        table: dict[tuple[str, str], list] = {}
        for rid, label, name, occ, grade in zip(events["report_id"], events["patient_label"], events["event"],
                                                occurred, grades):
            table.setdefault((rid, label), []).append((name, occ, grade))
        cache["events_by_patient"] = table
    return cache["events_by_patient"]


def _report_counts(extraction: Extraction, params: EvidenceParameters, outcome: str, rid: str,
                   patients: dict[str, list[tuple[str, str]]]) -> list[tuple[str, int, int, str]]:
    """(age_group, events, total, basis) of one report for one outcome: its aggregate counts (at last follow-up,
    else the latest time point), else counts derived from its individually described patients."""
    agg = _by_report(extraction, "aggregates", "outcome_or_measure").get((rid, outcome))
    if agg is not None:
        if params.diseases:  # a count over several diseases is usable only if all of them are selected
            agg = agg[[set(str(d).split("; ")) <= set(params.diseases) for d in agg["disease"]]]
        agg = agg[agg["events"].notna() & agg["total"].notna()]
        if not agg.empty:
            last = agg[agg["time_point_months__code"] == "NA"]
            chosen = last if not last.empty else agg[agg["time_point_months"] == agg["time_point_months"].max()]
            return [(POPULATION_GROUP.get(population, MIXED), int(g["events"].sum()), int(g["total"].sum()), "aggregate")
                    for population, g in chosen.groupby("population", sort=True)]
    own = patients.get(rid)
    if not own or outcome not in BINARY_EVENT_OUTCOMES:
        return []
    events = _events_by_patient(extraction)
    tally: dict[str, list[int]] = {}
    for label, group in own:
        if not isinstance(group, str):
            continue  # no age group: not counted (as pandas' groupby dropped it)
        value = patient_outcome(events.get((rid, label), []), outcome)
        if not math.isnan(value):
            counts = tally.setdefault(group, [0, 0])
            counts[0] += int(value)
            counts[1] += 1
    return [(group, had, assessed, "individual") for group, (had, assessed) in sorted(tally.items())]


def _by_report(extraction: Extraction, table: str, *also: str) -> dict:
    """One table split by report (and further columns), computed once per loaded extraction."""
    cache = extraction.__dict__.setdefault("_split_cache", {})
    keys = ("report_id", *also)
    if (table, keys) not in cache:
        groups = getattr(extraction, table).groupby(list(keys) if also else "report_id", sort=False)
        cache[(table, keys)] = {key: g for key, g in groups}
    return cache[(table, keys)]


def pooling_set(extraction: Extraction, params: EvidenceParameters, outcome: str) -> pd.DataFrame:
    cache = extraction.__dict__.setdefault("_pooling_cache", {})
    if (params, outcome) not in cache:
        cache[(params, outcome)] = _pooling_set(extraction, params, outcome)
    return cache[(params, outcome)].copy()


def _pooling_set(extraction: Extraction, params: EvidenceParameters, outcome: str) -> pd.DataFrame:
    """One count per independent cohort and age group.

    Within a cohort's family (the cohort and the reports counted through it) the count comes from the report
    that gives it for the most patients: the cohort itself when it reports the outcome, else the largest report
    inside it that does. Never two reports of one family, so no patient is counted twice.
    Columns: cohort, report_id (where the count comes from), age_group, events, total, basis, year, publication_date.
    """
    reports = eligible_reports(extraction, params).set_index("report_id")
    table = patient_table(extraction, params)
    patients: dict[str, list[tuple[str, str]]] = {}
    for rid, label, group in zip(table["report_id"], table["patient_label"], table["age_group"]):
        patients.setdefault(rid, []).append((label, group))
    rows = []
    for root, family in _families(extraction, params).items():
        best: dict[str, tuple] = {}
        for rid in family:
            for group, events, total, basis in _report_counts(extraction, params, outcome, rid, patients):
                key = (total, rid == root, str(reports.loc[rid, "publication_date"]), rid)
                if group not in best or key > best[group][0]:
                    best[group] = (key, rid, events, total, basis)
        for group, (_, rid, events, total, basis) in sorted(best.items()):
            rows.append((root, rid, group, events, total, basis, reports.loc[rid, "year"], reports.loc[rid, "publication_date"]))
    out = pd.DataFrame(rows, columns=["cohort", "report_id", "age_group", "events", "total", "basis", "year",
                                      "publication_date"])
    return out[out["total"] > 0].sort_values(["age_group", "year", "cohort"]).reset_index(drop=True)
