"""Many forms in one file: find where each form starts, and what a file's forms are.

Departments publish all their project forms in one document: a workbook with one form per
sheet, a sheet with several forms one below another, a Word or PDF file with one table (or
a few) per form.  The form readers (official, sichuan, …) read one form from one grid;
this module cuts a grid into the spans of its forms and hands each span to them as a
sub-grid (:meth:`Grid.rows_only`: rows outside the span are blank, so every error still
names the sheet's own row numbers).

A form starts at its header block: a row labelled 项目名称 (with the title rows just above
it: "项目支出绩效自评表", "（2022年度）", "附件1"…).  A span that holds no indicator table is
not a form of its own (a second 项目名称 inside one form) and is joined to the one before.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from perfnb.reading.sheets import Grid, label_matches

__all__ = ["Form", "form_spans", "PROJECT_LABELS", "form_unit_ids", "pick_form", "describe_forms"]

PROJECT_LABELS = ("项目名称",)
# Rows above a 项目名称 row that still belong to its form (title, year, attachment number).
TITLE_WORDS = ("自评表", "评价表", "绩效目标", "年度", "附件", "单位：", "单位:", "填报", "编号")
MAX_TITLE_ROWS = 5


@dataclass
class Form:
    """One form of a file, as read (``loaded``) or as it failed (``error``)."""

    index: int                          # 1-based position in the file
    sheet: str | None                   # the sheet / table / pages it was read from
    loaded: object | None = None        # perfnb.reading.assemble.LoadedUnit
    error: Exception | None = None      # the PerfnbError that stopped reading it
    heading: str = ""                   # a heading printed above it (Word/PDF), if any
    extra_errors: list = field(default_factory=list)

    @property
    def project(self) -> str:
        if self.loaded is not None:
            return str(self.loaded.unit.get("project") or "").strip()
        return ""

    @property
    def title(self) -> str:
        """What a user calls this form: its project, else its heading, else its sheet."""
        return self.project or self.heading or (self.sheet or f"第 {self.index} 个表")


def _is_project_row(grid: Grid, row: int) -> bool:
    for c, _ in grid.filled(row):
        text = grid.text(row, c)
        if text:
            return label_matches(text, *PROJECT_LABELS) or \
                bool(re.match(r"^项目名称[:：]", text))
    return False


def _title_like(grid: Grid, row: int) -> bool:
    """A row printed above a form's header block: one text (title, year, "主管部门（盖章）：",
    "单位：万元"), or two holding a title word; never a closing row of the form above."""
    from perfnb.reading.blocks import END_LABELS, SUBTOTAL_LABELS, TOTAL_LABELS
    texts = set({grid.cell_anchor(row, c): grid.text(row, c)
                 for c in range(1, grid.max_column + 1) if grid.text(row, c)}.values())
    if not texts or len(texts) > 2:
        return False
    if any(text.startswith(END_LABELS + TOTAL_LABELS + SUBTOTAL_LABELS) for text in texts):
        return False
    return len(texts) == 1 or any(word in text for text in texts for word in TITLE_WORDS)


def form_spans(grid: Grid, has_form=None) -> list[tuple[int, int]]:
    """(first row, last row) of each form on ``grid``, top to bottom.

    ``has_form(sub_grid)`` tells whether a span holds a form (default: it has an indicator
    table header); spans without one are joined to the span before.
    """
    if has_form is None:
        from perfnb.reading.blocks import find_indicator_header
        def has_form(sub):
            return find_indicator_header(sub) is not None
    project_rows = [r for r in grid.filled_rows if _is_project_row(grid, r)]
    if len(project_rows) < 2:
        return [(1, grid.max_row)]
    starts = []
    previous = 0
    for row in project_rows:
        start = row
        for above in range(row - 1, max(previous, row - MAX_TITLE_ROWS - 1), -1):
            if grid.row_blank(above) or not _title_like(grid, above):
                break
            start = above
        starts.append(start)
        previous = row
    starts[0] = 1
    spans = [(start, (starts[i + 1] - 1) if i + 1 < len(starts) else grid.max_row)
             for i, start in enumerate(starts)]
    kept: list[tuple[int, int]] = []
    for top, bottom in spans:
        if kept and not has_form(grid.rows_only(top, bottom)):
            kept[-1] = (kept[-1][0], bottom)
        else:
            kept.append((top, bottom))
    if len(kept) > 1 and not has_form(grid.rows_only(*kept[0])):
        kept[1] = (kept[0][0], kept[1][1])
        kept.pop(0)
    return kept


# --- unit ids and picking one form ------------------------------------------------------

_UNSAFE_RE = re.compile(r'[\\/:*?"<>|\s]+')


def form_unit_ids(stem: str, forms: list[Form]) -> list[str]:
    """Unit ids of a multi-form file's forms: ``<stem>-<project>``, or ``<stem>-<index>`` for
    a form whose project is missing or shared with another form of the file."""
    projects = [_UNSAFE_RE.sub("_", form.project).strip("_") for form in forms]
    ids = []
    for form, project in zip(forms, projects):
        if project and projects.count(project) == 1:
            ids.append(f"{stem}-{project}")
        else:
            ids.append(f"{stem}-{form.index}")
    return ids


def describe_forms(forms: list[Form]) -> str:
    """"1. 项目A（工作表“Sheet1”）；2. …" for messages."""
    parts = []
    for form in forms:
        where = f"（{form.sheet}）" if form.sheet and form.sheet != form.title else ""
        state = "，读取出错" if form.error is not None else ""
        parts.append(f"{form.index}. {form.title}{where}{state}")
    return "；".join(parts)


def pick_form(forms: list[Form], selector) -> Form | None:
    """The form a ``form`` key names: its 1-based number, or its project / heading / sheet."""
    if selector is None:
        return None
    text = str(selector).strip()
    if isinstance(selector, bool):
        return None
    if isinstance(selector, int) or re.fullmatch(r"\d+", text):
        number = int(text)
        return forms[number - 1] if 1 <= number <= len(forms) else None
    compact = re.sub(r"\s+", "", text)
    for attribute in ("project", "heading", "sheet"):
        for form in forms:
            value = re.sub(r"\s+", "", str(getattr(form, attribute) or ""))
            if value and value == compact:
                return form
    matches = [form for form in forms if compact and compact in re.sub(r"\s+", "", form.title)]
    return matches[0] if len(matches) == 1 else None
