"""The 复核底稿 (review working paper) read back as a unit's review record.

``perfnb workpaper`` (:mod:`perfnb.reporting.office.workpaper`) writes one sheet per unit: a few
header cells (单位编号, 复核人, 复核日期, 复核结论, 复核意见) above a table with the columns of
:data:`COLUMNS`, one row per indicator, and a hidden 行键 column: a stable key of the row's unit
and 一级/二级/三级 names (:func:`row_key`).  An evaluator fills 复核完成值, 复核档次 (达成 / 部分达成 /
未达成: the 复核得分 then follows the rule set's band for it), 复核得分, 复核口径, 扣分程度, 佐证材料
and 备注 in Excel or WPS (a paper written before 复核档次 existed still reads); :func:`read_workpaper` turns a sheet back into a
:class:`perfnb.reading.review.Review` (the same record a ``.review.yaml`` holds, so the same
checks apply).  Rows are matched by their key, never by position: a moved row still applies to
its own indicator, and a row whose names no longer give its key (an indicator renamed, a row
pasted from another unit) is an error naming the sheet, row and column.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import re
from pathlib import Path

from perfnb.errors import InputError
from perfnb.reading.review import LEVELS, Review, ReviewIndicator, name_key
from perfnb.reading.values import normalise_level1

__all__ = ["COLUMNS", "EDITABLE", "OPTIONAL_COLUMNS", "KEY_HEADER", "HEADER_LABELS", "WORKPAPER_SUFFIXES",
           "row_key", "read_workpaper", "workpaper_units"]

WORKPAPER_SUFFIXES = (".xlsx", ".xlsm")
# the table's columns, in order (a contract: issue 21)
COLUMNS = ("一级", "二级", "三级", "指标性质", "指标值", "度量单位", "权重", "自评完成值", "自评得分",
           "复核完成值", "复核档次", "复核得分", "偏离度", "复核口径", "扣分程度", "佐证材料", "备注")
EDITABLE = ("复核完成值", "复核档次", "复核得分", "复核口径", "扣分程度", "佐证材料", "备注")
# columns a paper written before they existed does not have (it still reads)
OPTIONAL_COLUMNS = ("复核档次",)
KEY_HEADER = "行键"
# header cells above the table: label -> Review attribute
HEADER_LABELS = {"单位编号": "unit_id", "复核人": "evaluator", "复核日期": "date",
                 "复核结论": "conclusion", "复核意见": "opinion", "复核口径文件": "review_rules"}
CLAUSE_CODE = re.compile(r"[A-Z][A-Z0-9_]{2,}")


def row_key(unit_id, level1, level2, name) -> str:
    """A row's stable key: its unit and 一级/二级/三级 names (normalised as review files match
    them), hashed; 12 hex digits."""
    text = "\x1f".join((str(unit_id), normalise_level1(level1) or "", name_key(level2),
                        name_key(name)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()[:10]
    return str(value).strip()


def _sheets(path: Path):
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, data_only=True)
    except Exception as error:   # not a workbook openpyxl can read
        raise InputError(f"无法读取复核底稿（{error}）", file=path,
                         hint="请用 perfnb workpaper 生成的 .xlsx 文件，在 Excel 或 WPS 中保存为 .xlsx") from None
    for sheet in book.worksheets:
        header = _find_header(sheet)
        if header is not None:
            yield sheet, header


def _find_header(sheet):
    """(row of the table header, {header: column}) or None if the sheet is no unit's paper."""
    for row in sheet.iter_rows(min_row=1, max_row=min(sheet.max_row, 20)):
        values = {_text(c.value): c.column for c in row if _text(c.value)}
        if KEY_HEADER in values and "三级" in values:
            return row[0].row, values
    return None


def _header_cells(sheet, last_row: int) -> dict[str, tuple[str, int]]:
    """The header cells above the table: label -> (value, row)."""
    found = {}
    for row in sheet.iter_rows(min_row=1, max_row=last_row - 1):
        cells = list(row)
        for i, cell in enumerate(cells):
            label = _text(cell.value).rstrip("：:")
            if label in HEADER_LABELS and i + 1 < len(cells):
                found[label] = (_text(cells[i + 1].value), cell.row)
    return found


def workpaper_units(path: str | Path) -> list[str]:
    """The unit ids a workpaper holds, in sheet order."""
    path = Path(path)
    ids = []
    for sheet, (row, _) in _sheets(path):
        unit = _header_cells(sheet, row).get("单位编号", ("", 0))[0]
        if unit:
            ids.append(unit)
    return ids


def read_workpaper(path: str | Path, unit_id: str, expected_keys: dict[str, int] | None = None
                   ) -> Review | None:
    """The review of ``unit_id`` from its sheet of the workpaper (None: no sheet for it).

    ``expected_keys`` (row key -> indicator position) lets a caller check the keys against the
    unit as read now; without it, every row's key must agree with its own names.
    """
    path = Path(path)
    for sheet, (header_row, columns) in _sheets(path):
        cells = _header_cells(sheet, header_row)
        if cells.get("单位编号", ("", 0))[0] != str(unit_id):
            continue
        return _review(path, sheet, header_row, columns, cells, str(unit_id))
    return None


def _review(path: Path, sheet, header_row: int, columns: dict, cells: dict, unit_id: str) -> Review:
    from perfnb.reading.assemble import raise_errors

    missing = [c for c in (*COLUMNS, KEY_HEADER) if c not in columns and c not in OPTIONAL_COLUMNS]
    if missing:
        raise InputError(f"复核底稿的表头缺少“{'、'.join(missing)}”列", file=path, sheet=sheet.title,
                         row=header_row, hint="请不要删除或改写 perfnb workpaper 生成的表头")
    date = cells.get("复核日期", ("", 0))[0]
    review = Review(evaluator=cells.get("复核人", ("", 0))[0], date=date.replace("/", "-").replace(".", "-"),
                    opinion=cells.get("复核意见", ("", 0))[0], conclusion=cells.get("复核结论", ("", 0))[0],
                    source=str(path), review_rules=cells.get("复核口径文件", ("", 0))[0],
                    sheet=sheet.title)
    errors: list[InputError] = []
    if not review.evaluator:
        errors.append(InputError("复核底稿没有填写复核人", file=path, sheet=sheet.title,
                                 row=cells.get("复核人", ("", header_row))[1], column="复核人",
                                 hint="请在“复核人”右边的单元格填写复核人姓名"))
    if not review.date:
        errors.append(InputError("复核底稿没有填写复核日期", file=path, sheet=sheet.title,
                                 row=cells.get("复核日期", ("", header_row))[1], column="复核日期",
                                 hint="请在“复核日期”右边的单元格填写日期，如 2026-11-30"))
    else:
        try:
            review.date = _dt.date.fromisoformat(review.date[:10]).isoformat()
        except ValueError:
            errors.append(InputError(f"复核日期“{date}”不是有效的日期", file=path, sheet=sheet.title,
                                     row=cells["复核日期"][1], column="复核日期",
                                     hint="请写成 2026-11-30 这样的日期"))
    seen: dict[str, int] = {}
    for row in sheet.iter_rows(min_row=header_row + 1):
        value = {name: row[column - 1].value if column - 1 < len(row) else None
                 for name, column in columns.items()}
        for name in OPTIONAL_COLUMNS:
            value.setdefault(name, None)
        key = _text(value[KEY_HEADER])
        number = row[0].row
        if not key:
            if any(_text(value[c]) for c in EDITABLE if c != "备注") and _text(value["三级"]):
                errors.append(InputError(
                    f"第 {number} 行“{_text(value['三级'])}”没有行键，无法确认是哪个指标", file=path,
                    sheet=sheet.title, row=number, column=KEY_HEADER,
                    hint="请不要在底稿中插入新行；复核意见写在表头的“复核意见”中"))
            continue
        names = (_text(value["一级"]), _text(value["二级"]), _text(value["三级"]))
        if row_key(unit_id, *names) != key:
            errors.append(InputError(
                f"第 {number} 行的指标名称“{'/'.join(n for n in names if n)}”与该行的行键不符"
                "（指标名称被改动，或该行复制自其他单位）", file=path, sheet=sheet.title, row=number,
                column="三级", hint="请恢复 perfnb workpaper 生成时的一级、二级、三级指标名称；"
                                   "复核意见写在“备注”列"))
            continue
        if key in seen:
            errors.append(InputError(f"第 {number} 行与第 {seen[key]} 行是同一个指标", file=path,
                                     sheet=sheet.title, row=number, column=KEY_HEADER,
                                     hint="每个指标只能有一行，请删去复制出的行"))
            continue
        seen[key] = number
        try:
            entry = _entry(path, sheet.title, number, value, names)
        except InputError as error:
            errors.append(error)
            continue
        if entry is not None:
            review.indicators.append(entry)
    raise_errors(errors)
    return review


def _entry(path: Path, sheet: str, number: int, value: dict, names) -> ReviewIndicator | None:
    actual = _text(value["复核完成值"])
    raw_score = value["复核得分"]
    clauses_text = _text(value["复核口径"])
    severity = _text(value["扣分程度"]) or None
    level = _text(value["复核档次"]) or None
    evidence = [e for e in re.split(r"[\n;；、]+", _text(value["佐证材料"])) if e.strip()]
    note = _text(value["备注"])
    if level is not None and level not in LEVELS:
        raise InputError(f"“{names[2]}”的复核档次“{level}”无法识别", file=path, sheet=sheet,
                         row=number, column="复核档次",
                         hint=f"请从下拉列表中选择 {'、'.join(LEVELS)}（按评分规则的档次计分）")
    if raw_score in (None, "") and not clauses_text and not severity and not level:
        if actual:
            raise InputError(f"“{names[2]}”填写了复核完成值，但没有复核得分或复核口径", file=path,
                             sheet=sheet, row=number, column="复核得分",
                             hint="请填写复核得分或复核档次，或在“复核口径”中选择扣分依据的条款")
        return None
    score = None
    if raw_score not in (None, ""):
        try:
            score = float(str(raw_score).replace(",", "").removesuffix("分"))
        except ValueError:
            raise InputError(f"“{names[2]}”的复核得分“{raw_score}”不是数字", file=path, sheet=sheet,
                             row=number, column="复核得分", hint="请填写 0 到该指标权重之间的数字") from None
        if score < 0 or score != score:
            raise InputError(f"“{names[2]}”的复核得分“{raw_score}”不是有效的得分", file=path, sheet=sheet,
                             row=number, column="复核得分", hint="复核得分不能小于 0")
    clauses = list(dict.fromkeys(CLAUSE_CODE.findall(clauses_text.upper())))
    if clauses_text and not clauses:
        raise InputError(f"“{names[2]}”的复核口径“{clauses_text}”中没有条款代码", file=path, sheet=sheet,
                         row=number, column="复核口径",
                         hint="请从下拉列表中选择条款（如 NO_EVIDENCE 无佐证材料）")
    reason = note or ("按复核口径 " + "、".join(clauses) if clauses else "")
    if not reason:
        raise InputError(f"“{names[2]}”调整了复核得分，但“备注”中没有写理由", file=path, sheet=sheet,
                         row=number, column="备注",
                         hint="请在“备注”中写明复核理由，或在“复核口径”中选择扣分依据的条款")
    return ReviewIndicator(name=names[2], level1=names[0], level2=names[1], score=score,
                           level=level, reason=reason, line=number, clauses=clauses, severity=severity,
                           actual=actual or None, evidence=evidence)
