"""One cell against its codebook column: parse the value, or say what is wrong and how to fix it.

`parse_cell` returns the typed value (canonical term, int, float, ISO date string, tuple of terms,
the codes "NR"/"NA", or None for blank) and a list of findings (severity, rule, fix).
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

from ..codebook import LIST_SEPARATOR, NOT_APPLICABLE, NOT_REPORTED, Codebook, Column
from ..problems import ERROR, WARNING

Finding = tuple[str, str, str]  # severity, rule, fix

REPORT_ID = re.compile(r"^[a-z][a-z0-9]{3,60}$")
DOI = re.compile(r"^10\.\d{4,9}/\S+$")
DOI_PREFIX = re.compile(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
PMID = re.compile(r"^[1-9][0-9]{0,8}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
GRADE_WORD = re.compile(r"^\s*(grade|gr\.?|g)\s*([0-5])\s*$", re.IGNORECASE)
NUMBER_TEXT = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")
TIMES_TEN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[x×*]\s*10\s*\^?\s*([-+]?\d+)\s*$", re.IGNORECASE)


def display(raw) -> str:
    """The value as the person typed it (text in Unicode NFC, so París typed as a + combining accent matches)."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        return unicodedata.normalize("NFC", raw)
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, (dt.datetime, dt.date)):
        return raw.isoformat()[:10]
    return str(raw)


def is_blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _codes(column: Column, raw) -> tuple[str | None, list[Finding]]:
    """NR / NA handling: returns the code (or None when the value is not a code) and findings."""
    if not isinstance(raw, str):
        return None, []
    text = raw.strip()
    upper = text.upper().replace(".", "").replace("/", "")
    code = {"NR": NOT_REPORTED, "NOTREPORTED": NOT_REPORTED, "NA": NOT_APPLICABLE,
            "NOTAPPLICABLE": NOT_APPLICABLE}.get(upper.replace(" ", ""))
    if code is None:
        return None, []
    findings: list[Finding] = []
    allowed = column.codes()
    if code not in allowed:
        meaning = "not reported" if code == NOT_REPORTED else "not applicable"
        if allowed:
            fix = f"this column accepts {' or '.join(allowed)} only; use that code, or give the value"
        elif column.required:
            fix = "this column is required: give the value from the report (it cannot be left unknown)"
        else:
            fix = "leave the cell blank, or give the value"
        return code, [(ERROR, f"{code} ({meaning}) is not allowed in {column.name}", fix)]
    if text != code:
        findings.append((WARNING, f"write the code exactly as {code}", f"replace {text!r} by {code}"))
    return code, findings


def _number(column: Column, raw) -> tuple[float | int | None, list[Finding]]:
    findings: list[Finding] = []
    value = raw
    if isinstance(raw, bool):
        return None, [(ERROR, f"{column.name} must be a number, not TRUE/FALSE", "type the number")]
    if isinstance(raw, str):
        text = raw.strip().replace(",", ".") if raw.count(",") == 1 and "." not in raw else raw.strip()
        grade = GRADE_WORD.match(text)
        times = TIMES_TEN.match(text)
        if grade and column.type == "integer":
            value = int(grade.group(2))
            findings.append((WARNING, f"{column.name} is a number; 'Grade' is implied",
                             f"type {value} instead of {raw!r}"))
        elif times:
            value = float(times.group(1)) * 10 ** int(times.group(2))
            findings.append((WARNING, f"{column.name} is a number stored as text ({raw!r})",
                             f"type {value:.6g} (Excel: {float(times.group(1)):g}E{int(times.group(2))}) as a number"))
        elif NUMBER_TEXT.match(text):
            value = float(text)
            findings.append((WARNING, f"{column.name} is a number stored as text",
                             "retype it as a number (Excel shows a green triangle on numbers stored as text)"))
        else:
            return None, [(ERROR, f"{column.name} must be a number" + (f" in {column.unit}" if column.unit else ""),
                           "type the number only (units belong in the column name or the unit column); "
                           + ("write NR if the report does not give it" if column.nr else "give the value"))]
    if isinstance(value, (dt.date, dt.datetime, dt.time, dt.timedelta)):
        return None, [(ERROR, f"{column.name} must be a number, but the cell holds a date or time",
                       "format the cell as Number and type the value")]
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return None, [(ERROR, f"{column.name} must be a finite number", "type the number")]
    if column.type == "integer":
        if not value.is_integer():
            return None, findings + [(ERROR, f"{column.name} must be a whole number", "round as the report does, or check the value")]
        value = int(value)
    if column.minimum is not None and value < column.minimum or column.maximum is not None and value > column.maximum:
        low = "" if column.minimum is None else f"{column.minimum:g}"
        high = "" if column.maximum is None else f"{column.maximum:g}"
        return None, findings + [(ERROR, f"{column.name} must be between {low} and {high}" + (f" {column.unit}" if column.unit else ""),
                                  "check the value against the report (and the unit)")]
    return value, findings


def _date(column: Column, raw) -> tuple[str | None, list[Finding]]:
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat(), []
    if isinstance(raw, dt.date):
        return raw.isoformat(), []
    text = str(raw).strip()
    if ISO_DATE.match(text):
        try:
            return dt.date.fromisoformat(text).isoformat(), []
        except ValueError:
            pass
    return None, [(ERROR, f"{column.name} must be a date written YYYY-MM-DD", "type e.g. 2024-04-20 (ISO 8601)")]


def _term(codebook: Codebook, column: Column, raw) -> tuple[str | None, list[Finding]]:
    text = display(raw).strip()
    hit = codebook.lookup(column, text)
    if hit is None:
        terms = codebook.vocabulary_terms(column)
        shown = "; ".join(terms) if len(terms) <= 12 else "; ".join(terms[:12]) + "; … (see the dropdown)"
        return None, [(ERROR, f"{text!r} is not a term of {column.name}",
                       f"choose one of: {shown}" + ("" if not column.codes() else f" (or {' / '.join(column.codes())})"))]
    term, exact = hit
    if exact:
        return term, []
    return term, [(WARNING, f"{text!r} read as the canonical term {term!r}", f"replace it by {term!r} (the dropdown term)")]


def _terms(codebook: Codebook, column: Column, raw) -> tuple[tuple[str, ...] | None, list[Finding]]:
    text = display(raw)
    findings: list[Finding] = []
    separator = LIST_SEPARATOR
    if LIST_SEPARATOR not in text and "," in text and codebook.lookup(column, text.strip()) is None:
        separator = ","
        findings.append((WARNING, f"several terms in {column.name} are separated by '; '", "replace the commas by '; '"))
    terms, bad = [], []
    for part in (p.strip() for p in text.split(separator)):
        if not part:
            continue
        hit = codebook.lookup(column, part)
        if hit is None:
            bad.append(part)
            continue
        terms.append(hit[0])
        if not hit[1]:
            findings.append((WARNING, f"{part!r} read as the canonical term {hit[0]!r}", f"replace it by {hit[0]!r}"))
    if bad:
        return None, findings + [(ERROR, f"not terms of {column.name}: {', '.join(repr(b) for b in bad)}",
                                  "use terms from the codebook sheet, separated by '; ' (or 'other' and explain in notes)")]
    return tuple(dict.fromkeys(terms)), findings


def _identifier(column: Column, raw) -> tuple[str | None, list[Finding]]:
    text = display(raw).strip()
    if column.type == "doi":
        stripped = DOI_PREFIX.sub("", text)
        if not DOI.match(stripped):
            return None, [(ERROR, "malformed DOI (a DOI starts with 10. followed by a registrant code and a slash)",
                           "copy the DOI from the journal page, e.g. 10.1016/S0140-6736(24)00424-0")]
        if stripped != text:
            return stripped, [(WARNING, "DOI written as a link", f"write the DOI alone: {stripped}")]
        return stripped, []
    if column.type == "pmid":
        text = text[:-2] if text.endswith(".0") else text
        if not PMID.match(text):
            return None, [(ERROR, "malformed PMID (digits only, up to 9)", "copy the PMID from PubMed, e.g. 38642568")]
        return text, []
    if column.type == "report_id":
        if not REPORT_ID.match(text):
            return None, [(ERROR, "a report id is lower-case ASCII letters and digits (first author + year + tag)",
                           "e.g. krickau2024lancet: no spaces, hyphens, accents or capitals")]
        return text, []
    if column.type == "report_ref":
        ids = tuple(p.strip() for p in text.split(LIST_SEPARATOR) if p.strip())
        bad = [i for i in ids if not REPORT_ID.match(i)]
        if bad:
            return None, [(ERROR, f"not report ids: {', '.join(bad)}", "write report ids (file names without .xlsx), separated by '; '")]
        return ids, []
    if column.type == "patient_ref":
        report, sep, label = text.partition("/")
        if not sep or not REPORT_ID.match(report.strip()) or not label.strip():
            return None, [(ERROR, "a patient reference is report_id/patient label", "e.g. becilli2026natmed/P3")]
        return f"{report.strip()}/{label.strip()}", []
    return text, []


def parse_cell(codebook: Codebook, column: Column, raw) -> tuple[object, list[Finding]]:
    """Parse one cell. Blank returns (None, findings-for-required)."""
    if is_blank(raw):
        if column.required:
            codes = column.codes()
            fix = "fill it in" + (f", or write {' / '.join(codes)}" if codes else "")
            return None, [(ERROR, f"{column.name} is required", fix)]
        return None, []
    code, findings = _codes(column, raw)
    if code is not None:
        return (code if not findings or findings[0][0] != ERROR else None), findings
    kind = column.type
    if kind in ("integer", "number"):
        return _number(column, raw)
    if kind == "date":
        return _date(column, raw)
    if kind in ("term", "yes_no"):
        return _term(codebook, column, raw)
    if kind == "terms":
        return _terms(codebook, column, raw)
    if kind in ("doi", "pmid", "report_id", "report_ref", "patient_ref"):
        return _identifier(column, raw)
    return display(raw).strip(), []
