"""One run of the analysis: its parameters, the loaded extraction, where it writes, and its publisher."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ..evidence import EvidenceParameters
from ..extraction import Extraction, load_extraction
from ..paths import RunPaths, run_paths
from .publish import Publisher

# The names a notebook's parameters cell defines (params/default.yaml holds their values).
PARAMETER_NAMES = (
    "extraction_path", "figures_path", "tables_path", "age_limit_years", "age_definition",
    "eligible_publication_types", "include_inferred_links", "diseases", "primary_method", "confidence_level",
    "outcomes", "time_points_months", "time_window_days", "figure_formats", "run_name",
)


@dataclass
class Run:
    params: dict
    evidence: EvidenceParameters
    paths: RunPaths
    extraction: Extraction
    publisher: Publisher

    @property
    def level(self) -> float:
        return float(self.params["confidence_level"])

    @property
    def method(self) -> str:
        return self.params["primary_method"]


def _show_whole_tables() -> None:
    """Notebooks (and the HTML report made from them) show every row of a table, not the first and last five."""
    import pandas as pd

    pd.set_option("display.max_rows", 500)
    pd.set_option("display.max_columns", 50)
    pd.set_option("display.max_colwidth", 80)


def start(namespace: Mapping, notebook: str = "") -> Run:
    """Collect the parameters from a notebook's namespace, load and validate the extraction, prepare outputs."""
    missing = [name for name in PARAMETER_NAMES if name not in namespace]
    if missing:
        raise KeyError(f"the parameters cell does not define {missing}")
    params = {name: namespace[name] for name in PARAMETER_NAMES}
    _show_whole_tables()
    paths = run_paths(params["extraction_path"], params["figures_path"], params["tables_path"], params["run_name"])
    extraction = load_extraction(paths.extraction)
    publisher = Publisher(paths, tuple(params["figure_formats"]), notebook or "notebook")
    return Run(params=params, evidence=EvidenceParameters.from_mapping(params), paths=paths,
               extraction=extraction, publisher=publisher)
