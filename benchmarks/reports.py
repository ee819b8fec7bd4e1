"""Rendering time of each of the bureau's documents on the demo workspace (issue #17), DOCX and PDF.

    python benchmarks/reports.py [--workspace DIR] [--repeat 3]

Builds the demo workspace (``meili demo``) unless ``--workspace`` names one, then for each document times, in this
process, the builder (release → document model) and each writer (DOCX, PDF with its sidecar), best of ``--repeat``
runs after one warm-up (the first run also loads fonts and compiles templates; it is reported separately).
Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DOCUMENTS = {
    "evaluation 2024": ("build_evaluation", {"year": 2024}),
    "monthly 2019-06": ("build_monthly", {"year": 2019, "month": 6}),
    "bulletin 2024": ("build_bulletin", {"year": 2024}),
    "assessment 2024": ("build_assessment", {"year": 2024}),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from meili.app import Meili
    from meili.report import documents as builders
    from meili.report import write_document

    tmp = Path(tempfile.mkdtemp(prefix="meili-report-bench-"))
    workspace = args.workspace
    if workspace is None:
        workspace = tmp / "meili-demo"
        subprocess.run([sys.executable, "-m", "meili", "demo", "-w", str(workspace)], check=True,
                       capture_output=True)
    app = Meili(workspace)
    rows = []
    try:
        for name, (builder, params) in DOCUMENTS.items():
            build = getattr(builders, builder)
            timings: dict[str, list[float]] = {"build": [], "docx": [], "pdf": []}
            first: dict[str, float] = {}
            for run in range(args.repeat + 1):
                started = time.perf_counter()
                document = build(app, **params)
                built = time.perf_counter()
                write_document(document, tmp / f"{builder}-{run}.docx")
                docx_done = time.perf_counter()
                write_document(document, tmp / f"{builder}-{run}.pdf")
                pdf_done = time.perf_counter()
                spans = {"build": built - started, "docx": docx_done - built, "pdf": pdf_done - docx_done}
                if run == 0:
                    first = spans
                else:
                    for k, v in spans.items():
                        timings[k].append(v)
            pages = subprocess.run(["pdfinfo", str(tmp / f"{builder}-1.pdf")], capture_output=True,
                                   text=True).stdout if shutil.which("pdfinfo") else ""
            n_pages = next((line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:")), "?")
            rows.append((name, len(document.numbers()), n_pages, first, {k: min(v) for k, v in timings.items()}))
            print(f"{name}: {rows[-1]}", file=sys.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"Best of {args.repeat} runs after a first (cold) run, seconds; the workspace's latest release. Typst "
          "memoises compilation within a process, so a repeated PDF of the same document is mostly cache; the first "
          "run shows the cold cost.\n")
    print("| document | numbers | PDF pages | build | DOCX | PDF | first run (build + DOCX + PDF) |")
    print("|---|---|---|---|---|---|---|")
    for name, numbers, pages, first, best in rows:
        print(f"| {name} | {numbers} | {pages} | {best['build']:.2f} | {best['docx']:.2f} | {best['pdf']:.2f} | "
              f"{sum(first.values()):.2f} |")


if __name__ == "__main__":
    main()
