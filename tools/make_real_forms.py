"""Build the files departments really send from transcribed published 绩效自评表 (real-forms JSON).

Each JSON (schema: ../shared/real-forms/README.md — header, funds_columns/funds_rows, targets,
indicator_columns (+ indicator_subcolumns), indicator_rows, footer, truncated, notes) is laid out AS
PRINTED into one grid model, and the same grid is written as

* ``<name>.xlsx``  openpyxl: title row merged across, label/value header block, funds block, target
  block, indicator header (two rows where the form groups its headers), 一级/二级 cells merged down,
  footer rows, in-cell line breaks, full-width punctuation restored, numbers typed where plain;
* ``<name>.docx``  python-docx: one Word table (gridSpan, vMerge, text split over several runs); a
  longer form is split into two tables with a page break between them, the indicator header
  repeated (``w:tblHeader``) on the continuation;
* ``<name>.html``  the form as a government site prints it: site navigation and footer tables
  around it, the title and lines above it as paragraphs, the form as one ``<table>`` with
  rowspan/colspan, ``&nbsp;`` in blank cells, ``<br>`` in-cell line breaks; the pages of
  ``GBK_PAGES`` in GBK declared ``charset=gb2312``, the rest UTF-8; ``MHTML_FROM`` also as
  ``<name>.mhtml`` (a browser's single-file save: MIME, quoted-printable);
* ``<name>.xls`` / ``<name>.ods`` / ``<name>.pdf``  LibreOffice headless (``soffice``) from the xlsx
  (xls, ods) and the docx (pdf) — only where ``soffice`` is installed; CI uses the committed files.

plus ``multi-sheets.xlsx`` (three forms, a sheet each), ``multi-stacked.xlsx`` (two forms on one
sheet), ``multi-forms.docx``/``.pdf`` (three forms one after another) and ``scanned.pdf`` (a page
rendered to an image: no text layer), and ``manifest.yaml`` naming the forms in every file.

The builder is generic over the schema; ``HINTS`` carries the few per-form layout facts the schema
leaves open (form10's two-row header groups, its section headings).  The stored copies folded
full-width punctuation to half-width; ``fullwidth`` restores （）：，；％ in text (numbers such as
"97.80%" or "1,972.41" stay as typed).  A row named by ``truncated`` is where the stored copy
stopped mid-row: it is left out (the form is built as published up to the last whole row).

    .venv/bin/python tools/make_real_forms.py [JSON_DIR ...] --out tests/fixtures/real-forms/built
"""
from __future__ import annotations

import argparse
import datetime
import io
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIRS = [ROOT.parent / "shared" / "real-forms", ROOT / "tests" / "fixtures" / "real-forms"]
DEFAULT_OUT = Path("tests/fixtures/real-forms/built")
FIXED_TIME = datetime.datetime(2024, 3, 1, 9, 0, 0)
ZIP_TIME = (2024, 3, 1, 9, 0, 0)

# ---------------------------------------------------------------------------------------------
# Per-form hints: only what the schema leaves ambiguous about the printed layout.

HINTS: dict[str, dict] = {
    "form01": {
        # The 四川 form prints the label "实施单位 (盖章)".
        "header_labels": {"实施单位": "实施单位（盖章）"},
    },
    "pub22": {
        # 寿县's 部门整体 rubric starts with its own 序号 column: no left block column.
        "block_column": False,
    },
    # pub34 (a scoring sheet inside a report), pub35 (a target table under its own '绩效指标'
    # line) and pub36 (a CSV-like 考核表 whose first column is the group) print no left block
    # column beside the indicator header.
    "pub34": {"block_column": False},
    "pub35": {"block_column": False},
    "pub36": {"block_column": False},
    "form10": {
        # 河北 system export: 12 tokens per row; the explanatory sentence fills 指标分值,
        # 预期指标值 groups 符号/数值/单位, 自评得分 groups its three figures (two header rows).
        "indicator_groups": {
            "预期指标值": ["符号", "数值", "单位(文字描述)"],
            "自评得分": ["单项指标得分", "权重占比(%)", "单项指标折算得分"],
        },
        "block_column": False,
        "sections": {"header": "一、基本情况", "funds": "二、预算执行情况",
                     "targets": "三、目标完成情况", "indicators": "四、年度绩效指标完成情况"},
    },
}

# Header keys that are web-page metadata, not printed in the form.
META_KEYS = {"页面标题", "发布时间", "发布日期", "source_url"}
# Header keys printed as a line above the table rather than inside it.
ABOVE_KEYS = {"附件", "报表编号", "单位", "金额单位", "主管部门(盖章)"}
# Footer keys printed as a sign-off line under the table.
SIGNOFF_KEYS = {"项目负责人", "财务负责人", "填报人", "填报日期", "联系电话"}
TOTAL_LABELS = {"合计", "总分", "总计"}
TEXT_COLUMN_WORDS = ("原因", "方法", "说明", "措施")

# Long labels printed with an in-cell line break (after full-width restoration).
LINE_BREAKS = {
    "偏差原因分析及改进措施": "偏差原因分析\n及改进措施",
    "满意度指标": "满意度\n指标",
    "服务对象满意度指标": "服务对象\n满意度指标",
    "未完成原因分析": "未完成\n原因分析",
    "未完成原因及拟采取的改进措施": "未完成原因及拟采取\n的改进措施",
    "项目资金（万元）": "项目资金\n（万元）",
    "资金情况（万元）": "资金情况\n（万元）",
    "预算执行情况（10分）": "预算执行\n情况（10分）",
    "绩效指标（90分）": "绩效指标\n（90分）",
    "年度预算数（万元）": "年度预算数\n（万元）",
    "可持续影响指标": "可持续影响\n指标",
    "单项指标实际完成值": "单项指标\n实际完成值",
    "单项指标完成情况": "单项指标\n完成情况",
    "实际完成指标值（B）": "实际完成\n指标值（B）",
}

# ---------------------------------------------------------------------------------------------
# Text helpers

CJK = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
GROUPED_NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def fullwidth(text: str) -> str:
    """Restore the full-width punctuation the stored copies folded: （）：，；％ in text.

    Commas and colons between digits ("1,972.41", "10:30") and a % right after a digit ("97.80%")
    stay as typed."""
    if not text:
        return text
    out = []
    for i, ch in enumerate(text):
        prev = text[i - 1] if i else ""
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if ch == "(":
            out.append("（")
        elif ch == ")":
            out.append("）")
        elif ch == ":" and not (prev.isdigit() and nxt.isdigit()):
            out.append("：")
        elif ch == "," and not (prev.isdigit() and nxt.isdigit()):
            out.append("，")
        elif ch == ";":
            out.append("；")
        elif ch == "%" and not prev.isdigit():
            out.append("％")
        else:
            out.append(ch)
    return "".join(out)


# Sub-headings of a two-row header, by the group heading they sit under.
TARGET_SUBS = ("指标性质", "性质", "指标值", "度量单位", "计量单位", "符号", "数值", "单位")
SCORE_SUBS = ("自评", "复核", "单项指标得分", "权重占比", "折算得分", "单项指标折算得分")


def infer_groups(columns: list[str], subcolumns: list[str]) -> dict[str, list[str]]:
    """Which heading of the first row each second-row sub-heading sits under, when the form
    JSON lists ``indicator_subcolumns`` without a per-form hint: target sub-headings
    (指标性质/指标值/度量单位) under the 指标值 heading, score sub-headings (自评/复核) under 得分."""
    # headings compared as perfnb matches them: a mirror's traditional characters with pinyin
    # readings ("年度指標(biāo)值", pub03) are the same headings
    from perfnb.reading.values import simplified
    groups: dict[str, list[str]] = {}
    rest = list(subcolumns)
    for kinds, test in ((TARGET_SUBS, lambda h: "指标值" in h or "目标值" in h),
                        (SCORE_SUBS, lambda h: "得分" in h)):
        heading = next((h for h in columns if test(simplified(h))), None)
        subs = [s for s in rest if any(simplified(s).startswith(k) for k in kinds)]
        if heading and subs:
            groups[heading] = subs
            rest = [s for s in rest if s not in subs]
    return groups


def label_text(text: str) -> str:
    """A printed label: full-width punctuation, a flattened line break (a space between two CJK
    words, " (" before a points note) back as a break, and the usual breaks in long labels."""
    text = fullwidth(text.strip())
    text = re.sub(rf"(?<=[{CJK}]{{2}}) (?=[{CJK}]{{2}})", "\n", text)
    text = re.sub(r" ?（(\d+分)）$", r"\n（\1）", text) if len(text) > 8 else text
    return LINE_BREAKS.get(text, text)


def display_len(text: str) -> int:
    return sum(2 if ord(ch) > 0x2000 else 1 for ch in text)


def typed(text: str):
    """The cell value as a department types it: plain numbers as numbers, the rest as text."""
    if isinstance(text, str):
        stripped = text.strip()
        if NUMBER.match(stripped):
            return float(stripped) if "." in stripped else int(stripped)
        if GROUPED_NUMBER.match(stripped):
            return float(stripped.replace(",", ""))
    return text


def number_format(text: str) -> str | None:
    stripped = text.strip() if isinstance(text, str) else ""
    if GROUPED_NUMBER.match(stripped):
        return "#,##0.00"
    if NUMBER.match(stripped) and "." in stripped:
        return "0." + "0" * len(stripped.split(".")[1])
    return None


def spans(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` grid columns over items proportionally to ``weights`` (each at least 1)."""
    n = len(weights)
    if n == 0:
        return []
    if total <= n:
        return [1] * n
    raw = [max(w, 0.01) for w in weights]
    scale = (total - n) / sum(raw)
    extra = [w * scale for w in raw]
    result = [1 + int(e) for e in extra]
    rest = total - sum(result)
    order = sorted(range(n), key=lambda i: -(extra[i] - int(extra[i])))
    for i in order[:rest]:
        result[i] += 1
    return result


# ---------------------------------------------------------------------------------------------
# Grid model: what is printed where

@dataclass
class Cell:
    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    kind: str = "value"          # head | label | value | text


@dataclass
class Grid:
    ncols: int
    cells: list[Cell] = field(default_factory=list)
    nrows: int = 0
    repeat_rows: int = 0         # leading rows repeated as header rows (docx continuation)
    tall_rows: dict[int, int] = field(default_factory=dict)

    def put(self, row, col, text, rowspan=1, colspan=1, kind="value"):
        if col + colspan > self.ncols:
            raise ValueError(f"cell at row {row}, column {col} runs past column {self.ncols}")
        self.cells.append(Cell(row, col, "" if text is None else str(text), rowspan, colspan, kind))
        self.nrows = max(self.nrows, row + rowspan)


def check_grid(grid: Grid) -> None:
    """Every grid square is covered by exactly one cell (no overlaps, holes get a blank cell)."""
    owner = {}
    for cell in grid.cells:
        for r in range(cell.row, cell.row + cell.rowspan):
            for c in range(cell.col, cell.col + cell.colspan):
                if (r, c) in owner:
                    raise ValueError(f"cells overlap at row {r}, column {c}: "
                                     f"{owner[r, c].text!r} and {cell.text!r}")
                owner[r, c] = cell
    for r in range(grid.nrows):
        for c in range(grid.ncols):
            if (r, c) not in owner:
                grid.put(r, c, "")


@dataclass
class FormLayout:
    name: str
    title: list[str]             # title lines (title, "（2023年度）")
    above: list[str]             # lines between title and table (附件：, 单位：万元)
    tables: list[Grid]
    below: list[str]             # sign-off line(s)
    landscape: bool
    before_title: list[str] = field(default_factory=list)   # "附件：" above the title


class FormBuilder:
    """Lays one form JSON out as printed; ``split_at`` (an indicator row index) makes two tables."""

    def __init__(self, name: str, form: dict):
        self.name = name
        self.form = form
        self.hints = HINTS.get(name, {})
        self.sichuan = str(form.get("layout", "")).startswith("sichuan")
        self.block = self.hints.get("block_column", True)
        self.off = 1 if self.block else 0
        self.sections = self.hints.get("sections", {})
        self.leaves, self.groups = self._indicator_leaves()
        rows = [list(r) for r in form.get("indicator_rows", [])]
        cut = self._truncated_row()
        if cut is not None:
            rows = rows[:cut]
        self.rows = rows
        funds = form.get("funds_columns") or []
        funds_width = max([len(x) for x in form.get("funds_rows") or []] + [len(funds)])
        # label/value pairs (a row longer than the header): each paired group needs 2 columns
        funds_need = max(len(funds), funds_width)
        self.ncols = self.off + max(len(self.leaves), funds_need, 8)

    # -- columns -------------------------------------------------------------------------------
    def _indicator_leaves(self):
        columns = list(self.form.get("indicator_columns") or [])
        groups = self.hints.get("indicator_groups") or infer_groups(
            columns, list(self.form.get("indicator_subcolumns") or []))
        leaves, header = [], []      # header: (top label, [leaf labels])
        for column in columns:
            if column in groups:
                header.append((column, groups[column]))
                leaves.extend(groups[column])
            else:
                header.append((column, None))
                leaves.append(column)
        width = max((len(r) for r in self.form.get("indicator_rows", [])), default=0)
        subcolumns = list(self.form.get("indicator_subcolumns") or [])
        while len(leaves) < width:   # a longer row than the header: name the extra columns
            extra = subcolumns.pop(0) if subcolumns else ""
            header.append((extra, None))
            leaves.append(extra)
        return leaves, header

    def _truncated_row(self):
        trunc = self.form.get("truncated")
        if not isinstance(trunc, dict):
            return None
        for key, value in trunc.items():
            if key.endswith("indicator_row_index"):
                return int(value)
        return None

    def _leaf_index(self, *words):
        for i, leaf in enumerate(self.leaves):
            if any(w in leaf for w in words):
                return i
        return None

    # -- blocks ----------------------------------------------------------------------------------
    def _section(self, grid, r, key):
        if key in self.sections:
            grid.put(r, 0, self.sections[key], colspan=self.ncols, kind="section")
            return r + 1
        return r

    def header_block(self, grid, r):
        r = self._section(grid, r, "header")
        header = self.form.get("header", {})
        title = self.form.get("title", "")
        relabel = self.hints.get("header_labels", {})
        items = []
        for key, value in header.items():
            if key in META_KEYS or key in ABOVE_KEYS:
                continue
            if key == "年度" and str(value) in title:
                continue
            items.append((relabel.get(key, key), value))
        lw = 2 if self.ncols >= 8 else 1
        half = self.ncols // 2

        def full(key, value):
            grid.put(r, 0, label_text(key), colspan=lw, kind="label")
            grid.put(r, lw, fullwidth(str(value)), colspan=self.ncols - lw, kind="text")

        i = 0
        while i < len(items):
            key, value = items[i]
            nxt = items[i + 1] if i + 1 < len(items) else None
            alone = key == "项目名称" or display_len(str(value)) > 2 * 24
            if not alone and nxt and nxt[0] != "项目名称" and \
                    display_len(str(nxt[1])) <= 2 * 24 and (key == "主管部门" or nxt[0] != "主管部门"):
                (k2, v2) = nxt
                grid.put(r, 0, label_text(key), colspan=lw, kind="label")
                grid.put(r, lw, fullwidth(str(value)), colspan=half - lw, kind="text")
                grid.put(r, half, label_text(k2), colspan=lw, kind="label")
                grid.put(r, half + lw, fullwidth(str(v2)), colspan=self.ncols - half - lw,
                         kind="text")
                i += 2
            else:
                full(key, value)
                i += 1
            r += 1
        return r

    def funds_block(self, grid, r):
        columns = list(self.form.get("funds_columns") or [])
        rows = [list(x) for x in self.form.get("funds_rows") or []]
        if not columns and not rows:
            return r
        r = self._section(grid, r, "funds")
        start = r
        block_label = self.form.get("funds_block_label")
        first_header = columns[0] if columns else ""
        if self.block and not block_label:
            block_label, first_header = first_header, ""
        data_headers = columns[1:]
        width = max([len(x) for x in rows] + [len(columns)])
        avail = self.ncols - self.off
        if width > len(columns):
            # Label/value pairs under each column group (河北 export: 预算数 | 6.84 | 到位数 | …).
            extra = width - len(columns)
            group_spans = spans(avail, [1] * len(columns))
            leaf_spans = []
            if self.block:
                label = self.form.get("funds_block_label") or "项目资金(万元)"
                grid.put(r, 0, label_text(label), rowspan=len(rows) + 1, kind="head")
            c = self.off
            for gi, column in enumerate(columns):
                grid.put(r, c, label_text(column), colspan=group_spans[gi], kind="head")
                if gi < extra:
                    leaf_spans += spans(group_spans[gi], [1, 2])
                else:
                    leaf_spans.append(group_spans[gi])
                c += group_spans[gi]
            for row in rows:
                r += 1
                c = self.off
                for i, span in enumerate(leaf_spans):
                    text = row[i] if i < len(row) else ""
                    kind = "label" if i < 2 * extra and i % 2 == 0 else "value"
                    grid.put(r, c, fullwidth(text) if kind == "value" else label_text(text),
                             colspan=span,
                             kind=kind)
                    c += span
            return r + 1
        # One label column, then the data columns; spare grid columns go to a trailing text
        # column (原因, 得分计算方法) or else to the label column.
        n = len(data_headers)
        spare = avail - 1 - n
        label_span = 1
        data_spans = [1] * n
        if spare > 0:
            if n and any(w in data_headers[-1] for w in TEXT_COLUMN_WORDS):
                data_spans[-1] += spare
            else:
                label_span += spare
        if self.block:
            grid.put(r, 0, label_text(block_label or ""), rowspan=len(rows) + 1, kind="head")
        grid.put(r, self.off, label_text(first_header), colspan=label_span, kind="head")
        c = self.off + label_span
        for header, span in zip(data_headers, data_spans):
            grid.put(r, c, label_text(header), colspan=span, kind="head")
            c += span
        for row in rows:
            r += 1
            grid.put(r, self.off, label_text(row[0] if row else ""), colspan=label_span,
                     kind="label")
            c = self.off + label_span
            for i, span in enumerate(data_spans):
                text = row[i + 1] if i + 1 < len(row) else ""
                long = display_len(text) > 24
                grid.put(r, c, fullwidth(text), colspan=span,
                         kind="text" if long else "value")
                c += span
            if any(display_len(x) > 60 for x in row):
                grid.tall_rows[r] = 4
        assert r >= start
        return r + 1

    def targets_block(self, grid, r):
        targets = self.form.get("targets") or {}
        if not targets:
            return r
        r = self._section(grid, r, "targets")
        if self.sichuan:
            lw = 2
            for key, value in targets.items():
                grid.put(r, 0, label_text(key), colspan=lw, kind="label")
                grid.put(r, lw, fullwidth(value), colspan=self.ncols - lw, kind="text")
                grid.tall_rows[r] = 3
                r += 1
            return r
        if self.block:
            grid.put(r, 0, "年度总体\n目标", rowspan=2, kind="head")
        weights = [1 if display_len(v) < 16 else 4 for v in targets.values()]
        widths = spans(self.ncols - self.off, weights)
        c = self.off
        for (key, value), span in zip(targets.items(), widths):
            grid.put(r, c, label_text(key), colspan=span, kind="head")
            grid.put(r + 1, c, fullwidth(value), colspan=span,
                     kind="text" if display_len(value) > 16 else "value")
            c += span
        grid.tall_rows[r + 1] = 5
        return r + 2

    def rubric_block(self, grid, r):
        """A 共性 rubric printed between the targets and the indicators (``rubric_columns`` /
        ``rubric_rows``: 项目决策/项目管理 items with 分值, 自评分 and a scoring rule): its own header
        row, the first column (项目权重) merged down over its groups like a 一级 label."""
        columns = list(self.form.get("rubric_columns") or [])
        rows = [list(x) for x in self.form.get("rubric_rows") or []]
        if not columns:
            return r
        first_span = max(self.off, 1)
        weights = [3 if any(w in c for w in TEXT_COLUMN_WORDS + ("标准",)) else
                   (2 if "内容" in c else 1) for c in columns[1:]]
        widths = spans(self.ncols - first_span, weights)
        c = 0
        for i, column in enumerate(columns):
            span = first_span if i == 0 else widths[i - 1]
            grid.put(r, c, label_text(column), colspan=span, kind="head")
            c += span
        r += 1
        i = 0
        while i < len(rows):
            j = i + 1
            while j < len(rows) and not (rows[j][0] if rows[j] else ""):
                j += 1
            grid.put(r + i, 0, label_text(rows[i][0] if rows[i] else ""), rowspan=j - i,
                     colspan=first_span, kind="label")
            i = j
        for i, row in enumerate(rows):
            c = first_span
            for k, span in enumerate(widths):
                text = row[k + 1] if k + 1 < len(row) else ""
                long = display_len(text) > 24
                grid.put(r + i, c, fullwidth(text), colspan=span,
                         kind="text" if long else ("label" if k == 0 else "value"))
                c += span
            if any(display_len(t) > 40 for t in row):
                grid.tall_rows[r + i] = 3
        return r + len(rows)

    def indicator_header(self, grid, r, body_rows):
        r = self._section(grid, r, "indicators")
        heading = self.form.get("indicator_heading")
        if heading:       # a line naming the 年度目标 the indicators belong to
            grid.put(r, 0, fullwidth(heading), colspan=self.ncols, kind="section")
            r += 1
        two_rows = any(sub for _, sub in self.groups)
        height = 2 if two_rows else 1
        if self.block:
            label = self.form.get("indicator_block_label") or "绩效指标"
            grid.put(r, 0, label_text(label), rowspan=height + body_rows, kind="head")
        c = self.off
        spare = self.ncols - self.off - len(self.leaves)   # a wider funds block: the last
        for g, (top, sub) in enumerate(self.groups):          # column takes the rest
            last = g == len(self.groups) - 1
            if sub:
                grid.put(r, c, label_text(top), colspan=len(sub) + (spare if last else 0),
                         kind="head")
                for i, leaf in enumerate(sub):
                    grid.put(r + 1, c + i, label_text(leaf),
                             colspan=1 + (spare if last and i == len(sub) - 1 else 0),
                             kind="head")
                c += len(sub)
            else:
                grid.put(r, c, label_text(top), rowspan=height,
                         colspan=1 + (spare if last else 0), kind="head")
                c += 1
        return r + height

    def _placed(self, row):
        """Tokens of an indicator row placed on the leaf columns."""
        n = len(self.leaves)
        if row and row[0].strip() in TOTAL_LABELS:
            return None
        if len(row) < 3 and all(t.strip() in {"-", "—", "/", "……", ""} for t in row):
            return [""] * (3 - len(row)) + row + [""] * (n - 3)   # placeholder: ends at 三级
        return (row + [""] * n)[:n]

    def indicator_body(self, grid, r, rows, carry=("", "")):
        """Rows ``rows`` from ``r``; ``carry`` repeats the 一级/二级 labels on a continuation."""
        placed = [self._placed(row) for row in rows]
        body = [p for p in placed if p is not None]
        n = len(self.leaves)
        spare = self.ncols - self.off - n
        first = r
        # 一级/二级 labels merge down over the "" cells below them.
        for level in (0, 1):
            i = 0
            while i < len(body):
                text = body[i][level]
                if i == 0 and not text and carry[level]:
                    text = carry[level]
                j = i + 1
                while j < len(body) and not body[j][level] and \
                        (level == 0 or not body[j][0]):
                    j += 1
                grid.put(first + i, self.off + level, label_text(text), rowspan=j - i,
                         kind="label")
                i = j
        for i, tokens in enumerate(body):
            for k in range(2, n):
                text = tokens[k]
                long = display_len(text) > 24
                kind = "text" if long else ("label" if k == 2 else "value")
                span = 1 + (spare if k == n - 1 else 0)
                grid.put(first + i, self.off + k, fullwidth(text),
                         colspan=span, kind=kind)
            if any(display_len(t) > 70 for t in tokens):
                grid.tall_rows[first + i] = 6
        r = first + len(body)
        for row in rows:      # total rows (合计/总分) close the block, from the first column
            if self._placed(row) is not None:
                continue
            rest = row[1:]
            first_leaf = n - len(rest)
            grid.put(r, 0, label_text(row[0]), colspan=self.off + first_leaf, kind="head")
            for k, text in enumerate(rest):
                leaf = first_leaf + k
                span = 1 + (spare if leaf == n - 1 else 0)
                grid.put(r, self.off + leaf, text, colspan=span, kind="value")
            r += 1
        return r

    def footer_block(self, grid, r):
        footer = self.form.get("footer") or {}
        has_total = any(row and row[0] in TOTAL_LABELS for row in self.rows)
        lw = 2
        total_parts = {"总分得分", "总分行末格"}
        for key in TOTAL_LABELS:
            if key in footer and not has_total:
                r = self._total_row(grid, r, key, footer)
                has_total = True
        for key, value in footer.items():
            if key in SIGNOFF_KEYS or key in TOTAL_LABELS or key in total_parts:
                continue
            grid.put(r, 0, label_text(key), colspan=lw, kind="label")
            grid.put(r, lw, fullwidth(str(value)), colspan=self.ncols - lw, kind="text")
            grid.tall_rows[r] = 3
            r += 1
        return r

    def _total_row(self, grid, r, key, footer):
        """A 总分/合计 footer printed as the table's last row: its weight under 分值, its score
        under 得分, a grade (总分行末格) in the last column."""
        n = len(self.leaves)
        weight_at = self._leaf_index("分值", "权重")
        score_at = self._leaf_index("得分")
        first = min(i for i in (weight_at, score_at, n - 1) if i is not None)
        grid.put(r, 0, label_text(key), colspan=self.off + first, kind="head")
        cells = {weight_at: footer.get(key), score_at: footer.get("总分得分"),
                 n - 1: footer.get("总分行末格")}
        for leaf in range(first, n):
            text = cells.get(leaf)
            grid.put(r, self.off + leaf, "" if text is None else str(text), kind="value")
        return r + 1

    # -- the whole form --------------------------------------------------------------------------
    def split_point(self):
        """Where a long form's Word table breaks: the 一级 group start nearest the middle."""
        if len(self.rows) < 8:
            return None
        starts = [i for i, row in enumerate(self.rows) if i and row and row[0].strip()
                  and row[0].strip() not in TOTAL_LABELS]
        if not starts:
            return None
        middle = len(self.rows) / 2
        return min(starts, key=lambda i: abs(i - middle))

    def layout(self, split: bool = False) -> FormLayout:
        title = self.form.get("title", "").strip()
        match = re.match(r"^(.*?)\s*\(\s*(\d{4})\s*年度\s*\)$", title)
        title_lines = [match.group(1), f"（{match.group(2)}年度）"] if match else [title]
        header = self.form.get("header", {})
        above, before_title = [], []
        for key in header:
            if key == "附件":
                before_title.append(fullwidth(str(header[key])))
            elif key in ABOVE_KEYS:
                above.append(fullwidth(f"{key}:") + fullwidth(str(header[key])))
        footer = self.form.get("footer") or {}
        below_items = [fullwidth(f"{k}:") + str(v) for k, v in footer.items() if k in SIGNOFF_KEYS]
        below = ["        ".join(below_items)] if below_items else []
        cut = self.split_point() if split else None
        rows = self.rows
        body_first = rows if cut is None else rows[:cut]
        grid = Grid(self.ncols)
        r = self.header_block(grid, 0)
        r = self.funds_block(grid, r)
        r = self.targets_block(grid, r)
        r = self.rubric_block(grid, r)
        n_body = sum(1 for row in body_first if self._placed(row) is not None)
        r = self.indicator_header(grid, r, n_body)
        r = self.indicator_body(grid, r, body_first)
        tables = [grid]
        if cut is not None:
            second = Grid(self.ncols)
            rest = rows[cut:]
            n_body = sum(1 for row in rest if self._placed(row) is not None)
            r = self.indicator_header(second, 0, n_body)
            second.repeat_rows = r
            carry = ("", "")
            r = self.indicator_body(second, r, rest, carry)
            tables.append(second)
            grid = second
        self.footer_block(grid, grid.nrows)
        for table in tables:
            check_grid(table)
        return FormLayout(self.name, title_lines, above, tables, below,
                          landscape=self.ncols >= 11, before_title=before_title)


# ---------------------------------------------------------------------------------------------
# Column widths (characters) and row heights shared by the writers

def column_widths(layout: FormLayout) -> list[float]:
    ncols = layout.tables[0].ncols
    widths = [0.0] * ncols
    for grid in layout.tables:
        for cell in grid.cells:
            lines = cell.text.split("\n")
            need = max(display_len(x) for x in lines) if lines else 0
            if cell.kind == "text":
                need = min(need, 24)
            per = need / cell.colspan
            for c in range(cell.col, cell.col + cell.colspan):
                widths[c] = max(widths[c], per)
    return [min(max(w + 2, 6), 30) for w in widths]


def row_lines(grid: Grid, widths: list[float]) -> dict[int, int]:
    lines = {}
    for cell in grid.cells:
        if cell.rowspan != 1:
            continue
        width = sum(widths[cell.col:cell.col + cell.colspan]) - 1
        n = sum(max(1, math.ceil(display_len(part) / max(width, 1)))
                for part in cell.text.split("\n"))
        lines[cell.row] = max(lines.get(cell.row, 1), n)
    return lines


# ---------------------------------------------------------------------------------------------
# xlsx

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FONT = "宋体"
ALIGN = {
    "head": Alignment(wrap_text=True, horizontal="center", vertical="center"),
    "label": Alignment(wrap_text=True, horizontal="center", vertical="center"),
    "value": Alignment(wrap_text=True, horizontal="center", vertical="center"),
    "text": Alignment(wrap_text=True, horizontal="left", vertical="center"),
    "section": Alignment(wrap_text=True, horizontal="left", vertical="center"),
}


SHEET_WIDTHS: dict[int, dict[str, float]] = {}


def write_sheet(ws, layout: FormLayout, top: int = 1) -> int:
    """Write ``layout`` onto ``ws`` from row ``top`` (1-based); returns the next free row."""
    ncols = layout.tables[0].ncols
    widths = column_widths(layout)
    known = SHEET_WIDTHS.setdefault(id(ws), {})
    for i, width in enumerate(widths, start=1):
        letter = get_column_letter(i)
        known[letter] = max(known.get(letter, 0), width)
        ws.column_dimensions[letter].width = known[letter]
    r = top
    for line in layout.before_title:
        cell = ws.cell(r, 1, line)
        cell.font = Font(name=FONT, size=12, bold=True)
        r += 1
    for i, line in enumerate(layout.title):
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
        cell = ws.cell(r, 1, line)
        cell.font = Font(name=FONT, size=16 if i == 0 else 12, bold=i == 0)
        cell.alignment = ALIGN["head"]
        ws.row_dimensions[r].height = 28 if i == 0 else 18
        r += 1
    for line in layout.above:
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
        cell = ws.cell(r, 1, line)
        cell.font = Font(name=FONT, size=10)
        cell.alignment = Alignment(horizontal="right" if line.startswith(("单位", "金额单位"))
                                   else "left", vertical="center")
        r += 1
    if len(layout.tables) > 1:
        raise ValueError("write_sheet takes an unsplit layout")
    grid = layout.tables[0]
    lines = row_lines(grid, widths)
    for rr in range(grid.nrows):
        ws.row_dimensions[r + rr].height = max(20, 14 * lines.get(rr, 1) + 6)
    for cell in grid.cells:
        row, col = r + cell.row, 1 + cell.col
        if cell.rowspan > 1 or cell.colspan > 1:
            ws.merge_cells(start_row=row, start_column=col, end_row=row + cell.rowspan - 1,
                           end_column=col + cell.colspan - 1)
        for rr in range(row, row + cell.rowspan):
            for cc in range(col, col + cell.colspan):
                ws.cell(rr, cc).border = BORDER
        target = ws.cell(row, col)
        value = typed(cell.text) if cell.kind == "value" else cell.text
        if value == "":
            value = None
        target.value = value
        if isinstance(value, str) and value.startswith("="):
            target.data_type = "s"       # "=8个" is typed text, not a formula
        fmt = number_format(cell.text) if cell.kind == "value" else None
        if fmt:
            target.number_format = fmt
        target.font = Font(name=FONT, size=10, bold=cell.kind == "head")
        target.alignment = ALIGN[cell.kind]
    r += grid.nrows
    for line in layout.below:
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
        cell = ws.cell(r, 1, line)
        cell.font = Font(name=FONT, size=10)
        ws.row_dimensions[r].height = 22
        r += 1
    return r


def page_setup(ws, landscape: bool) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5


def save_xlsx(workbook: Workbook, path: Path) -> None:
    """Save with fixed document times and zip entry times, so a rerun gives the same bytes."""
    workbook.properties.creator = "perfnb fixtures"
    workbook.properties.lastModifiedBy = "perfnb fixtures"
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).write_data()
    path.write_bytes(repack(raw.getvalue()))


def repack(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def sheet_title(layout: FormLayout, builder: FormBuilder) -> str:
    name = str(builder.form.get("header", {}).get("项目名称", builder.name))
    name = re.sub(r"^[0-9A-Z]+-", "", name)
    return re.sub(r"[\[\]:*?/\\]", "", name)[:31] or builder.name


def build_xlsx(builder: FormBuilder, path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    layout = builder.layout(split=False)
    ws.title = sheet_title(layout, builder)
    write_sheet(ws, layout)
    page_setup(ws, layout.landscape)
    save_xlsx(wb, path)


def build_multi_sheets(builders: list[FormBuilder], path: Path) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for builder in builders:
        layout = builder.layout(split=False)
        ws = wb.create_sheet(sheet_title(layout, builder))
        write_sheet(ws, layout)
        page_setup(ws, layout.landscape)
    save_xlsx(wb, path)


def build_multi_stacked(builders: list[FormBuilder], path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "绩效自评表"
    r = 1
    landscape = False
    for i, builder in enumerate(builders):
        layout = builder.layout(split=False)
        r = write_sheet(ws, layout, top=r) + 2     # two blank rows between forms
        landscape |= layout.landscape
    page_setup(ws, landscape)
    save_xlsx(wb, path)


# ---------------------------------------------------------------------------------------------
# docx

def run_pieces(text: str) -> list[str]:
    """Text split the way Word leaves it in runs: at script changes, long CJK stretches halved."""
    if not text:
        return []
    pieces, current, kind = [], "", None

    def klass(ch):
        if ch.isdigit() or ch in ".,":
            return "d"
        if "\u4e00" <= ch <= "\u9fff":
            return "c"
        return "p"
    for ch in text:
        k = klass(ch)
        if current and k != kind and ch != "\n":
            pieces.append(current)
            current = ""
        current += ch
        kind = k
    if current:
        pieces.append(current)
    out = []
    for piece in pieces:
        if len(piece) >= 8 and "\n" not in piece:
            half = len(piece) // 2
            out += [piece[:half], piece[half:]]
        else:
            out.append(piece)
    return out


def build_docx_into(doc, layout: FormLayout, heading: str | None = None,
                    ruled: bool = True) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    def font(run, size=10.5, bold=False):
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.name = "Times New Roman"
        rpr = run._element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.insert(0, fonts)
        fonts.set(qn("w:eastAsia"), "宋体")

    if heading:
        doc.add_heading(heading, level=1)
    for line in layout.before_title:
        font(doc.add_paragraph().add_run(line), 12, bold=True)
    for i, line in enumerate(layout.title):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        font(p.add_run(line), 16 if i == 0 else 12, bold=i == 0)
    for line in layout.above:
        p = doc.add_paragraph()
        if line.startswith(("单位", "金额单位")):
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        font(p.add_run(line), 10.5)
    widths = column_widths(layout)
    usable = 25.0 if layout.landscape else 16.5
    scale = usable / sum(widths)
    for t, grid in enumerate(layout.tables):
        if t:
            p = doc.add_paragraph()
            p.add_run().add_break(WD_BREAK.PAGE)
        table = doc.add_table(rows=grid.nrows, cols=grid.ncols)
        if ruled:
            table.style = "Table Grid"
        else:                           # borders off: the text is all the PDF keeps
            _no_borders(table)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for c, column in enumerate(table.columns):
            column.width = Cm(widths[c] * scale)
            for cell in column.cells:
                cell.width = Cm(widths[c] * scale)
        for row in table.rows:          # room around the text, as a filled-in form has
            row.height = Cm(0.6)
            row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        for rr in range(grid.repeat_rows):
            trpr = table.rows[rr]._tr.get_or_add_trPr()
            flag = OxmlElement("w:tblHeader")
            trpr.append(flag)
        for cell in grid.cells:
            if cell.rowspan > 1 or cell.colspan > 1:
                table.cell(cell.row, cell.col).merge(
                    table.cell(cell.row + cell.rowspan - 1, cell.col + cell.colspan - 1))
        for cell in grid.cells:
            target = table.cell(cell.row, cell.col)
            target.vertical_alignment = (WD_CELL_VERTICAL_ALIGNMENT.TOP if cell.kind == "text"
                                         else WD_CELL_VERTICAL_ALIGNMENT.CENTER)
            paragraphs = cell.text.split("\n") if cell.kind == "text" else [cell.text]
            for k, text in enumerate(paragraphs):
                p = target.paragraphs[0] if k == 0 else target.add_paragraph()
                p.alignment = (WD_ALIGN_PARAGRAPH.LEFT if cell.kind in ("text", "section")
                               else WD_ALIGN_PARAGRAPH.CENTER)
                p.paragraph_format.space_after = Pt(0)
                for piece in run_pieces(text):
                    font(p.add_run(piece), 9, bold=cell.kind in ("head", "section"))
    for line in layout.below:
        p = doc.add_paragraph()
        font(p.add_run(line), 10.5)


def _no_borders(table) -> None:
    """Every border of a table set to none (python-docx's default table style already has
    none; the explicit ``w:tblBorders`` makes Word and LibreOffice agree)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "nil")
        borders.append(edge)
    tblpr.append(borders)


def new_document(landscape: bool):
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm
    doc = docx.Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.0))
    section.top_margin = section.bottom_margin = Cm(2.0)
    props = doc.core_properties
    props.author = props.last_modified_by = "perfnb fixtures"
    props.created = props.modified = FIXED_TIME
    props.revision = 1
    return doc


def save_docx(doc, path: Path) -> None:
    raw = io.BytesIO()
    doc.save(raw)
    path.write_bytes(repack(raw.getvalue()))


def build_docx(builder: FormBuilder, path: Path, ruled: bool = True) -> None:
    layout = builder.layout(split=True)
    doc = new_document(layout.landscape)
    build_docx_into(doc, layout, ruled=ruled)
    save_docx(doc, path)


def build_multi_docx(builders: list[FormBuilder], path: Path) -> None:
    from docx.enum.text import WD_BREAK
    layouts = [b.layout(split=False) for b in builders]
    doc = new_document(any(x.landscape for x in layouts))
    for i, (builder, layout) in enumerate(zip(builders, layouts)):
        if i:
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        project = re.sub(r"^[0-9A-Z]+-", "",
                         str(builder.form.get("header", {}).get("项目名称", builder.name)))
        build_docx_into(doc, layout, heading=f"附件{i + 1}：{fullwidth(project)}绩效自评表")
    save_docx(doc, path)


# ---------------------------------------------------------------------------------------------
# html / mhtml: the form as a government web page prints it

# The site around the form: a navigation table, a breadcrumb of links and a footer table
# (none of them part of the form; the reader must pass them by).
SITE_NAV = ["首页", "政务公开", "政府信息公开目录", "财政预决算", "绩效管理", "互动交流"]
SITE_FOOTER = "主办单位：本级人民政府办公室　　技术支持：信息中心"
HTML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


def html_escape(text: str) -> str:
    return "".join(HTML_ESCAPES.get(ch, ch) for ch in text)


def html_cell_text(text: str) -> str:
    """A cell's text as a site's editor writes it: &nbsp; in a blank cell, <br> between the
    lines of a cell."""
    if not text.strip():
        return "&nbsp;"
    return "<br>".join(html_escape(line) for line in text.split("\n"))


def html_page(layout: FormLayout, charset: str, declare: bool = True) -> str:
    """The page: site navigation, the title and lines above the form as paragraphs, the form
    as ONE <table> (rowspan/colspan for merged cells), the sign-off lines, the site footer."""
    out = ["<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\">", "<html>", "<head>"]
    if declare:
        out.append(f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">')
    out.append(f"<title>{html_escape(layout.title[0] if layout.title else layout.name)}"
               "_政府信息公开</title>")
    out.append("<style>td{border:1px solid #000;font-size:12px}</style></head>")
    out.append("<body>")
    out.append('<table class="nav" width="100%"><tr>' + "".join(
        f'<td><a href="/col{i}/">{html_escape(item)}</a></td>' for i, item in enumerate(SITE_NAV))
        + "</tr></table>")
    out.append('<div class="crumb"><a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; '
               '<a href="/zwgk/czyjs/">财政预决算</a></div>')
    out.append('<div class="article">')
    for line in layout.before_title:
        out.append(f"<p><strong>{html_escape(line)}</strong></p>")
    for i, line in enumerate(layout.title):
        tag = "h2" if i == 0 else "p"
        out.append(f'<{tag} style="text-align:center">{html_escape(line)}</{tag}>')
    for line in layout.above:
        align = "right" if line.startswith(("单位", "金额单位")) else "left"
        out.append(f'<p style="text-align:{align}">{html_escape(line)}</p>')
    for grid in layout.tables:
        out.append('<table border="1" cellspacing="0" cellpadding="2" '
                   'style="border-collapse:collapse" width="100%">')
        out.append("<tbody>")
        by_row: dict[int, list[Cell]] = {}
        for cell in grid.cells:
            by_row.setdefault(cell.row, []).append(cell)
        for r in range(grid.nrows):
            out.append("<tr>")
            for cell in sorted(by_row.get(r, []), key=lambda x: x.col):
                attrs = ""
                if cell.rowspan > 1:
                    attrs += f' rowspan="{cell.rowspan}"'
                if cell.colspan > 1:
                    attrs += f' colspan="{cell.colspan}"'
                if cell.kind in ("text", "section"):
                    attrs += ' style="text-align:left"'
                text = html_cell_text(cell.text)
                if cell.kind == "head":
                    text = f"<strong>{text}</strong>"
                out.append(f"<td{attrs}>{text}</td>")
            out.append("</tr>")
        out.append("</tbody></table>")
    for line in layout.below:
        out.append(f"<p>{html_escape(line)}</p>")
    out.append("</div>")
    out.append(f'<table class="footer" width="100%"><tr><td>{html_escape(SITE_FOOTER)}</td>'
               '<td><a href="/about/">网站地图</a></td></tr></table>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# Forms whose page is served in GBK (declared charset=gb2312, as many older government sites
# do; the text holds GBK characters beyond GB2312 where the form has them); the rest in UTF-8.
GBK_PAGES = {"form05", "form10", "pub01", "pub04", "pub10", "pub16"}
MHTML_FROM = "form06"        # also saved by a browser as a single-file .mhtml


def build_html(builder: FormBuilder, path: Path) -> None:
    layout = builder.layout(split=False)
    if builder.name in GBK_PAGES:
        path.write_bytes(html_page(layout, "gb2312").encode("gbk", "xmlcharrefreplace"))
    else:
        path.write_bytes(html_page(layout, "utf-8").encode("utf-8"))


def build_mhtml(builder: FormBuilder, path: Path) -> None:
    """The page as Chrome's "save as single file" writes it: MIME multipart/related, the
    HTML part quoted-printable, plus a stylesheet part."""
    import quopri
    layout = builder.layout(split=False)
    html = quopri.encodestring(html_page(layout, "utf-8").encode("utf-8")).decode("ascii")
    boundary = "----MultipartBoundary--perfnbFixture0001----"
    location = f"https://www.example.gov.cn/zwgk/czyjs/{builder.name}.html"
    parts = [
        "From: <Saved by Blink>",
        "Snapshot-Content-Location: " + location,
        "Subject: =?utf-8?Q?=E7=BB=A9=E6=95=88=E8=87=AA=E8=AF=84=E8=A1=A8?=",
        "Date: Fri, 1 Mar 2024 09:00:00 +0800",
        "MIME-Version: 1.0",
        "Content-Type: multipart/related;",
        '\ttype="text/html";',
        f'\tboundary="{boundary}"',
        "",
        "",
        f"--{boundary}",
        "Content-Type: text/html",
        "Content-ID: <frame-0001@mhtml.blink>",
        "Content-Transfer-Encoding: quoted-printable",
        f"Content-Location: {location}",
        "",
        html,
        f"--{boundary}",
        "Content-Type: text/css",
        "Content-Transfer-Encoding: quoted-printable",
        "Content-Location: cid:css-0001@mhtml.blink",
        "",
        "td { border: 1px solid #000; }",
        "",
        f"--{boundary}--",
        "",
    ]
    path.write_bytes("\r\n".join(parts).encode("ascii"))


# ---------------------------------------------------------------------------------------------
# LibreOffice conversions and the scanned page

def soffice(args: list[str], outdir: Path, files: list[Path], fmt: str) -> None:
    if not files:
        return
    with tempfile.TemporaryDirectory() as profile:
        command = args + ["-env:UserInstallation=file://" + profile, "--headless",
                          "--convert-to", fmt, "--outdir", str(outdir)] + [str(f) for f in files]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, timeout=900)


def convert_unruled(out: Path, builders: dict[str, FormBuilder]) -> None:
    """``<name>-unruled.pdf``: the form's Word table with every border off, through
    LibreOffice: a text layer without a single ruling line (the docx itself is not kept)."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        return
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for name in UNRULED:
            if name in builders:
                files.append(Path(tmp) / f"{name}-unruled.docx")
                build_docx(builders[name], files[-1], ruled=False)
        soffice([exe], out, files, "pdf")


def convert_all(out: Path, names: list[str], extra_docx: list[str]) -> None:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        print("soffice not found: xls/ods/pdf not rebuilt (the committed ones stay)",
              file=sys.stderr)
        return
    xlsx = [out / f"{n}.xlsx" for n in names]
    docx_files = [out / f"{n}.docx" for n in names] + [out / f"{n}.docx" for n in extra_docx]
    soffice([exe], out, xlsx, "xls")
    soffice([exe], out, xlsx, "ods")
    soffice([exe], out, docx_files, "pdf")


def build_scanned(source_pdf: Path, path: Path) -> None:
    """A page of a form PDF as a grey image in a PDF: what a scanner gives, no text layer."""
    from PIL import Image, ImageFilter
    if not source_pdf.exists():
        return
    with tempfile.TemporaryDirectory() as tmp:
        prefix = Path(tmp) / "page"
        if shutil.which("pdftoppm"):
            subprocess.run(["pdftoppm", "-r", "110", "-gray", "-f", "1", "-l", "1", "-png",
                            str(source_pdf), str(prefix)], check=True)
            image = Image.open(sorted(Path(tmp).glob("page*.png"))[0]).convert("L")
        else:
            import pypdfium2
            page = pypdfium2.PdfDocument(str(source_pdf))[0]
            image = page.render(scale=110 / 72).to_pil().convert("L")
        image = image.rotate(0.6, resample=Image.BICUBIC, expand=False, fillcolor=255)
        image = image.filter(ImageFilter.GaussianBlur(0.4))
        image.save(path, "PDF", resolution=110, quality=70)


# ---------------------------------------------------------------------------------------------
# Narrative reports (绩效自评报告): kept as the page's text, written as the files a reader gets

def load_reports(dirs: list[Path]) -> dict[str, tuple[dict, Path]]:
    """Report JSONs (``report_text`` names the .txt beside them holding the text as published)."""
    reports = {}
    for directory in dirs:
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.json")):
            form = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(form, dict) and form.get("report_text"):
                reports[path.stem] = (form, path.parent / form["report_text"])
    return reports


def build_report(name: str, text_path: Path, out: Path) -> None:
    """``<name>.txt`` (the text as stored, byte for byte), ``<name>.html`` (a UTF-8 web page, one
    ``<p>`` per line, as a government site prints a report) and ``<name>.docx`` (one paragraph
    per line, as a Word report)."""
    import html as html_lib
    from docx.oxml.ns import qn
    from docx.shared import Pt
    text = text_path.read_text(encoding="utf-8")
    (out / f"{name}.txt").write_bytes(text_path.read_bytes())
    lines = text.splitlines()
    title = next((line.strip() for line in lines if line.strip()), name)
    body = "\n".join(f"<p>{html_lib.escape(line)}</p>" if line.strip() else "<p>&nbsp;</p>"
                     for line in lines)
    page = ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html_lib.escape(title)}</title>\n</head>\n<body>\n<div class=\"article\">\n"
            f"{body}\n</div>\n</body>\n</html>\n")
    (out / f"{name}.html").write_text(page, encoding="utf-8")
    doc = new_document(False)
    for line in lines:
        run = doc.add_paragraph().add_run(line)
        run.font.size = Pt(10.5)
        run.font.name = "SimSun"
        run._element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")
    save_docx(doc, out / f"{name}.docx")


# ---------------------------------------------------------------------------------------------

MULTI_SHEETS = ["form05", "form06", "form09"]
MULTI_STACKED = ["form06", "form12"]
MULTI_DOCX = ["form05", "form06", "form10"]
SCANNED_FROM = "form06"
UNRULED = ["form05", "form06", "form10", "pub01"]


def load_forms(dirs: list[Path]) -> dict[str, dict]:
    forms = {}
    for directory in dirs:
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.json")):
            form = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(form, dict) and "indicator_rows" in form:
                forms[path.stem] = form
    return forms


def write_manifest(out: Path, names: list[str], forms: dict[str, dict],
                   reports: list[str] = ()) -> None:
    lines = ["# What each built file holds (written by tools/make_real_forms.py).", "files:"]
    for n in names:
        for ext in ("xlsx", "docx", "xls", "ods", "pdf"):
            lines.append(f"  {n}.{ext}: {{forms: [{n}]}}")
        charset = "gb2312 (GBK bytes)" if n in GBK_PAGES else "utf-8"
        lines.append(f"  {n}.html: {{forms: [{n}], charset: {charset}, around: nav table + footer table}}")
    present = [n for n in MULTI_SHEETS if n in forms]
    lines.append(f"  multi-sheets.xlsx: {{forms: [{', '.join(present)}], one_per: sheet}}")
    present = [n for n in MULTI_STACKED if n in forms]
    lines.append(f"  multi-stacked.xlsx: {{forms: [{', '.join(present)}], one_per: block,"
                 " separator: 2 blank rows}")
    present = [n for n in MULTI_DOCX if n in forms]
    lines.append(f"  multi-forms.docx: {{forms: [{', '.join(present)}], one_per: table,"
                 " heading: 附件N：<项目名称>绩效自评表}")
    lines.append(f"  multi-forms.pdf: {{forms: [{', '.join(present)}]}}")
    if MHTML_FROM in forms:
        lines.append(f"  {MHTML_FROM}.mhtml: {{forms: [{MHTML_FROM}], saved_as: mhtml quoted-printable}}")
    lines.append(f"  scanned.pdf: {{forms: [{SCANNED_FROM}], text_layer: false, page: 1}}")
    for name in UNRULED:
        if name in forms:
            lines.append(f"  {name}-unruled.pdf: {{forms: [{name}], ruling_lines: false}}")
    for name in reports:
        for ext in ("txt", "html", "docx", "pdf"):
            lines.append(f"  {name}.{ext}: {{reports: [{name}], narrative: true}}")
    (out / "manifest.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dirs", nargs="*", type=Path, help="directories of form JSONs")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--no-convert", action="store_true", help="skip LibreOffice")
    args = parser.parse_args(argv)
    forms = load_forms(args.dirs or DEFAULT_DIRS)
    args.out.mkdir(parents=True, exist_ok=True)
    builders = {name: FormBuilder(name, form) for name, form in forms.items()}
    for name, builder in builders.items():
        build_xlsx(builder, args.out / f"{name}.xlsx")
        build_docx(builder, args.out / f"{name}.docx")
        build_html(builder, args.out / f"{name}.html")
    if MHTML_FROM in builders:
        build_mhtml(builders[MHTML_FROM], args.out / f"{MHTML_FROM}.mhtml")
    pick = lambda names: [builders[n] for n in names if n in builders]   # noqa: E731
    extra = []
    if pick(MULTI_SHEETS):
        build_multi_sheets(pick(MULTI_SHEETS), args.out / "multi-sheets.xlsx")
    if pick(MULTI_STACKED):
        build_multi_stacked(pick(MULTI_STACKED), args.out / "multi-stacked.xlsx")
    if pick(MULTI_DOCX):
        build_multi_docx(pick(MULTI_DOCX), args.out / "multi-forms.docx")
        extra.append("multi-forms")
    reports = load_reports(args.dirs or DEFAULT_DIRS)
    for name, (_, text_path) in reports.items():
        build_report(name, text_path, args.out)
    extra += list(reports)
    if not args.no_convert:
        convert_all(args.out, list(builders), extra)
        convert_unruled(args.out, builders)
        build_scanned(args.out / f"{SCANNED_FROM}.pdf", args.out / "scanned.pdf")
    write_manifest(args.out, list(builders), forms, list(reports))
    print(f"built {len(builders)} forms and {len(reports)} reports into {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
