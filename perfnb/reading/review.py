"""The evaluator's review (复核) of a unit: read, validate, match, write.

A review lives in ``<unit>.review.yaml`` beside the unit YAML (or beside the data file), or
in the unit YAML's ``review:`` section (a mapping, or the path of a review file).  Keys may be
written in English or in Chinese::

    evaluator: 张敏                 # 复核人 (required)
    date: 2026-11-30                # 复核日期 (required)
    opinion: |                      # 复核意见
      …
    conclusion: 良                  # 复核结论
    indicators:                     # 指标: the indicators the evaluator re-scores
      - level1: 产出指标            # 一级指标 (optional: needed only when a name repeats)
        level2: 数量指标            # 二级指标 (optional)
        name: 办公设备采购批次      # 三级指标 (required; a leading code such as C14 may be left out)
        score: 3                    # 复核得分 (0 … 分值), and/or
        level: 部分达成             # 复核档次 达成 / 部分达成 / 未达成 (scored by the rule set's band)
        reason: …                   # 理由 (required)
    findings:                       # 审核发现: decisions on the audit's findings
      - code: OVER_ACHIEVEMENT      # 代码 (required)
        indicator: 维修改造工程个数 # 指标 / location (optional: every finding of that code)
        column: 实际完成值          # 列 (optional)
        decision: 不采纳            # 采纳 / 不采纳 (required)
        reason: …                   # 理由 (required for 不采纳)

Indicators are matched by name (一级/二级/三级, codes and whitespace ignored), never by row, so
a review survives rows moving in the form.  Every problem is an :class:`InputError` naming the
file and the line.  Matching findings needs the audit, so it is done by
:mod:`perfnb.evaluation.reviewing`; this module checks everything that needs only the tables.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from perfnb.errors import InputError
from perfnb.model import (DECISION_REJECTED, DECISIONS, REVIEW_COLUMNS, REVIEW_FINDING_COLUMNS,
                          REVIEW_INDICATOR_COLUMNS, UnitTables)
from perfnb.reading.values import normalise_level1, strip_code

__all__ = ["Review", "ReviewIndicator", "ReviewFinding", "LEVELS", "REVIEW_SUFFIX",
           "read_review", "review_from_node", "review_from_mapping", "find_review_file",
           "review_path_for", "attach_review", "review_to_yaml", "write_review", "name_key"]

REVIEW_SUFFIX = ".review.yaml"
LEVELS = ("达成", "部分达成", "未达成")
_NULL_TAG = "tag:yaml.org,2002:null"

# canonical key -> accepted spellings
TOP_KEYS = {"evaluator": ("evaluator", "复核人"), "date": ("date", "复核日期", "日期"),
            "opinion": ("opinion", "复核意见"), "conclusion": ("conclusion", "复核结论"),
            "indicators": ("indicators", "指标", "复核指标"),
            "findings": ("findings", "审核发现"),
            "review_rules": ("review_rules", "复核口径", "口径")}
INDICATOR_KEYS = {"level1": ("level1", "一级指标"), "level2": ("level2", "二级指标"),
                  "name": ("name", "三级指标"), "score": ("score", "复核得分"),
                  "level": ("level", "复核档次", "档次"), "reason": ("reason", "理由", "复核理由"),
                  "clauses": ("clauses", "clause", "复核口径", "口径", "口径条款"),
                  "severity": ("severity", "扣分程度", "程度"),
                  "actual": ("actual", "复核完成值"),
                  "evidence": ("evidence", "佐证材料")}
FINDING_KEYS = {"code": ("code", "代码"), "indicator": ("indicator", "指标", "位置"),
                "column": ("column", "列"), "decision": ("decision", "决定", "复核决定"),
                "reason": ("reason", "理由")}


@dataclass
class ReviewIndicator:
    name: str
    reason: str
    level1: str = ""
    level2: str = ""
    score: float | None = None
    level: str | None = None
    line: int | None = None
    clauses: list[str] = field(default_factory=list)   # 复核口径 codes cited
    severity: str | None = None                        # 扣分程度 (严重 / 一般 / 轻微)
    actual: str | None = None                          # 复核完成值 as the evaluator found it
    evidence: list[str] = field(default_factory=list)  # 佐证材料: files beside the unit


@dataclass
class ReviewFinding:
    code: str
    decision: str
    reason: str = ""
    indicator: str | None = None
    column: str | None = None
    line: int | None = None


@dataclass
class Review:
    """One unit's review as written (not yet matched to the unit's tables)."""

    evaluator: str
    date: str
    opinion: str = ""
    conclusion: str = ""
    indicators: list[ReviewIndicator] = field(default_factory=list)
    findings: list[ReviewFinding] = field(default_factory=list)
    source: str = ""
    review_rules: str = ""      # the review profile (复核口径) it names; '' = default / --review-rules
    sheet: str = ""             # the worksheet of a 复核底稿 ('' for a review file)


# --- reading -----------------------------------------------------------------------------

def _line(node) -> int:
    return node.start_mark.line + 1


def _canonical(keys: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {spelling: name for name, spellings in keys.items() for spelling in spellings}


def _mapping(node, file, what: str, keys: dict) -> dict[str, tuple]:
    """{canonical key: (key node, value node)}; errors for unknown or repeated keys."""
    if not isinstance(node, yaml.MappingNode):
        raise InputError(f"{what}应为若干“键: 值”", file=file, row=_line(node),
                         hint="可用的键有：" + "、".join(s for v in keys.values() for s in v))
    names = _canonical(keys)
    result: dict[str, tuple] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value).strip()
        if key not in names:
            raise InputError(f"{what}中有未知的键“{key}”", file=file, row=_line(key_node),
                             hint="可用的键有：" + "、".join(s for v in keys.values() for s in v)
                                  + "；请检查拼写")
        if names[key] in result:
            raise InputError(f"{what}中的“{key}”重复", file=file, row=_line(key_node),
                             hint="每个键只能写一次")
        result[names[key]] = (key_node, value_node)
    return result


def _text(entry: dict, key: str, file, what: str) -> str:
    if key not in entry:
        return ""
    _, node = entry[key]
    if not isinstance(node, yaml.ScalarNode):
        raise InputError(f"{what}的“{key}”应为一段文字", file=file, row=_line(node),
                         hint="请写成一行文字，或用 | 写多行文字")
    if node.tag == _NULL_TAG and node.style is None:
        return ""
    return str(node.value).strip()


def _date(entry: dict, file) -> str:
    if "date" not in entry:
        return ""
    _, node = entry["date"]
    if not isinstance(node, yaml.ScalarNode) or (node.tag == _NULL_TAG and node.style is None):
        return ""
    text = str(node.value).strip()
    try:
        return _dt.date.fromisoformat(text.replace("/", "-").replace(".", "-")).isoformat()
    except ValueError:
        raise InputError(f"复核日期“{text}”不是有效的日期", file=file, row=_line(node),
                         hint="请写成 2026-11-30 这样的日期") from None


def _score(entry: dict, file, what: str) -> float | None:
    if "score" not in entry:
        return None
    _, node = entry["score"]
    if not isinstance(node, yaml.ScalarNode) or (node.tag == _NULL_TAG and node.style is None):
        if isinstance(node, yaml.ScalarNode):
            return None
        raise InputError(f"{what}的复核得分应为数字", file=file, row=_line(node),
                         hint="请填写 0 到该指标分值之间的数字")
    text = str(node.value).strip().replace(",", "").removesuffix("分")
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{what}的复核得分“{node.value}”不是数字", file=file, row=_line(node),
                         hint="请填写 0 到该指标分值之间的数字") from None
    if math.isnan(value) or math.isinf(value):
        raise InputError(f"{what}的复核得分“{node.value}”不是数字", file=file, row=_line(node),
                         hint="请填写 0 到该指标分值之间的数字")
    if value < 0:
        raise InputError(f"{what}的复核得分是负数（{value:g}）", file=file, row=_line(node),
                         hint="复核得分不能小于 0")
    return value


def _entries(root: dict, key: str, file) -> list:
    if key not in root:
        return []
    key_node, node = root[key]
    if isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG:
        return []
    if not isinstance(node, yaml.SequenceNode):
        raise InputError(f"“{key_node.value}”应为列表（每项以“- ”开头）", file=file,
                         row=_line(node), hint="请参照 params/ 中的复核示例文件")
    return node.value


def review_from_node(node, file) -> Review:
    """A review from a composed YAML mapping node (a review file's root, or a unit YAML's
    ``review:`` section); InputError/InputErrors naming ``file`` and the line."""
    from perfnb.reading.assemble import raise_errors

    errors: list[InputError] = []
    root = _mapping(node, file, "复核记录", TOP_KEYS)
    review = Review(evaluator="", date="", source=str(file))
    for attribute, getter in (("evaluator", lambda: _text(root, "evaluator", file, "复核记录")),
                              ("date", lambda: _date(root, file)),
                              ("opinion", lambda: _text(root, "opinion", file, "复核记录")),
                              ("conclusion", lambda: _text(root, "conclusion", file, "复核记录")),
                              ("review_rules", lambda: _text(root, "review_rules", file, "复核记录"))):
        try:
            setattr(review, attribute, getter())
        except InputError as error:
            errors.append(error)
    if not review.evaluator and not any(e.problem.startswith("复核记录的“evaluator”") for e in errors):
        errors.append(InputError("复核记录缺少复核人（evaluator）", file=file, row=_line(node),
                                 hint="请加一行 evaluator: 复核人姓名"))
    if not review.date and not any("日期" in e.problem for e in errors):
        errors.append(InputError("复核记录缺少复核日期（date）", file=file, row=_line(node),
                                 hint="请加一行 date: 2026-11-30"))
    for item in _entries(root, "indicators", file):
        try:
            review.indicators.append(_indicator(item, file))
        except InputError as error:
            errors.append(error)
    for item in _entries(root, "findings", file):
        try:
            review.findings.append(_finding(item, file))
        except InputError as error:
            errors.append(error)
    raise_errors(errors)
    rules = review.review_rules
    if rules.lower().endswith((".yaml", ".yml")) and not Path(rules).expanduser().is_absolute() \
            and file is not None and Path(str(file)).suffix:
        # a profile file named relative to the review (or unit YAML) that names it
        review.review_rules = str(Path(str(file)).parent / rules)
    return review


def _indicator(node, file) -> ReviewIndicator:
    entry = _mapping(node, file, "复核指标", INDICATOR_KEYS)
    line = _line(node)
    name = _text(entry, "name", file, "复核指标")
    if not name:
        raise InputError("复核指标缺少三级指标名称（name）", file=file, row=line,
                         hint="请写出要复核的三级指标名称，如 name: 办公设备采购批次")
    what = f"指标“{name}”"
    score = _score(entry, file, what)
    level = _text(entry, "level", file, what) or None
    if level is not None and level not in LEVELS:
        raise InputError(f"{what}的复核档次“{level}”无法识别", file=file,
                         row=_line(entry["level"][1]), hint="复核档次应为 达成、部分达成 或 未达成")
    clauses = _codes(entry, file, what)
    if score is None and level is None and not clauses:
        raise InputError(f"{what}既没有复核得分（score）、复核档次（level），也没有引用复核口径（clauses）",
                         file=file, row=line,
                         hint="请引用复核口径条款（如 clauses: [NO_EVIDENCE]），或填写复核得分、复核档次")
    reason = _text(entry, "reason", file, what)
    if not reason:
        raise InputError(f"{what}的复核没有写理由（reason）", file=file, row=line,
                         hint="每项复核调整都须说明理由，如 reason: 实际完成值与佐证材料不符")
    return ReviewIndicator(name=name, reason=reason, level1=_text(entry, "level1", file, what),
                           level2=_text(entry, "level2", file, what), score=score, level=level,
                           line=line, clauses=clauses,
                           severity=_text(entry, "severity", file, what) or None,
                           actual=_text(entry, "actual", file, what) or None,
                           evidence=_evidence(entry, file, what))


def _evidence(entry: dict, file, what: str) -> list[str]:
    """佐证材料: one path or a list of paths (relative to the review file)."""
    if "evidence" not in entry:
        return []
    _, node = entry["evidence"]
    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    out = []
    for item in items:
        if not isinstance(item, yaml.ScalarNode):
            raise InputError(f"{what}的佐证材料应为文件路径或路径的列表", file=file, row=_line(item),
                             hint="如 evidence: [佐证/验收报告.pdf]")
        if not (item.tag == _NULL_TAG and item.style is None) and str(item.value).strip():
            out.append(str(item.value).strip())
    return out


def _codes(entry: dict, file, what: str) -> list[str]:
    """The clause codes an entry cites: one code, a list, or codes separated by 、,，; or spaces."""
    if "clauses" not in entry:
        return []
    _, node = entry["clauses"]
    if isinstance(node, yaml.SequenceNode):
        items = []
        for item in node.value:
            if not isinstance(item, yaml.ScalarNode):
                raise InputError(f"{what}的复核口径应为条款代码或代码的列表", file=file, row=_line(item),
                                 hint="如 clauses: [NO_EVIDENCE] 或 clauses: NOT_VERIFIABLE")
            items.append(str(item.value))
    elif isinstance(node, yaml.ScalarNode):
        items = [] if node.tag == _NULL_TAG and node.style is None else [str(node.value)]
    else:
        raise InputError(f"{what}的复核口径应为条款代码或代码的列表", file=file, row=_line(node),
                         hint="如 clauses: [NO_EVIDENCE] 或 clauses: NOT_VERIFIABLE")
    codes = []
    for item in items:
        codes += [c.strip().upper() for c in re.split(r"[、,，;；\s]+", item) if c.strip()]
    return list(dict.fromkeys(codes))


def _finding(node, file) -> ReviewFinding:
    entry = _mapping(node, file, "审核发现的复核", FINDING_KEYS)
    line = _line(node)
    code = _text(entry, "code", file, "审核发现的复核")
    if not code:
        raise InputError("审核发现的复核缺少代码（code）", file=file, row=line,
                         hint="请写出审核发现的代码，如 code: OVER_ACHIEVEMENT")
    what = f"审核发现 {code}"
    decision = _text(entry, "decision", file, what)
    if decision not in DECISIONS:
        raise InputError(f"{what}的复核决定“{decision}”无法识别" if decision
                         else f"{what}缺少复核决定（decision）", file=file, row=line,
                         hint="复核决定应为 采纳 或 不采纳")
    reason = _text(entry, "reason", file, what)
    if decision == DECISION_REJECTED and not reason:
        raise InputError(f"{what}不采纳，但没有写理由（reason）", file=file, row=line,
                         hint="不采纳审核发现须说明理由")
    return ReviewFinding(code=code.upper(), decision=decision, reason=reason,
                         indicator=_text(entry, "indicator", file, what) or None,
                         column=_text(entry, "column", file, what) or None, line=line)


def read_review(path: str | Path) -> Review:
    """Read and check a review file (``<unit>.review.yaml``)."""
    from perfnb.reading.sheets import check_file

    path = Path(path)
    check_file(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("复核文件不是 UTF-8 编码", file=path, hint="请用 UTF-8 编码保存该文件") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        raise InputError(f"YAML 格式错误（{getattr(error, 'problem', None) or error}）", file=path,
                         row=mark.line + 1 if mark is not None else None,
                         hint="请检查该行的缩进、冒号和引号") from None
    if root is None:
        raise InputError("复核文件没有内容", file=path,
                         hint="至少需要 evaluator（复核人）和 date（复核日期）")
    return review_from_node(root, path)


def review_from_mapping(data: dict, source: str = "参数 review") -> Review:
    """A review from plain data (a papermill parameter): dumped and read back, so the same
    checks apply (line numbers then count within that text)."""
    text = yaml.safe_dump(_plain(data), allow_unicode=True, sort_keys=False)
    return review_from_node(yaml.compose(text, Loader=yaml.SafeLoader), source)


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()[:10]
    return value


# --- where a review is -------------------------------------------------------------------

def review_evidence(review: Review) -> list[Path]:
    """The 佐证材料 files a review cites (paths relative to the review file), resolved; an
    InputError naming the review file and line for one that does not exist."""
    from perfnb.reading.assemble import raise_errors

    base = Path(review.source).parent if review.source else Path.cwd()
    found: list[Path] = []
    errors: list[InputError] = []
    for item in review.indicators:
        for name in item.evidence:
            path = (base / name).expanduser()
            if not path.is_file():
                errors.append(InputError(
                    f"指标“{item.name}”的佐证材料“{name}”不存在（查找位置：{path}）",
                    file=review.source or None, row=item.line,
                    hint="佐证材料的路径相对于复核记录（或复核底稿）所在的文件夹；"
                         "没有佐证材料的指标可引用复核口径 NO_EVIDENCE"))
            elif path.resolve() not in found:
                found.append(path.resolve())
    raise_errors(errors)
    return found


def review_path_for(input_path: str | Path) -> Path:
    """Where the review of the unit read from ``input_path`` is saved: beside it, named
    ``<stem>.review.yaml``."""
    path = Path(input_path)
    return path.with_name(path.stem + REVIEW_SUFFIX)


def find_review_file(input_path: str | Path, data_path: str | Path | None = None) -> Path | None:
    """The review file beside the unit YAML, else beside its data file (None: none)."""
    for candidate in (input_path, data_path):
        if candidate is None:
            continue
        path = review_path_for(candidate)
        if path.is_file():
            return path
    return None


# --- matching to the unit's tables -----------------------------------------------------

def name_key(text) -> str:
    """An indicator name for matching: whitespace and a leading code removed (C14办公… -> 办公…)."""
    return strip_code(text)


def attach_review(tables: UnitTables, review: Review | None) -> UnitTables:
    """``tables`` (one unit) with the review matched to its indicators.

    Each reviewed indicator must name exactly one indicator of the unit; its 复核得分 must
    lie within 0 … 分值.  InputError/InputErrors name the review file and the entry's line.
    """
    from perfnb.reading.assemble import raise_errors

    if review is None:
        return tables
    if len(tables.units) != 1:
        raise ValueError("attach_review expects the tables of one unit")
    unit_id = str(tables.units["unit_id"].iloc[0])
    indicators = tables.indicators
    keys = pd.DataFrame({
        "name": [name_key(v) for v in indicators["name"]],
        "level1": [normalise_level1(v) for v in indicators["level1"]],
        "level2": [name_key(v) for v in indicators["level2"]],
    })
    weights = pd.to_numeric(indicators["weight"], errors="coerce").to_numpy(float)
    errors: list[InputError] = []
    rows: list[dict] = []
    taken: dict[int, int] = {}
    file = review.source or None
    for item in review.indicators:
        mask = keys["name"].to_numpy() == name_key(item.name)
        if item.level1:
            mask &= keys["level1"].to_numpy() == normalise_level1(item.level1)
        if item.level2:
            mask &= keys["level2"].to_numpy() == name_key(item.level2)
        matches = np.flatnonzero(mask)
        label = "/".join(x for x in (item.level1, item.level2, item.name) if x)
        if len(matches) == 0:
            known = "、".join(dict.fromkeys(str(v) for v in indicators["name"]))
            errors.append(InputError(
                f"复核的指标“{label}”在单位“{unit_id}”的绩效指标中不存在", file=file, row=item.line,
                hint=f"请按自评表中的三级指标名称填写（本单位的指标：{known}）"))
            continue
        if len(matches) > 1:
            errors.append(InputError(
                f"复核的指标“{label}”对应本单位的 {len(matches)} 个指标", file=file, row=item.line,
                hint="请同时写出一级指标（level1）和二级指标（level2）以区分"))
            continue
        position = int(matches[0])
        if position in taken:
            errors.append(InputError(
                f"指标“{label}”复核了两次（另见第 {taken[position]} 行）", file=file, row=item.line,
                hint="每个指标只能复核一次，请删去其中一项"))
            continue
        taken[position] = item.line
        weight = weights[position]
        if item.score is not None and not math.isnan(weight) and item.score > weight + 1e-9:
            errors.append(InputError(
                f"指标“{label}”的复核得分 {item.score:g} 超过其分值 {weight:g}", file=file,
                row=item.line, hint=f"复核得分应在 0 到 {weight:g} 之间"))
            continue
        rows.append({"unit_id": unit_id, "seq": int(indicators["seq"].iloc[position]),
                     "name": item.name,
                     "score": np.nan if item.score is None else float(item.score),
                     "level": item.level, "reason": item.reason, "source": review.source,
                     "line": item.line, "sheet": review.sheet or None,
                     "clauses": list(item.clauses), "severity": item.severity,
                     "actual": item.actual, "evidence": list(item.evidence)})
    raise_errors(errors)
    reviews = pd.DataFrame([{"unit_id": unit_id, "evaluator": review.evaluator, "date": review.date,
                             "opinion": review.opinion, "conclusion": review.conclusion,
                             "source": review.source, "review_rules": review.review_rules}],
                           columns=list(REVIEW_COLUMNS))
    review_indicators = pd.DataFrame(rows, columns=list(REVIEW_INDICATOR_COLUMNS))
    review_indicators["seq"] = review_indicators["seq"].astype("int64")
    review_indicators["score"] = review_indicators["score"].astype(float)
    review_indicators["line"] = review_indicators["line"].astype("Int64")
    review_findings = pd.DataFrame(
        [{"unit_id": unit_id, "code": f.code, "indicator": f.indicator, "column": f.column,
          "decision": f.decision, "reason": f.reason, "source": review.source, "line": f.line}
         for f in review.findings], columns=list(REVIEW_FINDING_COLUMNS))
    review_findings["line"] = review_findings["line"].astype("Int64")
    return replace(tables, reviews=reviews, review_indicators=review_indicators,
                   review_findings=review_findings)


# --- writing -----------------------------------------------------------------------------

def review_to_yaml(review: Review) -> str:
    """The review file's text (English keys, Chinese comments), readable by :func:`read_review`."""
    data: dict = {"evaluator": review.evaluator, "date": review.date}
    if review.review_rules:
        data["review_rules"] = review.review_rules
    if review.conclusion:
        data["conclusion"] = review.conclusion
    if review.opinion:
        data["opinion"] = review.opinion
    if review.indicators:
        data["indicators"] = []
        for item in review.indicators:
            entry = {k: v for k, v in (("level1", item.level1), ("level2", item.level2),
                                       ("name", item.name)) if v}
            if item.score is not None:
                entry["score"] = float(item.score) if not float(item.score).is_integer() \
                    else int(item.score)
            if item.level:
                entry["level"] = item.level
            if item.clauses:
                entry["clauses"] = list(item.clauses)
            if item.severity:
                entry["severity"] = item.severity
            if item.actual:
                entry["actual"] = item.actual
            if item.evidence:
                entry["evidence"] = list(item.evidence)
            entry["reason"] = item.reason
            data["indicators"].append(entry)
    if review.findings:
        data["findings"] = [{k: v for k, v in (("code", f.code), ("indicator", f.indicator),
                                               ("column", f.column), ("decision", f.decision),
                                               ("reason", f.reason)) if v}
                            for f in review.findings]
    header = ("# 绩效自评复核记录（perfnb）：复核人、复核日期、复核结论与意见；\n"
              "# indicators：复核调整的指标（复核得分 score 或复核档次 level，须写理由 reason）；\n"
              "# findings：对审核发现的决定（采纳 / 不采纳，不采纳须写理由）。\n")
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def write_review(review: Review, path: str | Path) -> Path:
    """Write the review file atomically (checked by reading it back first)."""
    from perfnb.fsutil import atomic_write_text

    text = review_to_yaml(review)
    review_from_node(yaml.compose(text, Loader=yaml.SafeLoader), path)
    return atomic_write_text(path, text)
