"""``perfnb score FILE_OR_DIR ...``: screen many files at once, one row per unit, no notebooks.

Every file (folders are searched recursively) is read with
:func:`perfnb.reading.prepare_forms`: each form of a multi-form file is a unit, a form or file
that cannot be read is a row with its Chinese error.  The units read are stacked into one set
of tables per chunk of files (:func:`perfnb.reading.assemble.to_tables_many`) and scored by
one vectorised :func:`perfnb.evaluation.evaluator.evaluate` call per rule set, so a thousand
files cost a thousand reads, not a thousand scorings.  Chunks run in a process pool when
there are many files (``fork``: the workers inherit the imported modules).

Rows (:data:`COLUMNS`; JSONL keys are the English names, CSV/XLSX headers the Chinese ones):
file, form, sheet, unit_id, department, project, year, rules, status (scored|failed),
total, grade, weighting (weighted | unweighted: a form that prints no weights, total and grade
blank), reported_total, one column per dimension (预算执行率, 产出指标, 效益指标,
满意度指标, …), errors/warnings/infos (findings by severity) and first_error (the reading
error of a failed unit; for a scored one, its first error-severity finding).
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import sys
import time
from pathlib import Path
from typing import Any, Iterable

from perfnb.errors import InputErrors, PerfnbError
from perfnb.model import NO_TOTAL, UNWEIGHTED, WEIGHTING_LABELS
from perfnb.running.isolation import CRASH_MESSAGE, can_fork, isolated_map

__all__ = ["COLUMNS", "discover_files", "screen_files", "screen_command_rows", "write_rows",
           "summary_line"]

# (key, Chinese header)
COLUMNS = [
    ("file", "文件"), ("form", "表序号"), ("sheet", "工作表/表格"), ("unit_id", "单位编号"),
    ("department", "主管部门"), ("project", "项目名称"), ("year", "年度"), ("rules", "评分规则"),
    ("status", "状态"), ("total", "总分"), ("grade", "等级"), ("weighting", "评价方式"),
    ("reported_total", "自评总分"),
]
COUNT_COLUMNS = [("errors", "错误数"), ("warnings", "警告数"), ("infos", "提示数"),
                 ("first_error", "首个错误")]
# issue 19: the unit's risk score and its red flags (Chinese titles; JSONL: the codes)
RISK_COLUMNS = [("risk_score", "风险分"), ("risk", "风险")]
DIMENSION_ORDER = ["预算执行率", "产出指标", "效益指标", "满意度指标"]
STATUS_LABELS = {"scored": "已评分", "failed": "读取失败"}
# a form that prints no weights: evaluated, but without a total or grade
UNWEIGHTED_STATUS_LABEL = "已评分（未加权）"
CHUNK = 25                  # files per task handed to a worker
PARALLEL_FROM = 40          # fewer files than this are screened in this process


# --- which files ---------------------------------------------------------------------------

def discover_files(inputs: Iterable[str | os.PathLike]) -> list[Path]:
    """Files named, and the data files and unit YAMLs inside folders (recursively):
    :func:`perfnb.reading.discovery.discover`, shared with ``perfnb batch``.  A path that
    does not exist or is no unit file is kept (its row tells what is wrong)."""
    from perfnb.reading.discovery import discover
    return discover(inputs, strict=False)


# --- one chunk of files (in a worker or here) -----------------------------------------------

def _first_error(error: Exception) -> str:
    if isinstance(error, InputErrors):
        more = len(error.errors) - 1
        return str(error.errors[0]) + (f"（另有 {more} 处错误）" if more > 0 else "")
    return str(error)


def _base_row(order: tuple[int, int], file: str, **values) -> dict[str, Any]:
    row = {key: None for key, _ in COLUMNS + COUNT_COLUMNS + RISK_COLUMNS}
    row.update(file=file, errors=0, warnings=0, infos=0, risk_flags=[], **values)
    row["_order"] = order
    row["dimensions"] = {}
    return row


def _screen_chunk(task: tuple[list[tuple[int, str]], str | None]) -> list[dict[str, Any]]:
    """Rows of some files: ``task`` is ([(order, path)], --rules or None)."""
    from perfnb.reading import prepare_forms

    items, rules_override = task
    rows: list[dict[str, Any]] = []
    pending: dict[str, list[tuple[dict, Any]]] = {}       # rules -> [(row, loaded)]
    for order, file in items:
        try:
            settings, prepared = prepare_forms(file)
        except PerfnbError as error:
            rows.append(_base_row((order, 0), file, status="failed",
                                  first_error=_first_error(error)))
            continue
        except Exception as error:  # a bug must not stop the other files
            rows.append(_base_row((order, 0), file, status="failed",
                                  first_error=f"内部错误：{type(error).__name__}: {error}"))
            continue
        rules = str(rules_override or settings.get("rules") or "central")
        for result, loaded in prepared:
            row = _base_row((order, result.index), file, unit_id=result.unit_id, rules=rules,
                            form=result.index if result.count > 1 else None, sheet=result.sheet,
                            project=result.title if result.count > 1 else None)
            if loaded is None:
                row.update(status="failed", first_error=_first_error(result.error),
                           department=result.department or None)
                rows.append(row)
                continue
            row.update(status="scored", department=loaded.unit.get("department") or "",
                       project=loaded.unit.get("project") or "")
            pending.setdefault(rules, []).append((row, loaded))
    for rules, group in pending.items():
        _score_group(rules, group)
        rows.extend(row for row, _ in group)
    return rows


def _score_group(rules_name: str, group: list[tuple[dict, Any]]) -> None:
    """Score the loaded units of ``group`` in one evaluate call and fill their rows."""
    import pandas as pd
    from perfnb.evaluation.evaluator import evaluate
    from perfnb.evaluation.rules import get_rules
    from perfnb.reading.assemble import to_tables_many

    from perfnb.evaluation.checks.catalog import validate

    try:
        rules = validate(get_rules(rules_name))
    except PerfnbError as error:
        for row, _ in group:
            row.update(status="failed", first_error=str(error))
        return
    keys = [f"u{index}" for index in range(len(group))]
    try:
        evaluation = evaluate(to_tables_many([(loaded, key) for (_, loaded), key in
                                              zip(group, keys)]), rules)
    except Exception:
        if len(group) == 1:
            row = group[0][0]
            error = sys.exc_info()[1]
            row.update(status="failed", first_error=f"内部错误：{type(error).__name__}: {error}")
            return
        for item in group:  # find the unit that breaks scoring; the others still get scored
            _score_group(rules_name, [item])
        return
    by_key = dict(zip(keys, (row for row, _ in group)))
    units = evaluation.units.set_index("unit_id")
    totals = evaluation.totals
    weighting = totals["weighting"] if "weighting" in totals else ["weighted"] * len(totals)
    for key, total, grade, how in zip(totals["unit_id"], totals["total"], totals["grade"],
                                      weighting):
        row = by_key[key]
        row["total"] = None if total is None or (isinstance(total, float) and math.isnan(total)) \
            else round(float(total), 2)
        row["grade"] = grade if isinstance(grade, str) and grade else None
        row["weighting"] = how if isinstance(how, str) and how else "weighted"
    for key, year, reported in units[["year", "reported_total"]].itertuples(name=None):
        row = by_key[key]
        row["year"] = None if pd.isna(year) else int(year)
        row["reported_total"] = None if reported is None or math.isnan(reported) \
            else round(float(reported), 2)
    for key, level1, score in evaluation.dimensions[["unit_id", "level1", "score"]].itertuples(
            index=False, name=None):
        by_key[key]["dimensions"][level1] = None if score is None or math.isnan(score) \
            else round(float(score), 2)
    findings = evaluation.findings
    if len(findings):
        counts = findings.groupby(["unit_id", "severity"]).size()
        for (key, severity), count in counts.items():
            field = {"error": "errors", "warning": "warnings", "info": "infos"}.get(severity)
            if field:
                by_key[key][field] = int(count)
        errors = findings[findings["severity"] == "error"].drop_duplicates("unit_id")
        for key, code, message in errors[["unit_id", "code", "message"]].itertuples(
                index=False, name=None):
            by_key[key]["first_error"] = f"{code}：{message}"
    _keep_flat_tables(evaluation, by_key)


def _keep_flat_tables(evaluation, by_key: dict[str, dict]) -> None:
    """Each row keeps its unit's flat tables and finding codes (issue 19: the checks across
    units and years run on them once every chunk is scored; results.parquet holds them)."""
    from perfnb.evaluation.redflags import FLAG_SEPARATOR, indicator_frame, unit_frame
    from perfnb.evaluation.risk import flag_titles

    units = unit_frame(evaluation)
    indicators = indicator_frame(evaluation)
    by_unit = {key: frame for key, frame in indicators.groupby("unit_id", sort=False)}
    codes = evaluation.findings[["unit_id", "code", "severity"]]
    codes_by_unit = {key: frame for key, frame in codes.groupby("unit_id", sort=False)}
    for record in units.to_dict("records"):
        key = record["unit_id"]
        row = by_key[key]
        flags = [f for f in str(record["risk_flags"] or "").split(FLAG_SEPARATOR) if f]
        row.update(risk_score=record["risk_score"], risk_flags=flags,
                   risk="、".join(flag_titles(flags)))
        row["_unit"] = record
        row["_indicators"] = by_unit.get(key, indicators.iloc[:0])
        row["_findings"] = codes_by_unit.get(key, codes.iloc[:0])


# --- many files ------------------------------------------------------------------------------

def screen_files(files: list[Path], rules: str | None = None, jobs: int | None = None,
                 progress=None) -> list[dict[str, Any]]:
    """Rows of every unit in ``files``, in file order (forms in file order)."""
    items = [(order, str(path)) for order, path in enumerate(files)]
    chunks = [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]
    jobs = jobs or os.cpu_count() or 1
    rows: list[dict[str, Any]] = []
    parallel = jobs > 1 and len(items) >= PARALLEL_FROM and can_fork()
    if parallel:
        _preload()

        def done(_task, part) -> None:
            if part is not None and progress is not None:
                progress.update(len({row["_order"][0] for row in part}))

        tasks = [(chunk, rules) for chunk in chunks]
        # A worker that dies (a reader that aborts) fails its chunk; the chunk's files are
        # then read one by one, each in its own process: only the culprit fails.
        for task, part in zip(tasks, isolated_map(_screen_chunk, tasks, jobs,
                                                  crashed=lambda task: None, done=done)):
            if part is None:
                singles = [([item], rules) for item in task[0]]
                part = [row for rows_of_one in isolated_map(
                    _screen_chunk, singles, jobs, crashed=_crashed_row, done=done)
                    for row in rows_of_one]
            rows.extend(part)
    else:
        for chunk in chunks:
            for item in chunk:
                part = _screen_chunk(([item], rules))
                rows.extend(part)
                if progress is not None:
                    progress.update(1)
    rows.sort(key=lambda row: row["_order"])
    return rows


def _crashed_row(task) -> list[dict[str, Any]]:
    (order, file), = task[0]
    return [_base_row((order, 0), file, status="failed", first_error=CRASH_MESSAGE)]


def _preload() -> None:
    """Import what every chunk needs before forking, so the workers share it."""
    import pandas  # noqa: F401
    import perfnb.evaluation.evaluator  # noqa: F401
    import perfnb.reading.blocks  # noqa: F401
    import perfnb.reading.official  # noqa: F401
    import perfnb.reading.sheets  # noqa: F401
    import python_calamine  # noqa: F401


# --- across units and years (issue 19) --------------------------------------------------------

def flat_tables(rows: list[dict[str, Any]]):
    """The scored rows' flat tables (results.parquet / indicators.parquet): real unit ids, with
    each unit's file and form; and the internal ids (``r0``, ``r1`` … unique per row)."""
    import pandas as pd
    from perfnb.evaluation.redflags import INDICATOR_TABLE_COLUMNS, UNIT_TABLE_COLUMNS

    scored = [row for row in rows if row["status"] == "scored" and "_unit" in row]
    keys = [f"r{n}" for n in range(len(scored))]
    units = pd.DataFrame([{**row["_unit"], "unit_id": key} for row, key in zip(scored, keys)],
                         columns=UNIT_TABLE_COLUMNS)
    parts = [row["_indicators"].assign(unit_id=key) for row, key in zip(scored, keys)]
    indicators = pd.concat(parts, ignore_index=True) if parts else \
        pd.DataFrame(columns=INDICATOR_TABLE_COLUMNS)
    return scored, keys, units, indicators


def screen_across(rows: list[dict[str, Any]], rules: str | None = None, previous=None,
                  link: str = "auto"):
    """Run the checks across the screened units (and against ``previous`` years' tables) and
    fold them into the rows: counts, risk score and flags.  Returns (findings with the rows'
    real unit ids and files, units table, indicators table) for the outputs."""
    import pandas as pd
    from perfnb.evaluation.redflags import FLAG_SEPARATOR, across_findings, with_risk
    from perfnb.evaluation.risk import flag_titles

    from perfnb.evaluation.rules import get_rules

    scored, keys, units, indicators = flat_tables(rows)
    try:
        rule_set = get_rules(rules or "central")
    except PerfnbError:   # a rule set that cannot be read: every row says so already
        rule_set = get_rules("central")
    found = across_findings(units, indicators, rule_set, previous, link)
    if len(found):
        own = pd.concat([row["_findings"].assign(unit_id=key) for row, key in zip(scored, keys)],
                        ignore_index=True)
        units = with_risk(units, own, found)
        by_key = dict(zip(keys, scored))
        for (key, severity), count in found.groupby(["unit_id", "severity"]).size().items():
            field = {"error": "errors", "warning": "warnings", "info": "infos"}[severity]
            by_key[key][field] += int(count)
        for record in units[["unit_id", "risk_score", "risk_flags"]].to_dict("records"):
            row = by_key[record["unit_id"]]
            flags = [f for f in str(record["risk_flags"] or "").split(FLAG_SEPARATOR) if f]
            row.update(risk_score=record["risk_score"], risk_flags=flags,
                       risk="、".join(flag_titles(flags)))
    real = {key: row["unit_id"] for key, row in zip(keys, scored)}
    files = {key: row["file"] for key, row in zip(keys, scored)}
    forms = {key: row["form"] for key, row in zip(keys, scored)}
    found = found.assign(file=found["unit_id"].map(files), unit_id=found["unit_id"].map(real))
    units = units.assign(file=units["unit_id"].map(files), form=units["unit_id"].map(forms),
                         unit_id=units["unit_id"].map(real))
    indicators = indicators.assign(file=indicators["unit_id"].map(files),
                                   unit_id=indicators["unit_id"].map(real))
    return found, units, indicators


# --- output ----------------------------------------------------------------------------------

def dimension_names(rows: list[dict[str, Any]]) -> list[str]:
    seen = {name for row in rows for name in row["dimensions"]}
    return [name for name in DIMENSION_ORDER if name in seen] + \
        sorted(seen - set(DIMENSION_ORDER))


def flat_rows(rows: list[dict[str, Any]], chinese: bool) -> tuple[list[str], list[list[Any]]]:
    """Header and rows for CSV/XLSX/text: fixed columns, a column per dimension, counts."""
    dimensions = dimension_names(rows)
    header = [(cn if chinese else key) for key, cn in COLUMNS] + dimensions + \
        [(cn if chinese else key) for key, cn in COUNT_COLUMNS + RISK_COLUMNS]
    table = []
    for row in rows:
        values = [row[key] for key, _ in COLUMNS]
        if chinese:
            keys = [k for k, _ in COLUMNS]
            unweighted = row.get("weighting") == UNWEIGHTED
            values[keys.index("status")] = UNWEIGHTED_STATUS_LABEL if unweighted and \
                row["status"] == "scored" else STATUS_LABELS.get(row["status"], row["status"])
            values[keys.index("weighting")] = WEIGHTING_LABELS.get(row.get("weighting"))
        values += [row["dimensions"].get(name) for name in dimensions]
        values += [row[key] for key, _ in COUNT_COLUMNS]
        values += [row.get("risk_score"), row.get("risk") or ""]
        table.append(values)
    return header, table


def json_row(row: dict[str, Any]) -> dict[str, Any]:
    return {**{key: row[key] for key, _ in COLUMNS}, "dimensions": dict(row["dimensions"]),
            **{key: row[key] for key, _ in COUNT_COLUMNS},
            "risk_score": row.get("risk_score"), "risk_flags": list(row.get("risk_flags") or [])}


def write_rows(rows: list[dict[str, Any]], *, csv_path=None, xlsx_path=None,
               jsonl=None, across=None) -> list[Path]:
    """Write the rows where asked; ``jsonl`` "-" writes JSON lines to stdout.  ``across``
    (the findings, units and indicators of :func:`screen_across`) adds the XLSX sheets 风险排序,
    部门风险 and 跨单位与跨年发现."""
    from perfnb.fsutil import atomic_write_bytes, atomic_write_text
    from perfnb.textsafe import csv_cell

    written = []
    if csv_path:
        header, table = flat_rows(rows, chinese=True)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(header)
        # text cleaned of control characters; "=…", "+…", "-…", "@…" get the apostrophe
        writer.writerows([["" if v is None else csv_cell(v) for v in values] for values in table])
        # UTF-8 with BOM: Excel on Chinese Windows opens it without garbling
        atomic_write_bytes(Path(csv_path), buffer.getvalue().encode("utf-8-sig"))
        written.append(Path(csv_path))
    if xlsx_path:
        import pandas as pd
        from openpyxl import Workbook
        from perfnb.reporting.office.xlsx_style import write_table_sheet

        header, table = flat_rows(rows, chinese=True)
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "筛查结果"
        write_table_sheet(sheet, pd.DataFrame(table, columns=header).astype(object)
                          .where(lambda frame: frame.notna(), None))
        if across is not None:
            _risk_sheets(workbook, *across)
        buffer = io.BytesIO()
        workbook.save(buffer)
        atomic_write_bytes(Path(xlsx_path), buffer.getvalue())
        written.append(Path(xlsx_path))
    if jsonl:
        lines = "".join(json.dumps(json_row(row), ensure_ascii=False) + "\n" for row in rows)
        if jsonl == "-":
            sys.stdout.write(lines)
            sys.stdout.flush()
        else:
            atomic_write_text(Path(jsonl), lines)
            written.append(Path(jsonl))
    return written


def _risk_sheets(workbook, found, units, indicators) -> None:
    import pandas as pd
    from perfnb.evaluation.audit import SEVERITY_LABELS
    from perfnb.evaluation.redflags import department_risk_table, risk_ranking
    from perfnb.reporting.office.xlsx_style import write_table_sheet

    def plain(frame):
        return frame.astype(object).where(lambda f: f.notna(), None)

    write_table_sheet(workbook.create_sheet("风险排序"), plain(risk_ranking(units)))
    write_table_sheet(workbook.create_sheet("部门风险"), plain(department_risk_table(units)))
    detail = pd.DataFrame({"文件": found["file"], "单位编号": found["unit_id"], "代码": found["code"],
                           "严重程度": found["severity"].map(SEVERITY_LABELS),
                           "指标": found["indicator"], "说明": found["message"]})
    write_table_sheet(workbook.create_sheet("跨单位与跨年发现"), plain(detail))


# the file is in its own column of the terminal table: the error starts at its sheet or problem
_FILE_PREFIX_RE = re.compile(r"^文件“[^”]*”[，：]")


def text_rows(rows: list[dict[str, Any]]) -> str:
    """A readable table for the terminal (when no output file is asked for)."""
    from perfnb.reporting.terminal import text_table

    dimensions = dimension_names(rows)
    headers = ["文件", "单位编号", "项目名称", "总分", "等级", *dimensions, "错误", "警告", "提示", "风险分",
               "首个错误"]
    unweighted_label = WEIGHTING_LABELS[UNWEIGHTED]

    def show(value):
        return "—" if value is None else (f"{value:.2f}" if isinstance(value, float) else str(value))
    table = [[Path(row["file"]).name, row["unit_id"] or "—", row["project"] or "—",
              show(row["total"]) if row.get("weighting") != UNWEIGHTED else NO_TOTAL,
              row["grade"] or (unweighted_label if row.get("weighting") == UNWEIGHTED else "—"),
              *[show(row["dimensions"].get(name)) for name in dimensions],
              str(row["errors"]), str(row["warnings"]), str(row["infos"]),
              "—" if row.get("risk_score") is None else f"{row['risk_score']:g}",
              _FILE_PREFIX_RE.sub("", row["first_error"] or "")[:60]] for row in rows]
    align = ["left", "left", "left", "right", "left", *["right"] * len(dimensions),
             "right", "right", "right", "right", "left"]
    return text_table(headers, table, align)


def summary_line(files: int, rows: list[dict[str, Any]], seconds: float,
                 written: list[Path]) -> str:
    scored = [row for row in rows if row["status"] == "scored"]
    failed = len(rows) - len(scored)
    grades: dict[str, int] = {}
    for row in scored:
        if row["grade"]:
            grades[row["grade"]] = grades.get(row["grade"], 0) + 1
    spread = "、".join(f"{grade} {grades[grade]} 个" for grade in ("优", "良", "中", "差")
                      if grade in grades)
    unweighted = sum(row.get("weighting") == UNWEIGHTED for row in scored)
    if unweighted:   # forms that print no weights: no grade to count
        spread += ("、" if spread else "") + f"{WEIGHTING_LABELS[UNWEIGHTED]} {unweighted} 个"
    line = (f"筛查完成：{files} 个文件，{len(rows)} 个自评表；已评分 {len(scored)} 个"
            + (f"（{spread}）" if spread else "") + f"，读取失败 {failed} 个；用时 {seconds:.1f} 秒。")
    if written:
        line += "结果已写入 " + "、".join(str(path) for path in written) + "。"
    return line


def progress_bar(total: int, stream=None):
    """Screening's progress: :func:`perfnb.running.progress.progress`, a line per tenth."""
    from perfnb.running.progress import progress
    return progress(total, stream, desc="筛查", unit="个", noun="个文件", every="tenth")


def screen_command_rows(inputs: list[str], rules: str | None, jobs: int | None = None,
                        stream=None) -> tuple[list[Path], list[dict[str, Any]], float]:
    """Discover, screen with a progress bar: (files, rows, seconds)."""
    started = time.perf_counter()
    files = discover_files(inputs)
    progress = progress_bar(len(files), stream)
    try:
        rows = screen_files(files, rules=rules, jobs=jobs, progress=progress)
    finally:
        progress.close()
    return files, rows, time.perf_counter() - started
