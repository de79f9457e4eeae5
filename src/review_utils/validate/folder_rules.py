"""Rules across workbooks: links and patient references point to what exists, no cycles, screening agrees."""
from __future__ import annotations

from ..codebook import Codebook
from ..io.workbook_reader import column_letter
from ..problems import ERROR, WARNING, Problem


def _cell(codebook: Codebook, sheet: str, column: str, row: int, screening: bool = False) -> str:
    specs = codebook.screening_sheets if screening else codebook.report_sheets
    return f"{column_letter(specs[sheet].column_names.index(column))}{row}"


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Depth-first search for a cycle; returns its nodes in order, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def check_folder_rules(codebook: Codebook, reports: list, screening) -> list[Problem]:
    problems: list[Problem] = []
    # Unreadable workbooks still exist: references to them are not reported twice.
    existing = {r.report_id for r in reports if not r.extraction_copy}
    consensus = [r for r in reports if r.readable and not r.extraction_copy]
    by_id: dict[str, object] = {}
    for parsed in consensus:
        if parsed.report_id in by_id:
            problems.append(Problem(parsed.name, "", "", ERROR, f"two workbooks for report {parsed.report_id}", "",
                                    f"keep one of {by_id[parsed.report_id].name} and {parsed.name}"))
        by_id.setdefault(parsed.report_id, parsed)
    labels = {rid: {p.get("patient_label") for p in r.tables.get("patients", [])} for rid, r in by_id.items()}

    graph: dict[str, set[str]] = {}
    for parsed in consensus:
        for link in parsed.tables.get("links", []):
            for target in link.get("target_report_id") or ():
                if target not in existing:
                    problems.append(Problem(parsed.name, "links", _cell(codebook, "links", "target_report_id", link["_row"]),
                                            ERROR, f"no workbook for the linked report {target!r}", target,
                                            f"check the id (a file extraction/reports/{target}.xlsx must exist), or add that report"))
                elif target != parsed.report_id:
                    covered, coverer = (target, parsed.report_id) if link.get("link_type") == "supersedes" \
                        else (parsed.report_id, target)
                    graph.setdefault(covered, set()).add(coverer)
        for patient in parsed.tables.get("patients", []):
            ref = patient.get("same_patient_as")
            if not ref:
                continue
            report_id, _, label = ref.partition("/")
            cell = _cell(codebook, "patients", "same_patient_as", patient["_row"])
            if report_id not in existing:
                problems.append(Problem(parsed.name, "patients", cell, ERROR, f"no workbook for report {report_id!r}", ref,
                                        "check the report id before the slash"))
            elif report_id in labels and label not in labels[report_id]:
                problems.append(Problem(parsed.name, "patients", cell, ERROR,
                                        f"report {report_id} has no patient labelled {label!r}", ref,
                                        f"use one of: {', '.join(sorted(str(x) for x in labels[report_id] if x)) or '(no patients listed)'}"))
    cycle = _find_cycle(graph)
    if cycle:
        problems.append(Problem(by_id[cycle[0]].name, "links", "", ERROR,
                                "overlap links form a cycle (each report counted through the next): " + " -> ".join(cycle), "",
                                "a report can only be contained in (or superseded by) a larger or later one; remove one link"))

    if screening is not None and screening.readable:
        listed: set[str] = set()
        for rec in screening.tables.get("records", []):
            row = rec["_row"]
            refs = rec.get("report_id") if isinstance(rec.get("report_id"), tuple) else ()
            listed.update(refs)
            if rec.get("decision") == "included":
                if not refs:
                    problems.append(Problem("screening.xlsx", "records", _cell(codebook, "records", "report_id", row, True),
                                            ERROR, "an included record needs the report_id of its workbook", "",
                                            "write the report id (the workbook's file name without .xlsx)"))
                for ref in refs:
                    if ref not in existing:
                        problems.append(Problem("screening.xlsx", "records", _cell(codebook, "records", "report_id", row, True),
                                                ERROR, f"included record, but no workbook {ref}.xlsx", ref,
                                                "check the id, or add the report's workbook"))
            elif rec.get("decision") == "excluded":
                for column in ("exclusion_stage", "exclusion_reason"):
                    if rec.get(column) in (None, "NA"):
                        problems.append(Problem("screening.xlsx", "records", _cell(codebook, "records", column, row, True),
                                                ERROR, f"an excluded record needs its {column.replace('_', ' ')}",
                                                rec.get(column) or "", "choose it from the dropdown"))
        for report_id, parsed in sorted(by_id.items()):
            if report_id not in listed:
                problems.append(Problem(parsed.name, "", "", WARNING, "the report is not in the screening log", "",
                                        "add a row for it to screening.xlsx (decision included, with this report_id)"))
    return problems
