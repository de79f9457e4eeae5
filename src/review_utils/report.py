"""`make report`: one static HTML page of the executed notebooks, without code, for readers without Python.

The page holds a methods section generated from the parameters and the statistics used, then each
notebook's text, tables and figures (embedded as PNG), in notebook order. Deterministic: no dates.
"""
from __future__ import annotations

import argparse
import html
import re
from pathlib import Path

from .io.atomic import write_text_atomic
from .params import PROJECT_ROOT, load_parameters

STYLE = """
body { font-family: 'DejaVu Sans', Arial, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.45; }
h1 { border-bottom: 2px solid #1F4E79; padding-bottom: .3rem; }
h2 { color: #1F4E79; margin-top: 2.5rem; }
table { border-collapse: collapse; font-size: .85rem; margin: 1rem 0; display: block; overflow-x: auto; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #DDEBF7; }
img { width: 100%; max-width: 60rem; height: auto; margin: 1rem 0; }
pre { background: #f6f6f6; padding: .6rem; overflow-x: auto; font-size: .8rem; }
nav ol { columns: 2; }
.methods { background: #f4f8fb; padding: .5rem 1.5rem; border-left: 4px solid #1F4E79; }
"""


def _inline(text: str) -> str:
    text = html.escape(text, quote=False)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", text)
    text = re.sub(r"(?<![*\w])\*([^*]+)\*(?!\w)", r"<em>\1</em>", text)
    text = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", r'<a href="\2">\1</a>', text)
    return text


def markdown_to_html(source: str) -> str:
    """A small Markdown subset (headings, paragraphs, lists, emphasis, code, links, tables) to HTML."""
    out: list[str] = []
    lines = source.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        if not line.strip():
            i += 1
            continue
        heading = re.match(r"^(#{1,6})\s+(.*)$", line)
        if heading:
            level = min(len(heading.group(1)) + 1, 6)  # the page title is the only h1
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
            i += 1
            continue
        if line.lstrip().startswith("|") and i + 1 < len(lines) and re.match(r"^\s*\|[\s:|-]+\|\s*$", lines[i + 1]):
            header = [c.strip() for c in line.strip().strip("|").split("|")]
            rows = []
            i += 2
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                rows.append([c.strip() for c in lines[i].strip().strip("|").split("|")])
                i += 1
            out.append("<table><thead><tr>" + "".join(f"<th>{_inline(c)}</th>" for c in header) + "</tr></thead><tbody>"
                       + "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in rows)
                       + "</tbody></table>")
            continue
        bullet = re.match(r"^\s*([-*]|\d+\.)\s+", line)
        if bullet:
            tag = "ol" if bullet.group(1)[0].isdigit() else "ul"
            items = []
            while i < len(lines) and re.match(r"^\s*([-*]|\d+\.)\s+", lines[i]):
                items.append(re.sub(r"^\s*([-*]|\d+\.)\s+", "", lines[i]))
                i += 1
                while i < len(lines) and lines[i].startswith("  ") and lines[i].strip() and \
                        not re.match(r"^\s*([-*]|\d+\.)\s+", lines[i]):
                    items[-1] += " " + lines[i].strip()
                    i += 1
            out.append(f"<{tag}>" + "".join(f"<li>{_inline(it)}</li>" for it in items) + f"</{tag}>")
            continue
        paragraph = [line.strip()]
        i += 1
        while i < len(lines) and lines[i].strip() and not re.match(r"^(#{1,6}\s|\s*([-*]|\d+\.)\s|\s*\|)", lines[i]):
            paragraph.append(lines[i].strip())
            i += 1
        out.append(f"<p>{_inline(' '.join(paragraph))}</p>")
    return "\n".join(out)


def _outputs_html(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            if output.get("name") == "stdout":
                parts.append(f"<pre>{html.escape(''.join(output.get('text', '')))}</pre>")
            continue
        if kind == "error":
            parts.append(f"<pre>Error: {html.escape(output.get('ename', ''))}: {html.escape(output.get('evalue', ''))}</pre>")
            continue
        data = output.get("data", {})
        if "image/png" in data:
            alt = html.escape(str(data.get("text/plain", "figure")).strip())
            parts.append(f'<img alt="{alt}" src="data:image/png;base64,{data["image/png"].strip()}">')
        elif "text/html" in data:
            parts.append("".join(data["text/html"]))
        elif "text/markdown" in data:
            parts.append(markdown_to_html("".join(data["text/markdown"])))
        elif "text/plain" in data:
            parts.append(f"<pre>{html.escape(''.join(data['text/plain']))}</pre>")
    return "\n".join(parts)


def methods_section(params: dict) -> str:
    """The statistical methods in words, from the parameters actually used."""
    from .pooling import METHOD_LABELS

    level = int(round(float(params["confidence_level"]) * 100))
    text = f"""
## Methods (generated from the parameters)

- **Eligible reports**: publication types {', '.join(params['eligible_publication_types'])}. Press items and
  preprints are listed but not pooled. Overlapping reports are counted once: a report contained in or superseded
  by another eligible report contributes through the larger one ({'including' if params['include_inferred_links'] else 'ignoring'}
  overlaps inferred by the extractors); the same patient in several reports is one person.
- **Age groups**: children are patients aged under {params['age_limit_years']} years at
  {'CAR infusion' if params['age_definition'] == 'infusion' else 'disease onset'}; reports without individual ages
  take their population (mixed reports are kept out of age-group comparisons).
- **Per report**: proportion with an exact Clopper-Pearson {level}% confidence interval.
- **Pooled, per age group** (primary method: {METHOD_LABELS[params['primary_method']]}): the binomial-normal
  random-intercept logistic model (GLMM) fitted by maximum likelihood with adaptive Gauss-Hermite quadrature and a
  t-based confidence interval (k-1 degrees of freedom), as recommended for few, small studies with 0/n and n/n
  (Stijnen 2010; Schwarzer 2019). Where it cannot be fitted (one report, all or no events) the exact crude pooled
  proportion is reported instead, and said so.
- **Sensitivity**: logit inverse-variance models (0.5 added only to 0/n and n/n reports) with REML,
  DerSimonian-Laird and Paule-Mandel tau², Knapp-Hartung intervals and prediction intervals; the crude proportion
  over all patients with its exact interval; leave-one-report-out and cumulative pooling by publication date;
  Freeman-Tukey only as a labelled legacy option. All agree with R metafor 3.8-1 to 1e-6 (inverse variance) and
  1e-4 (GLMM) on reference data.
- **Children against adults**: test for subgroup differences (mixed-effects moderator test QM, REML), risk
  difference with Newcombe and Miettinen-Nurminen intervals, and Fisher's exact test on patient counts.
- **Continuous outcomes**: change from baseline in SLEDAI-2K and prednisolone dose at
  {', '.join(str(t) for t in params['time_points_months'])} months (nearest measurement within
  ±{params['time_window_days']} days), median and IQR, Wilcoxon signed-rank within and Mann-Whitney between groups.
- **Toxicity** is graded on the ASTCT 2019 consensus scale, the grade as reported kept beside it.
"""
    return markdown_to_html(text)


def build_report(notebooks: list[Path], params: dict, title: str) -> str:
    import nbformat

    sections, toc = [], []
    for index, path in enumerate(notebooks, start=1):
        notebook = nbformat.read(path, as_version=4)
        anchor = f"part-{index}"
        name = path.stem.split("_", 1)[-1].replace("_", " ")
        toc.append(f'<li><a href="#{anchor}">{html.escape(name.capitalize())}</a></li>')
        body = [f'<section id="{anchor}">']
        for cell in notebook.cells:
            tags = cell.get("metadata", {}).get("tags", [])
            if "parameters" in tags or "injected-parameters" in tags:
                continue
            if cell.cell_type == "markdown":
                body.append(markdown_to_html(cell.source))
            elif cell.cell_type == "code":
                body.append(_outputs_html(cell))
        body.append("</section>")
        sections.append("\n".join(body))
    return (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{html.escape(title)}</title>\n"
            f"<style>{STYLE}</style>\n</head>\n<body>\n<h1>{html.escape(title)}</h1>\n"
            f"<nav><ol>{''.join(toc)}</ol></nav>\n<div class=\"methods\">{methods_section(params)}</div>\n"
            + "\n".join(sections) + "\n</body>\n</html>\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default=str(PROJECT_ROOT / "report" / "index.html"))
    args = parser.parse_args(argv)
    notebooks = sorted((PROJECT_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    title = "CAR T-cell therapy in paediatric rheumatic disease: results of the systematic review"
    write_text_atomic(args.output, build_report(notebooks, load_parameters("default"), title))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
