"""How long one unit's PDF/A report takes: notebook -> HTML -> PDF (target: PDF <= 0.5 s).

Run:  .venv/bin/python benchmarks/pdf_benchmark.py [--repeat 5] [--out DIR] [--seed-notebook F]
      [--only seed|synthetic] [--parts ROUNDS]

Two documents are measured:

* ``seed``: the real report of the bundled unit params/nmg-rd-2022-rdlz.yaml, i.e. the
  evaluation notebook executed for it by ``perfnb run`` (papermill).  It is executed once and
  kept in the user cache (``~/.cache/perfnb/benchmark``); ``--seed-notebook`` takes an
  already executed notebook instead.
* ``synthetic``: a built notebook that looks like a longer 绩效自评报告: about 9 A4 pages of
  Chinese text, three tables of 20 rows and four PNG charts.

For each, it prints the time of ``perfnb.reporting.exporters.export_pdf`` (what ``perfnb run`` calls) split
into its parts: notebook -> HTML (nbconvert, including the exporter's own preprocessing), font
subsets, then WeasyPrint's HTML parsing, style cascade, box building, layout, painting, images,
fonts, attachments and the PDF/A serialisation.  The first PDF of a process is reported apart
("cold"), since it pays for imports and first-use caches.  CPU time is given next to wall time
because the machine is shared: CPU time is the figure to compare.
"""
from __future__ import annotations

import argparse
import base64
import contextlib
import inspect
import io
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
GC_LABEL = "Python garbage collection (WeasyPrint's reference cycles)"
SEED_PARAMS = REPO / "params" / "nmg-rd-2022-rdlz.yaml"

PARAGRAPH = (
    "该项目年度预算执行率为 88.49%，较上年提高 3.2 个百分点。项目实施过程中，单位严格按照"
    "《中华人民共和国预算法》和自治区财政厅关于项目支出绩效管理的有关规定，加强资金使用监管，"
    "确保专款专用。产出指标方面，全年共组织立法调研 12 次、执法检查 4 批次、代表培训 6 期，"
    "培训人数达到 1,280 人次；效益指标方面，社会效益显著，群众满意度稳步提升，"
    "服务对象满意度调查结果为 93.5%。但也存在部分指标完成进度滞后、绩效目标设定不够细化、"
    "预算编制与实际需求衔接不够紧密等问题，下一步将进一步完善绩效目标管理，强化结果应用。"
)


# --------------------------------------------------------------------------- documents

def _chart(title: str, labels: list[str], values: list[float]) -> str:
    from perfnb.reporting.fonts import use_cjk_font

    use_cjk_font()
    fig, ax = plt.subplots(figsize=(6.4, 3.2), dpi=100)
    ax.bar(labels, values, color=["#1a7f37", "#b35900", "#cf222e", "#1f4e79"][: len(values)])
    ax.set_title(title)
    ax.set_ylabel("得分")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _table(caption: str, rows: int, offset: int) -> str:
    body = "".join(
        f"<tr class='status-{('met', 'partial', 'unmet')[i % 3]}'><td>产出指标</td><td>数量指标</td>"
        f"<td>第{i + offset}项：组织开展专项调研与执法检查</td><td>≥{4 + i}</td><td>{3 + i}</td>"
        f"<td>批次</td><td class='num'>5.00</td><td class='num'>{3.75 + i / 10:.2f}</td></tr>"
        for i in range(rows))
    return (f"<table><caption>{caption}</caption><thead><tr><th>一级指标</th><th>二级指标</th>"
            "<th>三级指标</th><th>年度指标值</th><th>实际完成值</th><th>计量单位</th><th>分值</th>"
            f"<th>得分</th></tr></thead><tbody>{body}</tbody></table>")


def realistic_notebook() -> nbformat.NotebookNode:
    """~9 pages: headings, 24 paragraphs, 3 tables of 20 rows, 4 charts, a hidden code cell."""
    nb = new_notebook()
    nb.metadata["perfnb"] = {
        "title": "人大履职保障经费项目支出绩效自评报告",
        "unit": {"unit_id": "nmg-rd-2022-rdlz", "department": "内蒙古自治区人大常委会办公厅",
                 "project": "人大履职保障经费"},
    }
    cells = [new_markdown_cell("# 人大履职保障经费项目支出绩效自评报告\n\n" + PARAGRAPH)]
    charts = [("各维度得分", ["预算执行", "产出", "效益", "满意度"], [8.85, 45.0, 28.5, 9.3]),
              ("产出指标完成情况", ["数量", "质量", "时效", "成本"], [18, 12, 9, 6]),
              ("效益指标完成情况", ["经济", "社会", "生态", "可持续"], [5, 12, 6, 5.5]),
              ("预算执行情况（万元）", ["年初预算", "全年预算", "全年执行"], [2229, 2229, 1972.41])]
    sections = ["一、项目基本情况", "二、绩效目标完成情况", "三、预算执行情况", "四、存在问题及改进措施"]
    for number, section in enumerate(sections):
        text = "\n\n".join(PARAGRAPH for _ in range(6))
        cells.append(new_markdown_cell(f"## {section}\n\n{text}"))
        cells.append(new_code_cell("chart()", outputs=[new_output(
            "display_data", data={"image/png": _chart(*charts[number]), "text/plain": "<Figure>"})]))
        if number < 3:
            cells.append(new_code_cell("table()", outputs=[new_output(
                "execute_result", execution_count=number + 1,
                data={"text/html": _table(f"表{number + 1} 绩效指标明细", 20, number * 20),
                      "text/plain": "table"})]))
    cells.append(new_code_cell("secret = 1", metadata={"tags": ["remove"]}))
    nb.cells = cells
    return nb


def seed_notebook(path: Path | None = None) -> tuple[nbformat.NotebookNode, dict]:
    """The executed evaluation notebook of the bundled unit, and its export resources.

    Executed once with ``perfnb run``'s own code (papermill) into the user cache.
    """
    if path is None:
        from perfnb.reporting.fonts import user_cache_dir
        from perfnb.running.runner import run_unit

        cache = user_cache_dir() / "benchmark"
        found = sorted(cache.glob("*/nmg-rd-2022-rdlz/evaluation.ipynb"))
        if not found:
            print(f"executing the evaluation notebook for {SEED_PARAMS.name} once (cached in {cache}) …",
                  file=sys.stderr)
            run = run_unit(SEED_PARAMS, out_root=cache, formats=("html",))
            if run.status != "passed":
                raise SystemExit(f"seed notebook failed: {run.message}")
            found = sorted(cache.glob("*/nmg-rd-2022-rdlz/evaluation.ipynb"))
        path = found[0]
    nb = nbformat.read(path, as_version=4)
    return nb, {"metadata": {"path": str(path.parent), "name": "report"}}


# --------------------------------------------------------------------------- stage timers

class StageTimer:
    """CPU and wall time spent in named functions, by wrapping them for one rendering.

    Times are exclusive: a wrapped function called from another wrapped one counts for its
    own label only, so the parts add up.  A function that returns a generator (WeasyPrint's
    page layout) is timed while the generator is consumed.
    """

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self._stack: list[list[float]] = []  # per active call: [child wall, child cpu]

    def _run(self, label: str, call):
        self._stack.append([0.0, 0.0])
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return call()
        finally:
            spent_wall = time.perf_counter() - wall
            spent_cpu = time.process_time() - cpu
            child_wall, child_cpu = self._stack.pop()
            self.wall[label] += spent_wall - child_wall
            self.cpu[label] += spent_cpu - child_cpu
            if self._stack:
                self._stack[-1][0] += spent_wall
                self._stack[-1][1] += spent_cpu

    def garbage_collection(self, phase: str, info: dict) -> None:
        """A ``gc.callbacks`` hook: collections count apart from the stage they interrupt."""
        if phase == "start":
            self._gc_started = (time.perf_counter(), time.process_time())
            return
        wall, cpu = self._gc_started
        spent_wall, spent_cpu = time.perf_counter() - wall, time.process_time() - cpu
        self.wall[GC_LABEL] += spent_wall
        self.cpu[GC_LABEL] += spent_cpu
        if self._stack:
            self._stack[-1][0] += spent_wall
            self._stack[-1][1] += spent_cpu

    def wrap(self, owner, attribute: str, label: str):
        original = getattr(owner, attribute)
        timer = self

        def timed_generator(generator):
            while True:
                try:
                    item = timer._run(label, lambda: next(generator))
                except StopIteration:
                    return
                yield item

        def timed(*args, **kwargs):
            result = timer._run(label, lambda: original(*args, **kwargs))
            return timed_generator(result) if inspect.isgenerator(result) else result

        setattr(owner, attribute, timed)
        return owner, attribute, original


def _stage_targets():
    """(owner, attribute, label) of every part of export_pdf the benchmark times."""
    import pydyf
    import weasyprint
    import weasyprint.document as wp_document
    import weasyprint.images as wp_images
    import weasyprint.pdf as wp_pdf

    from perfnb.reporting import exporters, fonts, pdf

    return [
        (exporters.PerfnbHTMLExporter, "_render", "notebook -> HTML (nbconvert template)"),
        (exporters, "notebook_attachments", "attachments: serialise notebook, read inputs"),
        (pdf, "prepare_for_print", "print preparation (lxml: table widths, charts to JPEG)"),
        (fonts, "subset_font", "font subsets (HarfBuzz)"),
        (weasyprint.HTML, "__init__", "WeasyPrint: parse HTML"),
        (weasyprint.CSS, "__init__", "WeasyPrint: parse extra CSS (fonts)"),
        (wp_document, "get_all_computed_styles", "WeasyPrint: <style> parsing + cascade"),
        (wp_document, "build_formatting_structure", "WeasyPrint: box tree"),
        (wp_document, "layout_document", "WeasyPrint: layout (text, tables, pages)"),
        (wp_document.Page, "paint", "WeasyPrint: draw pages"),
        (wp_images.RasterImage, "get_x_object", "PDF: images (WeasyPrint re-encodes PNGs)"),
        (wp_pdf, "write_pdf_attachment", "PDF: attachments"),
        (wp_pdf, "build_fonts_dictionary", "PDF: fonts (widths, ToUnicode)"),
        (pdf, "_finish_pdf", "PDF: one copy per font file, compress streams"),
        (pydyf.PDF, "write", "PDF: serialise (object streams, file identifier)"),
    ]


@contextlib.contextmanager
def timing_stages():
    import gc

    timer = StageTimer()
    # Parts an older perfnb does not have are left out, so old and new can be compared.
    targets = [target for target in _stage_targets() if hasattr(target[0], target[1])]
    restore = [timer.wrap(owner, attribute, label) for owner, attribute, label in targets]
    gc.callbacks.append(timer.garbage_collection)
    try:
        yield timer
    finally:
        gc.callbacks.remove(timer.garbage_collection)
        for owner, attribute, original in reversed(restore):
            setattr(owner, attribute, original)


# --------------------------------------------------------------------------- measuring

def measure(name: str, nb, resources: dict, repeat: int, out: Path | None) -> None:
    import warnings

    from pypdf import PdfReader

    from perfnb.reporting import fonts
    from perfnb.reporting.exporters import export_html, export_pdf
    from perfnb.reporting.pdf import AttachmentWarning

    warnings.simplefilter("ignore", AttachmentWarning)

    def one_pdf() -> tuple[bytes, float, float]:
        fonts._subset_font.cache_clear()   # time real subsetting every round, not the memo
        wall, cpu = time.perf_counter(), time.process_time()
        pdf = export_pdf(nb, dict(resources))
        return pdf, time.perf_counter() - wall, time.process_time() - cpu

    pdf, cold_wall, cold_cpu = one_pdf()
    runs = [one_pdf()[1:] for _ in range(repeat)]

    html_runs = []
    for _ in range(repeat):
        fonts._subset_font.cache_clear()
        wall, cpu = time.perf_counter(), time.process_time()
        html = export_html(nb, dict(resources))
        html_runs.append((time.perf_counter() - wall, time.process_time() - cpu))

    stage_runs = []
    for _ in range(repeat):
        fonts._subset_font.cache_clear()
        with timing_stages() as timer:
            cpu = time.process_time()
            export_pdf(nb, dict(resources))
            timer.cpu["total"] = time.process_time() - cpu
        stage_runs.append(timer)

    reader = PdfReader(io.BytesIO(pdf))
    walls, cpus = [run[0] for run in runs], [run[1] for run in runs]
    print(f"\n== {name}: {len(reader.pages)} pages, PDF {len(pdf) / 1024:.0f} KiB, "
          f"HTML {len(html) / 1024:.0f} KiB")
    print(f"export_html (notebook -> HTML file):  CPU median {statistics.median(c for _, c in html_runs):.3f} s"
          f"  wall median {statistics.median(w for w, _ in html_runs):.3f} s")
    print(f"export_pdf, cold (first in process):  CPU {cold_cpu:.3f} s  wall {cold_wall:.3f} s")
    print(f"export_pdf, warm x{repeat}:               CPU median {statistics.median(cpus):.3f} s"
          f" (min {min(cpus):.3f})  wall median {statistics.median(walls):.3f} s"
          f" (min {min(walls):.3f})  [target <= 0.5 s]")
    # The parts of the timed rendering with the median total (parts of one rendering add up).
    stages = sorted(stage_runs, key=lambda run: run.cpu["total"])[len(stage_runs) // 2]
    print(f"  parts of one rendering (CPU s; total {stages.cpu['total']:.3f} with the timers):")
    labels = [label for label in stages.cpu if label != "total"]
    for label in labels:
        print(f"    {stages.cpu[label]:6.3f}  {label}")
    rest = stages.cpu["total"] - sum(stages.cpu[label] for label in labels)
    print(f"    {rest:6.3f}  rest (PDF page streams, metadata, PDF/A XMP, glue)")
    if out:
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{name}.html").write_text(html, encoding="utf-8")
        (out / f"{name}.pdf").write_bytes(pdf)
        print(f"  written: {out / (name + '.html')}, {out / (name + '.pdf')}")


# Parts of the report, each removed in turn by ``--parts`` (XPath of what goes).
REPORT_PARTS = {
    "charts (4 images)": "//div[contains(@class, 'perfnb-image')]",
    "审核发现 table": "//table[contains(@class, 'perfnb-findings')]",
    "附表 (scored tables)": "//div[contains(@class, 'perfnb-eval')]",
    "all tables": "//table",
}


def measure_parts(nb, resources: dict, rounds: int) -> None:
    """CPU time of the seed's PDF without each part of the report, to show where it goes.

    The variants are rendered in turn, round after round, and the minimum of each is
    compared: on a shared machine the minimum is the steadiest figure.
    """
    import lxml.html

    from perfnb.reporting.exporters import FONT_MARKER, PerfnbPDFExporter
    from perfnb.reporting.pdf import html_to_pdf

    html, _ = PerfnbPDFExporter()._render(nb, dict(resources))
    html = html.replace(FONT_MARKER, "", 1)

    def without(xpath: str) -> str:
        root = lxml.html.document_fromstring(html)
        for element in root.xpath(xpath):
            element.getparent().remove(element)
        return lxml.html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")

    documents = {"whole report": html}
    documents.update((f"without {name}", without(xpath)) for name, xpath in REPORT_PARTS.items())
    times: dict[str, list[float]] = {name: [] for name in documents}
    pages = {}
    for round_index in range(rounds + 1):
        for name, document in documents.items():
            cpu = time.process_time()
            pdf = html_to_pdf(document, title="parts")
            if round_index:  # the first round warms caches
                times[name].append(time.process_time() - cpu)
            else:
                from pypdf import PdfReader
                pages[name] = len(PdfReader(io.BytesIO(pdf)).pages)
    whole = min(times["whole report"])
    print(f"\n== seed, part by part (html_to_pdf CPU s, min / median of {rounds} rounds)")
    for name, runs in times.items():
        saved = "" if name == "whole report" else f"   part costs {whole - min(runs):.3f}"
        print(f"  {name:34s} {min(runs):.3f} / {statistics.median(runs):.3f}"
              f"   {pages[name]} pages{saved}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="warm renderings to time")
    parser.add_argument("--out", type=Path, help="folder to write the HTML and PDF files into")
    parser.add_argument("--seed-notebook", type=Path,
                        help="an executed evaluation notebook to use as the seed document")
    parser.add_argument("--only", choices=("seed", "synthetic"), help="measure one document")
    parser.add_argument("--parts", type=int, metavar="ROUNDS", default=0,
                        help="also time the seed's PDF without each part (charts, tables)")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    import weasyprint  # noqa: F401

    import perfnb.reporting.exporters  # noqa: F401
    import perfnb.reporting.pdf  # noqa: F401
    print(f"imports (perfnb, nbconvert, weasyprint): {time.perf_counter() - t0:.3f} s")

    if args.only in (None, "seed"):
        nb, resources = seed_notebook(args.seed_notebook)
        measure("seed", nb, resources, args.repeat, args.out)
        if args.parts:
            measure_parts(nb, resources, args.parts)
    if args.only in (None, "synthetic"):
        measure("synthetic", realistic_notebook(), {"metadata": {"name": "report"}},
                args.repeat, args.out)
    with contextlib.suppress(OSError):
        print(f"\nload average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
