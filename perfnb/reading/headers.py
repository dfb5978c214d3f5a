"""Header synonyms -> canonical column names.

Headers are matched after removing whitespace (newlines inside cells are common), a
trailing note in brackets ("（万元）", "(分)", "(B/A)": told by what it holds), a trailing colon and a leading
required-field mark ("*指标值"), in simplified characters without inserted pinyin readings
(a mirror's "三級(jí)指標(biāo)" is 三级指标).
"""
from __future__ import annotations

import re

from perfnb.reading.values import clean_label, simplified
from perfnb.vocabulary import FUNDS_HEADER_ROLE_RULES, HEADER_ROLE_RULES, HEADING_NOTE_RES

# Indicator table: canonical name -> accepted header texts (cleaned).  The first is the display name.
INDICATOR_HEADERS: dict[str, tuple[str, ...]] = {
    "level1": ("一级指标", "一级"),
    "level2": ("二级指标", "二级"),
    "name": ("三级指标", "三级", "指标名称", "绩效指标名称", "三级指标名称", "指标内容",
             "评价内容", "考核指标", "评价指标"),     # a rubric's item (项目决策 | 决策依据 | 分值 | 自评分)
    "declared_kind": ("指标性质", "指标类型", "指标属性", "指标性质（定量/定性）"),
    "declared_direction": ("指标方向", "方向", "指标方向性"),
    "target": ("年度指标值", "指标值", "年度目标值", "目标值", "预期指标值", "年度计划值",
               "年初目标值", "预期目标值", "计划指标值", "年度绩效目标值", "绩效目标值", "预期值", "年初指标值"),
    "actual": ("实际完成值", "完成值", "全年实际值", "实际值", "全年完成值", "实际完成情况值",
               "实际完成指标值", "单项指标实际完成值", "全年实际完成值", "实际完成", "实际完成数",
               "实施进度", "完成进度"),
    "measure_unit": ("计量单位", "度量单位", "单位"),
    "weight": ("分值", "权重", "指标分值", "指标权重", "权重分值", "分值（权重）"),
    "score": ("得分", "自评得分", "评分", "单项指标得分", "实际得分", "指标得分"),
    "deviation_reason": ("偏差原因分析及改进措施", "未完成原因分析", "偏差说明", "偏差原因分析",
                         "偏差原因", "偏差原因及改进措施", "未完成原因", "原因分析及改进措施",
                         "偏差原因分析及改进措施说明", "未完成原因分析及改进措施",
                         "未完成原因及拟采取的改进措施", "未完成原因和改进措施", "偏差原因及措施",
                         "未达成原因分析及改进措施", "偏差及原因分析", "原因分析"),
}

# Columns a form may have beside the data: recognised, kept as printed (``extra``), never read
# as targets, actuals, weights or scores.
INDICATOR_EXTRA_HEADERS: dict[str, tuple[str, ...]] = {
    "scoring_method": ("得分计算方法", "评分标准", "计分方法", "评分方法", "计分标准", "评分办法",
                       "指标解释", "指标说明", "备注", "评价标准", "评价标准及依据", "评分标准及依据",
                       "指标评价内容", "评价要点"),   # 四川's 2019 评分表: what each item is judged by
    "weight_share": ("权重占比", "权重比例", "分值占比"),
    "converted_score": ("单项指标折算得分", "折算得分"),
    "review_score": ("复核得分", "复核", "评价得分", "财政复核得分", "复评得分"),
    "completion_note": ("单项指标完成情况", "完成情况", "指标完成情况", "是否完成"),
    # 重庆's 部门整体 form: the target as adjusted in the year, the share of the weight the unit
    # granted, and whether the indicator is a core one
    "adjusted_target": ("调整指标值", "调整后指标值", "全年调整指标值"),
    "score_coefficient": ("得分系数", "完成系数"),
    "core_indicator": ("是否核心指标", "核心指标"),
}

# Second header rows: a group heading in the first row (年度指标值, 得分 …) over sub-headings.
# Per group (canonical of the first row): sub-heading -> canonical.  A sub-heading not listed
# here is looked up on its own (INDICATOR_HEADERS, INDICATOR_EXTRA_HEADERS).
INDICATOR_SUB_HEADERS: dict[str, dict[str, str]] = {
    "target": {"指标性质": "declared_kind", "性质": "declared_kind", "符号": "declared_kind",
               "比较符号": "declared_kind", "运算符": "declared_kind", "指标值": "target",
               "数值": "target", "值": "target", "目标值": "target", "度量单位": "measure_unit",
               "计量单位": "measure_unit", "单位": "measure_unit"},
    "actual": {"数值": "actual", "值": "actual", "完成值": "actual", "单位": "measure_unit",
               "计量单位": "measure_unit", "度量单位": "measure_unit"},
    "score": {"自评": "score", "自评得分": "score", "单位自评": "score", "单项指标得分": "score",
              "得分": "score", "复核": "review_score", "复核得分": "review_score",
              "财政复核": "review_score", "评价": "review_score", "权重占比": "weight_share",
              "折算得分": "converted_score", "单项指标折算得分": "converted_score"},
}

# The funds block's title cell (often merged down beside its rows): never a row label.
FUNDS_TITLES = ("项目资金", "资金情况", "资金", "年度资金", "预算执行情况", "项目预算执行情况",
                "预算资金", "资金投入情况", "项目资金情况", "年度预算数")

# Funds (budget) table.
BUDGET_HEADERS: dict[str, tuple[str, ...]] = {
    "label": ("资金类别", "资金来源", "项目", "资金构成"),
    "initial": ("年初预算数", "年初预算", "年初预算金额", "年初预算资金"),
    "adjusted": ("全年预算数", "调整后预算数", "调整后预算", "全年预算", "预算数", "全年（调整）预算数",
                 "调整后全年预算数", "预算安排情况"),
    "executed": ("全年执行数", "预算执行数", "执行数", "实际执行数", "全年执行", "实际支出数",
                 "资金执行情况", "全年实际执行数", "实际支出"),
    "weight": ("分值", "权重", "执行率权重", "执行率分值"),
    "rate": ("执行率", "预算执行率", "预算执行进度", "执行进度"),
    "score": ("得分", "执行率得分", "执行得分"),
    "reason": ("偏差原因", "原因", "未完成原因", "原因分析", "执行率偏低原因", "偏差原因分析"),
    "scoring_method": ("得分计算方法", "评分标准", "计分方法"),
}

# The last bracket of a heading: a note after it ("执行率（B/A）", "预算数（万元）"), also one
# whose closing bracket OCR lost or read as a digit or letter ("执行率(B/A1"): nothing after it
# closes it.  Whether it is a note is decided by what it holds (vocabulary.HEADING_NOTE_RES) or
# by the text before it being a known heading (:func:`_strip_notes`), never by its length.
_LAST_BRACKET_RE = re.compile(r"[(（]([^()（）]*)(?:[)）]|$)$")


# Marks a template prints before a heading that must be filled ("*指标值", "＊指标解释").
_REQUIRED_MARKS = "*＊"


def header_key(text) -> str:
    """A header cell's text in the form used for matching."""
    cleaned = simplified(clean_label(text)).lstrip(_REQUIRED_MARKS)
    return _strip_notes(cleaned).rstrip(":：")


def is_heading_note(text: str) -> bool:
    """Does a bracket's content note something about the heading before it (a unit, points,
    a formula, the column's letter or number, an explanation: vocabulary.HEADING_NOTE_RES)?"""
    note = "".join(str(text).split())
    return any(pattern.search(note) for pattern in HEADING_NOTE_RES)


def _strip_notes(text: str) -> str:
    """``text`` without the bracket notes at its end: each is dropped when it holds a note
    (:func:`is_heading_note`) or when what comes before it is a heading we know
    ("指标名称（三级指标）", "预算安排情况（调整后）"); a bracket that is part of a name
    ("产床（全复合双体产床）") stays."""
    while True:
        match = _LAST_BRACKET_RE.search(text)
        if match is None:
            return text
        head = text[:match.start()]
        if not (is_heading_note(match.group(1)) or _known_heading(head.rstrip(":："))):
            return text
        text = head


def _build_lookup(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    lookup = {}
    for canonical, names in table.items():
        for name in names:
            lookup[name] = canonical
    return lookup


_INDICATOR_LOOKUP = _build_lookup(INDICATOR_HEADERS)
_INDICATOR_EXTRA_LOOKUP = _build_lookup(INDICATOR_EXTRA_HEADERS)
_BUDGET_LOOKUP = _build_lookup(BUDGET_HEADERS)
_SUB_HEADINGS = {name for names in INDICATOR_SUB_HEADERS.values() for name in names}


def _known_heading(text: str) -> bool:
    """Is ``text`` a heading some table lists (indicator, funds, sub-heading or funds title)?"""
    return bool(text) and (text in _INDICATOR_LOOKUP or text in _INDICATOR_EXTRA_LOOKUP or
                           text in _BUDGET_LOOKUP or text in _SUB_HEADINGS or text in FUNDS_TITLES)


# Headings no synonym lists: the column's role from the parts of the heading
# (vocabulary.HEADER_ROLE_RULES).  What a rule infers is only a candidate: ``blocks.read_indicator_header`` confirms it from the
# column's content (``roles.confirm_role``) and reports it (HEADER_INFERRED).


def inferred_role(text) -> str | None:
    """The role a heading's parts say its column has ("参考分值" -> weight, "年终完成值" ->
    actual, "自评分" -> score, "复核分" -> review_score), for a heading no synonym lists;
    None when no rule matches or the heading is a listed one."""
    key = header_key(text)
    if not key or key in _INDICATOR_LOOKUP or key in _INDICATOR_EXTRA_LOOKUP or len(key) > MAX_ROLE_HEADING:
        return None
    for role, pattern in HEADER_ROLE_RULES:
        if pattern.search(key):
            return role
    # an OCR'd heading whose characters came out of order ("考值参分" for 参考分值, a two-line
    # cell read across): the role of the listed or rule-read heading with the same characters
    return _SCRAMBLED.get("".join(sorted(key)))


# A heading longer than this is a sentence, not a column heading whose parts can be read.
MAX_ROLE_HEADING = 12


# Headings whose characters OCR may scramble: every listed data heading, and headings the
# rules read that forms are known to print (参考分值).
_KNOWN_UNLISTED = {"参考分值": "weight", "自评分": "score", "年终完成值": "actual"}
_SCRAMBLED = {"".join(sorted(name)): canonical
              for canonical, names in INDICATOR_HEADERS.items() for name in names
              if len(name) >= 4 and canonical not in ("level1", "level2", "name")}
_SCRAMBLED.update({"".join(sorted(name)): role for name, role in _KNOWN_UNLISTED.items()})


def indicator_column(text) -> str | None:
    """The canonical indicator column a header names (a listed synonym, else the data role its
    parts say: :func:`inferred_role`), or None."""
    key = header_key(text)
    found = _INDICATOR_LOOKUP.get(key)
    if found is None and key not in _INDICATOR_EXTRA_LOOKUP:
        role = inferred_role(text)
        found = role if role in INDICATOR_HEADERS else None
    return found


def listed_indicator_column(text) -> str | None:
    """The canonical indicator column a header names among the listed synonyms only."""
    return _INDICATOR_LOOKUP.get(header_key(text))


def indicator_extra_column(text) -> str | None:
    """The canonical name of a recognised non-data column (得分计算方法, 权重占比 …; a 复核
    score by its parts: "复核分"), or None."""
    found = _INDICATOR_EXTRA_LOOKUP.get(header_key(text))
    if found is None:
        role = inferred_role(text)
        found = role if role in INDICATOR_EXTRA_HEADERS else None
    return found


def indicator_sub_column(group: str | None, text) -> str | None:
    """The canonical column of a second-row heading ``text`` under a first-row ``group``."""
    key = header_key(text)
    if group in INDICATOR_SUB_HEADERS and key in INDICATOR_SUB_HEADERS[group]:
        return INDICATOR_SUB_HEADERS[group][key]
    return _INDICATOR_LOOKUP.get(key) or _INDICATOR_EXTRA_LOOKUP.get(key) or inferred_role(key)


def budget_column(text) -> str | None:
    """The canonical funds column a header names (a listed synonym, else the amount its parts
    say: :func:`inferred_budget_column`), or None."""
    key = header_key(text)
    return _BUDGET_LOOKUP.get(key) or inferred_budget_column(key)


def inferred_budget_column(text) -> str | None:
    """The amount column an unlisted funds heading's parts name ("年初预匏数" -> initial,
    "调整预算将,A、" -> adjusted: OCR'd headings), by vocabulary.FUNDS_HEADER_ROLE_RULES; None
    for a listed heading or one no rule reads."""
    key = header_key(text)
    if not key or key in _BUDGET_LOOKUP or len(key) > MAX_ROLE_HEADING:
        return None
    for role, pattern in FUNDS_HEADER_ROLE_RULES:
        if pattern.search(key):
            return role
    return None


def display_name(canonical: str, table: dict[str, tuple[str, ...]] = INDICATOR_HEADERS) -> str:
    return table[canonical][0]
