"""Read a department's 绩效自评报告 (.docx): the funds and indicator tables inside it.

Every table of the document (nested tables too) becomes a :class:`~perfnb.reading.sheets.Grid`
with merged cells filled (python-docx returns the same cell for every grid position of a
horizontal or vertical merge), and the same readers as for workbooks take it from there
(``official.read_form``, ``blocks.read_funds_block``).  A header may be split over two rows
("年度" above "指标值"); reports often give one indicator table per 一级指标, each with its
own header and 合计 row: they are merged, and each table's 合计 becomes that dimension's
subtotal.

What no table gives is looked for in the text: project and department in the title
("人大办公厅人大履职保障经费绩效自评报告") and the signature line, the year, the budget
sentences ("年初…预算2,229.00万元", "全年执行数1,972.41万元", "预算执行率88.49%"), the
reported total and grade ("得分为 97.6分，综合绩效级别为“优”"), and the 存在问题 / 后续工作计划
/ 措施及办法 sections (:mod:`perfnb.reading.reporttext`).  A unit YAML (``data: report.docx``)
can override any of it.

:func:`read_document_forms` is this reading without python-docx: tables as (grid, paragraphs
above) pairs plus the paragraphs.  Web pages and plain-text reports (:mod:`perfnb.reading.
sources`) are documents too and are read by it unchanged.
"""
from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

from perfnb import limits
from perfnb.errors import InputError, PerfnbError
from perfnb.model import UnitTables
from perfnb.reading.values import normalise_text
from perfnb.reading.assemble import LoadedUnit, check_unit, raise_errors, to_tables
from perfnb.reading.blocks import (SUBTOTAL_LABELS, TOTAL_LABELS, find_funds_header, header_columns,
                                   find_indicator_header, unreadable_table_error,
                                   read_funds_block, read_indicator_header)
from perfnb.reading.headers import indicator_column
from perfnb.reading.official import read_form, read_header_block
from perfnb.reading.reporttext import YEAR_RE, budget_only, read_report_text
from perfnb.reading.forms import Form
from perfnb.reading.sources import DOCX
from perfnb.reading.sheets import Grid, check_file, label_matches

__all__ = ["load_docx", "read_docx", "read_docx_forms", "docx_grids", "join_continued", "DOCX_SUFFIXES"]

DOCX_SUFFIXES = DOCX.suffixes


def _open(path: Path):
    import docx  # python-docx; imported here to keep the CLI's start-up cheap

    check_file(path)
    if not zipfile.is_zipfile(path):
        raise InputError("不是 Word 文档（.docx）文件，无法打开", file=path,
                         hint="旧版 .doc 文件请在 Word 或 WPS 中“另存为”Word 文档（*.docx）")
    with zipfile.ZipFile(path) as archive:  # a zip bomb is refused before python-docx inflates it
        limits.archive_sizes(archive, path)
    try:
        return docx.Document(str(path))
    except Exception as error:  # python-docx raises several kinds on malformed packages
        raise InputError(f"无法读取 Word 文档（{type(error).__name__}: {error}）", file=path,
                         hint="请在 Word 或 WPS 中打开并重新保存为 .docx") from None


def _table_grid(table, file: str, name: str) -> Grid:
    grid_columns = len(table._tbl.tblGrid.gridCol_lst) if table._tbl.tblGrid is not None else 0
    limits.sheet_extent(file, name, len(table._tbl.tr_lst), grid_columns)
    values: list[list[object]] = []
    anchor: dict[tuple[int, int], tuple[int, int]] = {}
    # keyed by the cell's XML element itself: python-docx hands out new proxies on every
    # access, and the id() of a freed one is reused, which mixed up unrelated cells
    first_seen: dict[object, tuple[int, int]] = {}
    for r, row in enumerate(table.rows, start=1):
        before, after = getattr(row, "grid_cols_before", 0), getattr(row, "grid_cols_after", 0)
        cells = [None] * before + list(row.cells) + [None] * after
        texts: list[object] = []
        for c, cell in enumerate(cells, start=1):
            if cell is None:
                texts.append(None)
                continue
            key = cell._tc
            if key not in first_seen:
                first_seen[key] = (r, c)
            else:
                anchor[(r, c)] = first_seen[key]
                anchor.setdefault(first_seen[key], first_seen[key])
            text = cell.text.strip()
            texts.append(text or None)
        values.append(texts)
    width = max((len(row) for row in values), default=0)
    for row in values:
        row.extend([None] * (width - len(row)))
    return Grid(file, name, values, anchor)


def _all_tables(tables, found: list, top: bool = True) -> None:
    for table in tables:
        found.append((table, top))
        for row in table.rows:
            seen = set()
            for cell in row.cells:
                if id(cell._tc) in seen:
                    continue
                seen.add(id(cell._tc))
                if cell.tables:
                    _all_tables(cell.tables, found, top=False)


def _preceding_paragraphs(document) -> list[list[str]]:
    """For each top-level table, in order, the paragraph texts between it and the table before."""
    from docx.text.paragraph import Paragraph

    result, current = [], []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = normalise_text(Paragraph(child, document).text)
            if text:
                current.append(text)
        elif tag == "tbl":
            result.append(current)
            current = []
    return result


def docx_grids(document, file: str, with_context: bool = False):
    """Every table of the document, nested ones included, as grids named 表格1, 表格2 …

    With ``with_context``: (grid, paragraphs above it) pairs, the paragraphs of a nested
    table being None."""
    tables: list = []
    _all_tables(document.tables, tables)
    grids = [_table_grid(table, file, f"表格{index}") for index, (table, _) in
             enumerate(tables, start=1)]
    if not with_context:
        return grids
    above = iter(_preceding_paragraphs(document))
    return [(grid, next(above, []) if top else None) for grid, (_, top) in zip(grids, tables)]


# --- tables continued after a page break, and several forms in one document -------------

def _row_texts(grid: Grid, row: int) -> list[str]:
    return [grid.text(row, c) for c in range(1, grid.max_column + 1)]


def _last_row_is_total(grid: Grid) -> bool:
    for r in range(grid.max_row, 0, -1):
        texts = [t for t in _row_texts(grid, r) if t]
        if texts:
            return any(label_matches(t, *TOTAL_LABELS, *SUBTOTAL_LABELS) for t in texts)
    return False


def _has_project_label(grid: Grid) -> bool:
    from perfnb.reading.forms import _is_project_row
    return any(_is_project_row(grid, r) for r in range(1, grid.max_row + 1))


def _join(first: Grid, second: Grid) -> Grid:
    offset = first.max_row
    values = [list(row) for row in first.values] + [list(row) for row in second.values]
    anchor = dict(first.anchor)
    anchor.update({(r + offset, c): (ar + offset, ac)
                   for (r, c), (ar, ac) in second.anchor.items()})
    return Grid(first.file, first.sheet, values, anchor, set(first.percent))


def join_continued(pairs: list[tuple[Grid, list[str] | None]]) -> list[tuple[Grid, list | None]]:
    """Join a table continued after a page break to the table it continues: the same
    columns, nothing but blank paragraphs between them, the first not closed by a 合计/总分
    row, the second without a header block of its own and starting either with the first's
    header row again or with no header at all."""
    joined: list[tuple[Grid, list | None]] = []
    for grid, above in pairs:
        if joined and above is not None and not above:
            previous, previous_above = joined[-1]
            header = indicator_table(previous)
            if header is not None and previous.max_column == grid.max_column and \
                    not _last_row_is_total(previous) and not _has_project_label(grid) and \
                    find_funds_header(grid) is None:
                repeated = _row_texts(grid, 1) == _row_texts(previous, header[1])
                if repeated or indicator_table(grid) is None:
                    joined[-1] = (_join(previous, grid), previous_above)
                    continue
        joined.append((grid, above))
    return joined


def _form_groups(pairs) -> list[list[tuple[Grid, list | None]]]:
    """Tables grouped by form: a table with a 项目名称 header block starts a new form once
    the current one has an indicator table or a header block of its own."""
    groups: list[list] = [[]]
    started = False
    for grid, above in pairs:
        project = _has_project_label(grid)
        if project and (started or any(indicator_table(g) is not None for g, _ in groups[-1])):
            groups.append([])
        started = started or project
        groups[-1].append((grid, above))
    return [group for group in groups if group]


# --- headers split over two rows --------------------------------------------------------

def _header_candidates(grid: Grid, row: int) -> list[list[object]]:
    """Ways to read rows ``row`` and ``row + 1`` as one header: the two texts joined
    ("年度" + "指标值"), or the lower text where there is one (group title above)."""
    joined, lower_first = [], []
    for c in range(1, grid.max_column + 1):
        upper = grid.text(row, c)
        lower = grid.text(row + 1, c) if grid.cell_anchor(row + 1, c) != grid.cell_anchor(row, c) \
            else ""
        joined.append((upper + lower) or None)
        lower_first.append(lower or upper or None)
    return [joined, lower_first]


def indicator_table(grid: Grid) -> tuple[Grid, int, dict[str, int]] | None:
    """(grid, header row, columns) of an indicator table: the form readers' own header
    (blocks.find_indicator_header, which reads group headings over two rows) when it finds
    more columns than the Word reading below (words split over two rows, "年度" above
    "指标值", folded into one row)."""
    own = _own_indicator_header(grid)
    found = find_indicator_header(grid)
    if found is not None and (own is None or len(found[1]) > len(own[2])):
        return grid, found[0], found[1]
    return own


def _own_indicator_header(grid: Grid) -> tuple[Grid, int, dict[str, int]] | None:
    """(grid, header row, columns) of an indicator table; a two-row header is folded into one
    row (the grid returned then has that row replaced and the one below blanked)."""
    def columns_of(values: list[object]) -> dict[str, int]:
        found: dict[str, int] = {}
        for c, value in enumerate(values, start=1):
            key = indicator_column(value) if isinstance(value, str) else None
            if key and key not in found:
                found[key] = c
        return found

    def usable(columns: dict[str, int]) -> bool:
        return {"name", "target", "weight"} <= columns.keys() and len(columns) >= 4

    for r in range(1, grid.max_row + 1):
        columns = header_columns(grid, r, indicator_column)
        if usable(columns):
            header = read_indicator_header(grid, r)   # a group row over sub-headings?
            if header.row != r and usable(header.columns):
                return grid, header.row, header.columns
            return grid, r, columns
        if r >= grid.max_row:
            break
        if not columns and usable(header_columns(grid, r + 1, indicator_column)):
            continue      # a title above the header, not half of it
        below = header_columns(grid, r + 1, indicator_column)
        for candidate in _header_candidates(grid, r):
            columns = columns_of(candidate)
            if usable(columns) and not (usable(below) and len(below) >= len(columns)):
                # (a row above a complete header is no upper half of it)
                values = [list(v) for v in grid.values]
                values[r - 1] = candidate
                values[r] = [None] * len(values[r])
                folded = Grid(grid.file, grid.sheet, values,
                              {k: v for k, v in grid.anchor.items() if k[0] not in (r, r + 1)},
                              set(grid.percent))
                return folded, r, columns
    return None


# --- reading ----------------------------------------------------------------------------

def _row_is_subtotal(grid: Grid, row: int) -> bool:
    texts = [grid.text(row, c) for c in range(1, grid.max_column + 1)]
    return any(t and label_matches(t, *SUBTOTAL_LABELS) for t in texts) and \
        not any(t and label_matches(t, *TOTAL_LABELS) for t in texts)


def _paragraph_texts(document) -> list[str]:
    return [normalise_text(p.text) for p in document.paragraphs if normalise_text(p.text)]


def read_docx_forms(path: str | os.PathLike) -> list[Form]:
    """Every form of a .docx: one for a report (all its tables), one per 项目名称 header block
    when the document holds several forms one after another."""
    path = Path(path)
    document = _open(path)
    file = str(path)
    return read_document_forms(docx_grids(document, file, with_context=True),
                               _paragraph_texts(document), file, "docx")


def read_document_forms(pairs: list[tuple[Grid, list[str] | None]], paragraphs: list[str],
                        file: str, layout: str) -> list[Form]:
    """The forms of a document (a Word file, a web page, a report's plain text): its tables
    as (grid, paragraphs just above it — None for a nested table) pairs in reading order,
    and all its paragraphs.  Tables continued after a break are joined; one form for a
    report (all its tables, and its prose for what they lack), one per 项目名称 header block
    when the document holds several forms one after another."""
    pairs = join_continued(pairs)
    groups = _form_groups(pairs)
    if len(groups) <= 1:
        try:
            loaded = _read_tables([grid for grid, _ in pairs], file, layout)
        except InputError:
            loaded = budget_only(paragraphs, file, layout)
            if loaded is None:
                raise
            return [Form(1, None, loaded)]
        read_report_text(paragraphs, loaded)
        return [Form(1, None, loaded)]
    forms = []
    for index, group in enumerate(groups, start=1):
        above = group[0][1] or []
        heading = next((line for line in above if "自评表" in line or "附件" in line), "")
        heading = re.sub(r"^附件\s*\d*\s*[:：]?\s*", "", heading)
        form = Form(index, group[0][0].sheet, heading=heading)
        try:
            form.loaded = _read_tables([grid for grid, _ in group], file, layout)
            if form.loaded.unit.get("year") is None:
                for line in above:
                    match = YEAR_RE.search(line)
                    if match:
                        form.loaded.unit["year"] = match.group(1)
                        break
        except PerfnbError as error:
            form.error = error
        forms.append(form)
    return forms


def read_docx(path: str | os.PathLike) -> LoadedUnit:
    """Read a one-form .docx report into a :class:`LoadedUnit`."""
    forms = read_docx_forms(path)
    if len(forms) > 1:
        from perfnb.reading.forms import describe_forms
        raise InputError(f"该文件包含 {len(forms)} 个自评表：{describe_forms(forms)}", file=path,
                         hint="请用 perfnb.reading.load_forms 读取全部，或 load_unit(路径, {\"form\": 序号})")
    if forms[0].error is not None:
        raise forms[0].error
    return forms[0].loaded


# What a document calls its tables, for the error when none is an indicator table.
DOCUMENT_NAMES = {"docx": "Word 文档", "html": "网页", "text": "文本"}


def _read_tables(grids: list[Grid], file: str, layout: str = "docx") -> LoadedUnit:
    """One form from its tables (indicator tables; a funds table and a header-block table —
    项目名称, 主管部门 … printed as a table of its own — for what they give none of)."""
    loaded = LoadedUnit(source=file, layout=layout)
    indicator_tables = []
    funds_tables = []
    header_tables = []
    for grid in grids:
        found = indicator_table(grid)
        if found is not None:
            indicator_tables.append(found)
        elif find_funds_header(grid) is not None:
            funds_tables.append(grid)
        elif _has_project_label(grid):
            header_tables.append(grid)
    if not indicator_tables:
        for grid in grids:
            missing = unreadable_table_error(grid)
            if missing is not None:
                raise missing
        raise InputError(
            f"{DOCUMENT_NAMES.get(layout, '文档')}中找不到绩效指标表（共 {len(grids)} 个表格，"
            "没有一个包含 三级指标、年度指标值、"
            "分值 等表头）", file=file,
            hint="请确认报告中附有绩效指标表，或改用 Excel 自评表 / perfnb template 生成的模板")

    several = len(indicator_tables) > 1
    for grid, header_row, columns in indicator_tables:
        part = read_form(grid, layout, (header_row, columns))
        loaded.errors.extend(part.errors)
        loaded.observations.extend(part.observations)
        level1s = {ind["level1"] for ind in part.indicators}
        for entry in part.reported:
            if entry["level"] == "total" and several and len(level1s) == 1 and \
                    _row_is_subtotal(grid, entry["row"]):
                # This table's 合计 closes its one dimension, not the whole report.
                entry.update(level="level1", level1=next(iter(level1s)))
                if part.unit.get("reported_total_row") == entry["row"]:
                    for key in ("reported_total", "reported_total_sheet", "reported_total_row"):
                        part.unit.pop(key, None)
        for indicator in part.indicators:
            indicator["seq"] = len(loaded.indicators)
            loaded.indicators.append(indicator)
        loaded.reported.extend(part.reported)
        if part.indicator_header is not None:
            # the first table's header, with the columns only a later table prints
            if loaded.indicator_header is None:
                loaded.indicator_header = {**part.indicator_header,
                                           "columns": dict(part.indicator_header["columns"])}
            else:
                for key, heading in part.indicator_header["columns"].items():
                    loaded.indicator_header["columns"].setdefault(key, heading)
        for key, value in part.unit.items():
            if value is not None and value != "" and loaded.unit.get(key) in (None, ""):
                loaded.unit[key] = value
        if loaded.budget is None and part.budget is not None:
            loaded.budget, loaded.budget_lines = part.budget, part.budget_lines
    if loaded.budget is None:
        for grid in funds_tables:
            row, columns = find_funds_header(grid)
            block = read_funds_block(grid, row, columns, loaded.errors)
            if block.total is not None:
                loaded.budget = block.total
                loaded.budget_lines = list(block.lines)
                loaded.observations.extend(block.observations)
                break
    for grid in header_tables[:1]:
        header = LoadedUnit(source=file, layout=layout)
        read_header_block(grid, header)
        for key, value in header.unit.items():
            if value not in (None, "") and loaded.unit.get(key) in (None, ""):
                loaded.unit[key] = value
                if key == "year":
                    loaded.year_location = header.year_location
    return loaded


def load_docx(path: str | os.PathLike) -> UnitTables:
    """Load one unit from a .docx 绩效自评报告 (unit id: the file's stem).

    Raises InputError naming the file when the document has no indicator table.
    """
    path = Path(path)
    loaded = read_docx(path)
    check_unit(loaded, str(path))
    raise_errors(loaded.errors)
    return to_tables(loaded, path.stem)
