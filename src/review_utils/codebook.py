"""The codebook: sheets, columns, types and controlled vocabularies, read from codebook.yaml.

Everything that knows what a column means (template, validator, loader, docs) asks this module.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml

NOT_REPORTED = "NR"
NOT_APPLICABLE = "NA"
LIST_SEPARATOR = ";"

GENERATED_SHEETS = ("about", "codebook", "lists")  # added by the template generator; ignored when reading
REPORT_SHEETS = ("report", "links", "patients", "measurements", "events", "aggregates", "appraisal")
SCREENING_SHEETS = ("records",)


def normalise_key(text: str) -> str:
    """Fold case, accents, spacing and punctuation: the key under which near-miss terms are matched."""
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9+]+", "", folded.lower())


@dataclass(frozen=True)
class Vocabulary:
    name: str
    terms: tuple[str, ...]
    synonyms: dict[str, str] = field(default_factory=dict)
    definition: str = ""
    source: str = ""

    def lookup(self, value: str) -> tuple[str, bool] | None:
        """Return (canonical term, exact?) for a value, or None when it matches nothing.

        Exact means the value is the canonical term letter for letter. A near miss (other case,
        spacing, accents, a known synonym) returns the canonical term with exact=False.
        """
        if value in self.terms:
            return value, True
        key = normalise_key(value)
        for term in self.terms:
            if normalise_key(term) == key:
                return term, False
        for synonym, term in self.synonyms.items():
            if normalise_key(synonym) == key:
                return term, False
        return None


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    nr: bool = False
    na: bool = False
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""
    vocabularies: tuple[str, ...] = ()
    definition: str = ""
    source: str = ""

    @property
    def controlled(self) -> bool:
        return self.type in ("term", "terms")

    def codes(self) -> tuple[str, ...]:
        return tuple(code for code, ok in ((NOT_REPORTED, self.nr), (NOT_APPLICABLE, self.na)) if ok)


@dataclass(frozen=True)
class Sheet:
    name: str
    definition: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    layout: str = "table"  # "table": header row + one record per row; "form": one field per row
    fields: tuple[Column, ...] = ()

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True)
class Codebook:
    version: int
    vocabularies: dict[str, Vocabulary]
    report_sheets: dict[str, Sheet]
    screening_sheets: dict[str, Sheet]
    checklists: dict[str, dict]
    measure_ranges: dict[str, dict]
    definition_sources: dict[str, str]

    def vocabulary_terms(self, column: Column) -> tuple[str, ...]:
        terms: list[str] = []
        for name in column.vocabularies:
            terms.extend(self.vocabularies[name].terms)
        return tuple(terms)

    def lookup(self, column: Column, value: str) -> tuple[str, bool] | None:
        for name in column.vocabularies:
            hit = self.vocabularies[name].lookup(value)
            if hit:
                return hit
        return None


def _column(name: str, spec: dict) -> Column:
    vocab = spec.get("vocabulary", ())
    if isinstance(vocab, str):
        vocab = (vocab,)
    if spec["type"] == "yes_no":
        vocab = ("yes_no",)
    return Column(
        name=name,
        type=spec["type"],
        required=bool(spec.get("required", False)),
        nr=bool(spec.get("nr", False)),
        na=bool(spec.get("na", False)),
        minimum=spec.get("min"),
        maximum=spec.get("max"),
        unit=spec.get("unit", ""),
        vocabularies=tuple(vocab),
        definition=" ".join(str(spec.get("definition", "")).split()),
        source=spec.get("source", ""),
    )


def _sheet(name: str, spec: dict) -> Sheet:
    return Sheet(
        name=name,
        definition=" ".join(str(spec.get("definition", "")).split()),
        columns=tuple(_column(n, s) for n, s in spec["columns"].items()),
        key=tuple(spec.get("key", ())),
        layout=spec.get("layout", "table"),
        fields=tuple(_column(n, s) for n, s in spec.get("fields", {}).items()),
    )


def parse_codebook(data: dict) -> Codebook:
    vocabularies = {
        name: Vocabulary(
            name=name,
            terms=tuple(str(t) for t in spec["terms"]),
            synonyms={str(k): str(v) for k, v in (spec.get("synonyms") or {}).items()},
            definition=" ".join(str(spec.get("definition", "")).split()),
            source=spec.get("source", ""),
        )
        for name, spec in data["vocabularies"].items()
    }
    codebook = Codebook(
        version=int(data["version"]),
        vocabularies=vocabularies,
        report_sheets={n: _sheet(n, s) for n, s in data["sheets"].items()},
        screening_sheets={n: _sheet(n, s) for n, s in data["screening"].items()},
        checklists=data.get("checklists", {}),
        measure_ranges=data.get("measure_ranges", {}),
        definition_sources=data.get("definition_sources", {}),
    )
    _check_consistency(codebook)
    return codebook


def _check_consistency(codebook: Codebook) -> None:
    """The codebook must be self-consistent: every vocabulary named exists, every synonym maps to a term."""
    for vocab in codebook.vocabularies.values():
        for synonym, term in vocab.synonyms.items():
            if term not in vocab.terms:
                raise ValueError(f"codebook: synonym {synonym!r} of {vocab.name} maps to unknown term {term!r}")
    sheets = [*codebook.report_sheets.values(), *codebook.screening_sheets.values()]
    for sheet in sheets:
        for col in (*sheet.columns, *sheet.fields):
            for name in col.vocabularies:
                if name not in codebook.vocabularies:
                    raise ValueError(f"codebook: {sheet.name}.{col.name} names unknown vocabulary {name!r}")
            if col.controlled and not col.vocabularies:
                raise ValueError(f"codebook: {sheet.name}.{col.name} is a term column without vocabulary")
        for key in sheet.key:
            if key not in sheet.column_names:
                raise ValueError(f"codebook: key column {key!r} not in sheet {sheet.name}")
    for measure in codebook.measure_ranges:
        if measure not in codebook.vocabularies["measure"].terms:
            raise ValueError(f"codebook: measure range for unknown measure {measure!r}")


@lru_cache(maxsize=1)
def load_codebook() -> Codebook:
    text = resources.files("review_utils").joinpath("codebook.yaml").read_text(encoding="utf-8")
    return parse_codebook(yaml.safe_load(text))
