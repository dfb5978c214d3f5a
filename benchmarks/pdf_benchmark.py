"""How long one unit's PDF/A report takes: notebook -> HTML -> PDF (target: PDF <= 0.5 s).

Run:  .venv/bin/python benchmarks/pdf_benchmark.py [--repeat 5] [--out DIR]

The document is built to look like a real 绩效自评报告: about 8 A4 pages of Chinese text,
three tables of 20 rows, four PNG charts (matplotlib, Noto Sans SC), as an executed notebook.
Prints the time of each stage; the first PDF of a process is reported apart ("cold"), since
it pays for imports, the font file mapping and WeasyPrint's first-use caches.
"""
from __future__ import annotations

import argparse
import base64
import io
import statistics
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output  # noqa: E402

PARAGRAPH = (
    "该项目年度预算执行率为 88.49%，较上年提高 3.2 个百分点。项目实施过程中，单位严格按照"
    "《中华人民共和国预算法》和自治区财政厅关于项目支出绩效管理的有关规定，加强资金使用监管，"
    "确保专款专用。产出指标方面，全年共组织立法调研 12 次、执法检查 4 批次、代表培训 6 期，"
    "培训人数达到 1,280 人次；效益指标方面，社会效益显著，群众满意度稳步提升，"
    "服务对象满意度调查结果为 93.5%。但也存在部分指标完成进度滞后、绩效目标设定不够细化、"
    "预算编制与实际需求衔接不够紧密等问题，下一步将进一步完善绩效目标管理，强化结果应用。"
)


def _chart(title: str, labels: list[str], values: list[float]) -> str:
    from perfnb.fonts import use_cjk_font

    use_cjk_font()
    fig, ax = plt.subplots(figsize=(6.4, 3.2), dpi=100)
    ax.bar(labels, values, color=["#1a7f37", "#b35900", "#cf222e", "#1f4e79"][: len(values)])
    ax.set_title(title)
    ax.set_ylabel("得分")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


COLUMN_WIDTHS = (10, 10, 30, 10, 10, 8, 10, 12)  # percent, for the perfnb-fixed variant


def _table(caption: str, rows: int, offset: int, fixed: bool = False) -> str:
    body = "".join(
        f"<tr class='status-{('met', 'partial', 'unmet')[i % 3]}'><td>产出指标</td><td>数量指标</td>"
        f"<td>第{i + offset}项：组织开展专项调研与执法检查</td><td>≥{4 + i}</td><td>{3 + i}</td>"
        f"<td>批次</td><td class='num'>5.00</td><td class='num'>{3.75 + i / 10:.2f}</td></tr>"
        for i in range(rows))
    opening = "<table>"
    if fixed:
        opening = ("<table class='perfnb-fixed'><colgroup>"
                   + "".join(f"<col style='width:{w}%'>" for w in COLUMN_WIDTHS) + "</colgroup>")
    return (f"{opening}<caption>{caption}</caption><thead><tr><th>一级指标</th><th>二级指标</th>"
            "<th>三级指标</th><th>年度指标值</th><th>实际完成值</th><th>计量单位</th><th>分值</th>"
            f"<th>得分</th></tr></thead><tbody>{body}</tbody></table>")


def realistic_notebook(fixed_tables: bool = False) -> nbformat.NotebookNode:
    """~8 pages: headings, 24 paragraphs, 3 tables of 20 rows, 4 charts, a hidden code cell.

    ``fixed_tables`` gives the tables class perfnb-fixed and column widths (faster layout).
    """
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
                data={"text/html": _table(f"表{number + 1} 绩效指标明细", 20, number * 20,
                                           fixed_tables),
                      "text/plain": "table"})]))
    cells.append(new_code_cell("secret = 1", metadata={"tags": ["remove"]}))
    nb.cells = cells
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="warm PDF renderings to time")
    parser.add_argument("--out", type=Path, help="folder to write the HTML and PDF into")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    from perfnb import fonts
    from perfnb.exporters import PerfnbHTMLExporter
    from perfnb.pdf import html_to_pdf
    import weasyprint  # noqa: F401
    t_import = time.perf_counter() - t0

    nb = realistic_notebook()

    t0 = time.perf_counter()
    exporter = PerfnbHTMLExporter(embed_fonts=False)
    html, resources = exporter.from_notebook_node(nb)
    t_html = time.perf_counter() - t0
    fixed_html, _ = exporter.from_notebook_node(realistic_notebook(fixed_tables=True))

    def render_pdf(document: str = html) -> bytes:
        return html_to_pdf(document, title=resources["perfnb"]["title"],
                           attachments=[("report.ipynb", nbformat.writes(nb).encode())])

    def timed(document: str) -> tuple[float, float]:
        fonts._subset_font.cache_clear()   # time real subsetting every round, not the memo
        wall, cpu = time.perf_counter(), time.process_time()
        render_pdf(document)
        return time.perf_counter() - wall, time.process_time() - cpu

    t0 = time.perf_counter()
    pdf = render_pdf()
    t_cold = time.perf_counter() - t0

    warm = [timed(html) for _ in range(args.repeat)]
    warm_fixed = [timed(fixed_html) for _ in range(args.repeat)]

    t0 = time.perf_counter()
    characters = fonts.document_characters(html)
    fonts._subset_font.cache_clear()
    for font in fonts.FONTS:
        fonts.subset_font(font, characters)
    t_subset = time.perf_counter() - t0

    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(f"document: {pages} pages, {len(characters)} distinct characters, "
          f"HTML {len(html) / 1024:.0f} KiB, PDF {len(pdf) / 1024:.0f} KiB")
    print(f"imports (perfnb, nbconvert, weasyprint): {t_import:.3f} s")
    print(f"notebook -> HTML (nbconvert):            {t_html:.3f} s")
    print(f"font subsets (HarfBuzz, both fonts):     {t_subset:.3f} s")
    print(f"HTML -> PDF/A, cold (first in process):  {t_cold:.3f} s")
    for label, runs in (("", warm), (", perfnb-fixed tables", warm_fixed)):
        walls, cpus = [run[0] for run in runs], [run[1] for run in runs]
        print(f"HTML -> PDF/A, warm x{args.repeat}{label}: wall median {statistics.median(walls):.3f} s"
              f" (min {min(walls):.3f}), CPU median {statistics.median(cpus):.3f} s"
              f" (min {min(cpus):.3f})  [target <= 0.5 s]")
    try:
        import os

        print(f"load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    except OSError:  # pragma: no cover - not on every platform
        pass
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "benchmark.html").write_text(html, encoding="utf-8")
        (args.out / "benchmark.pdf").write_bytes(pdf)
        print(f"written: {args.out / 'benchmark.html'}, {args.out / 'benchmark.pdf'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
