"""The names of the pooling methods, as tables, figures and the report print them (no numerics here, so
reading a label does not load scipy)."""
from __future__ import annotations

GLMM_LABELS = {
    "t": "GLMM (ML, t-based CI)",
    "z": "GLMM (ML, z-based CI)",
}
IV_LABELS: dict[tuple[str, str], str] = {
    ("REML", "knha"): "Logit inverse-variance (REML, Knapp-Hartung)",
    ("REML", "z"): "Logit inverse-variance (REML, z-based CI)",
    ("DL", "z"): "Logit inverse-variance (DerSimonian-Laird, z-based CI)",
    ("PM", "z"): "Logit inverse-variance (Paule-Mandel, z-based CI)",
    ("DL", "knha"): "Logit inverse-variance (DerSimonian-Laird, Knapp-Hartung)",
    ("PM", "knha"): "Logit inverse-variance (Paule-Mandel, Knapp-Hartung)",
}
FT_LABEL = "Freeman-Tukey double arcsine (REML, Miller back-transform) [legacy]"

# The methods in the order of the method-comparison table; the first is the primary method by default.
METHODS: tuple[str, ...] = (
    "glmm",
    "glmm_z",
    "iv_reml_knha",
    "iv_reml_z",
    "iv_dl_z",
    "iv_pm_z",
    "crude",
    "freeman_tukey_legacy",
)

METHOD_LABELS: dict[str, str] = {
    "glmm": GLMM_LABELS["t"],
    "glmm_z": GLMM_LABELS["z"],
    "iv_reml_knha": IV_LABELS[("REML", "knha")],
    "iv_reml_z": IV_LABELS[("REML", "z")],
    "iv_dl_z": IV_LABELS[("DL", "z")],
    "iv_pm_z": IV_LABELS[("PM", "z")],
    "crude": "Crude pooled proportion (exact Clopper-Pearson CI)",
    "freeman_tukey_legacy": FT_LABEL,
}
