"""The words of 绩效自评 forms, declared once: operators, units, grades and achievement words,
dimension words, header roles, severity labels, the year pattern.

Data and small helpers only (a shared module, like ``model``): the readers (``reading/``),
scoring and the checks (``evaluation/``) and the reports (``reporting/``) all take these
words from here, so a word added here is understood everywhere.
"""
from __future__ import annotations

import re

from perfnb.model import LEVEL1_BENEFIT, LEVEL1_OUTPUT, LEVEL1_SATISFACTION

# --- achievement and grades -----------------------------------------------------------------

ACHIEVED, PARTIAL, NOT_ACHIEVED = "达成", "部分达成", "未达成"
ACHIEVEMENT_LEVELS = (ACHIEVED, PARTIAL, NOT_ACHIEVED)

# Achievement words; negatives and partials before the positives they contain.
ACHIEVEMENT_WORDS: tuple[tuple[str, str], ...] = (
    ("未达成", NOT_ACHIEVED), ("未完成", NOT_ACHIEVED), ("未达到", NOT_ACHIEVED),
    ("未实现", NOT_ACHIEVED), ("没有完成", NOT_ACHIEVED), ("没有达到", NOT_ACHIEVED),
    ("部分达成", PARTIAL), ("基本达成", PARTIAL), ("基本完成", PARTIAL), ("部分完成", PARTIAL),
    ("基本达到", PARTIAL), ("基本实现", PARTIAL),
    ("达成", ACHIEVED), ("完成", ACHIEVED), ("达到", ACHIEVED), ("实现", ACHIEVED),
)
# Words of an actual that say the target was not, or only partly, reached (scoring's text levels).
UNMET_WORDS = ("未", "没有", "不足", "不到", "滞后", "延迟", "延期", "推迟", "尚未", "暂未", "无法")
PARTIAL_WORDS = ("基本", "部分", "大部分", "较为", "有待", "一般")

# Grade scale of qualitative values, best first (优/良/中/低/差 is the longest in use).
GRADE_SCALE = ("优", "良", "中", "低", "差")
# A grade word -> its grade (whole words only: "中" inside "其中" is no grade).
GRADE_WORDS = {
    "优": "优", "优秀": "优", "优等": "优", "良": "良", "良好": "良", "中": "中", "中等": "中",
    "一般": "中", "合格": "中", "低": "低", "差": "差", "较差": "差", "不合格": "差",
    "是": ACHIEVED, "否": NOT_ACHIEVED,
}
# A grade written after a value ("95%优").
GRADE_SUFFIX_WORDS = ("优秀", "良好", "中等", "较差", "优", "良", "差")
# Grades a unit prints as its conclusion (总分 row, 评价结论, "自评等级为优").
CONCLUSION_GRADE_WORDS = ("优秀", "良好", "中等", "较差", "不合格", "合格", "优", "良", "中", "差")
# "…自评等级为优。": the grade word of a sentence (longest first, so 优秀 is never 优).
GRADE_WORD_PATTERN = "(" + "|".join(sorted(CONCLUSION_GRADE_WORDS, key=len, reverse=True)) + ")"

# --- operators and units --------------------------------------------------------------------

# Operator words, longest (and negated) forms first so "不低于" is never read as "低于".
OPERATOR_WORDS: tuple[tuple[str, str], ...] = (
    ("大于或等于", ">="), ("小于或等于", "<="), ("大于等于", ">="), ("小于等于", "<="),
    ("不低于", ">="), ("不少于", ">="), ("不小于", ">="), ("不高于", "<="), ("不超过", "<="),
    ("不多于", "<="), ("不大于", "<="), ("至少", ">="), ("最多", "<="), ("≥", ">="),
    (">=", ">="), ("=>", ">="), ("≧", ">="), ("⩾", ">="), ("≮", ">="), ("≤", "<="),
    ("<=", "<="), ("=<", "<="), ("≦", "<="), ("⩽", "<="), ("≯", "<="),
    ("大于", ">"), ("高于", ">"), ("超过", ">"), ("小于", "<"),
    ("低于", "<"), ("等于", "="), ("==", "="), (">", ">"), ("<", "<"), ("=", "="), ("═", "="),
    ("﹦", "="),
)

# Measure words after a count in Chinese numerals ("十二个月", "两次").
MEASURE_WORDS = ("个月", "个", "次", "人次", "人", "项", "家", "所", "台", "套", "批", "期",
                 "篇", "场", "天", "日", "周", "年", "小时", "元", "公里", "千米", "米", "户",
                 "座", "处", "条", "件", "份", "名", "部", "辆", "本", "间", "栋", "亩", "吨",
                 "轮", "届", "门", "种", "类", "季度", "支", "片", "块", "棵", "株", "头")
# One spelling per unit, for comparing a target's unit with its actual's.
UNIT_SYNONYMS = {"个月": "月", "日": "天", "千米": "公里", "km": "公里", "m": "米", "㎡": "平方米",
                 "周岁": "岁", "小时": "时", "h": "时", "人/次": "人次"}
# Prefixes that scale a unit, and units that are another's multiple.
UNIT_PREFIXES = {"亿": 1e8, "千万": 1e7, "百万": 1e6, "万": 1e4, "千": 1e3}
UNIT_MULTIPLES = {"公里": ("米", 1000.0), "吨": ("千克", 1000.0), "千克": ("克", 1000.0)}
# An actual written as how far the work went ("已完成100%", "完成进度100%"): a share of the
# work done, not the indicator's value — never compared with the target as a number.
PROGRESS_CLAIM_RE = re.compile(r"^(?:已经|已|均已|全部|已全部)?(?:实施|执行)?(?:完成|完工)(?:了)?(?:进度)?"
                               r"[:：]?\d+(?:\.\d+)?[%％]$")
# An amount in 万元, also written with a bare 万 right after the figure ("150万", "125.25万").
WAN_YUAN_RE = re.compile(r"万元|\d\s*万$")

# --- dimensions -----------------------------------------------------------------------------

# 二级 headings -> their 一级 dimension, for a table whose 一级 cell names none.
LEVEL2_DIMENSION_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("数量", "质量", "时效", "成本"), LEVEL1_OUTPUT),
    (("经济效益", "社会效益", "生态效益", "可持续", "生态环境效益", "效益"), LEVEL1_BENEFIT),
    (("满意",), LEVEL1_SATISFACTION),
)
# An indicator's name that says its dimension (a flat list): the 二级 words, and 及时 for 时效.
NAME_DIMENSION_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("数量", "质量", "时效", "及时", "成本"), LEVEL1_OUTPUT),
    (("经济效益", "社会效益", "生态效益", "可持续", "效益"), LEVEL1_BENEFIT),
    (("满意",), LEVEL1_SATISFACTION),
)

# --- header roles ---------------------------------------------------------------------------

# Headings no synonym lists: the column's role from the parts of the heading, first rule that
# matches wins (a 复核 score before any score, a reason before a 说明, 分值 before 分).
HEADER_ROLE_RULES: tuple[tuple[str, re.Pattern], ...] = (
    ("review_score", re.compile(r"(?:复核|复评|复审|评审)\S*分(?:数|值)?$")),
    ("deviation_reason", re.compile(r"(?:原因|措施)(?:分析|说明)?$|(?:偏差|未完成|未达成|差异)\S*说明$")),
    ("weight", re.compile(r"(?:分值|权重|权数|满分|标准分)$")),
    ("score", re.compile(r"得分$|自评\S*分(?:数)?$")),
    ("actual", re.compile(r"(?:完成值|完成数|完成量|实际值|实现值|实际数)$|^实际\S*(?:值|数|完成)$")),
    ("target", re.compile(r"(?:目标值|指标值|计划值|预期值|目标数|计划数)$")),
    ("measure_unit", re.compile(r"(?:计量|度量)?单位$")),
)

# --- findings and dates ---------------------------------------------------------------------

SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
# A year as printed ("2022年", "（2022年度）").
YEAR_RE = re.compile(r"((?:19|20|21)\d{2})\s*年")


def dimension_of(text: str, table=LEVEL2_DIMENSION_WORDS) -> str:
    """The dimension whose words ``text`` contains (first match of ``table``), '' if none."""
    for words, dimension in table:
        if any(word in text for word in words):
            return dimension
    return ""
