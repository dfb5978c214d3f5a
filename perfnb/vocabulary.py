"""The words of 绩效自评 forms, declared once: operators, units, grades and achievement words,
dimension words, header roles, severity labels, the year pattern.

Data and small helpers only (a shared module, like ``model``): the readers (``reading/``),
scoring and the checks (``evaluation/``) and the reports (``reporting/``) all take these
words from here, so a word added here is understood everywhere.
"""
from __future__ import annotations

import re
import unicodedata

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

# A cost indicator's name says how much of the project's money it concerns (COST_BUDGET_MISMATCH
# compares only a ceiling on the whole project's cost with the budget).  A unit cost
# (单站/每公里/人均 …) and a named part of the spending (维修/印刷/培训费 …, e.g. "维修（维护）
# 所需成本 ≤35万元" of a 64.8万元 project) are never the whole; a name with a total word
# (项目总成本/总投入/资金总额/预算 …) is.  A part word wins over a total word ("培训费总额").
COST_PER_UNIT_WORDS = ("单", "每", "平均", "人均", "均价", "单价")
COST_WHOLE_WORDS = ("总", "经费", "资金", "预算", "投入")
COST_PART_WORDS = ("维修", "修缮", "印刷", "培训", "差旅", "会议", "办公", "水电", "绿化",
                   "物业", "租赁", "邮电", "通讯", "交通", "宣传", "劳务", "咨询", "招待",
                   "燃料", "取暖", "耗材", "材料")

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
    # a 考核表's "年度工作目标" / "考核目标" is its target column (not "年度总体目标", a block)
    ("target", re.compile(r"(?:目标值|指标值|计划值|预期值|目标数|计划数|工作目标|考核目标)$")),
    ("measure_unit", re.compile(r"(?:计量|度量)?单位$")),
)

# --- funds sentences of a report ------------------------------------------------------------
# What an amount in a report's prose is ("年初批复预算8个项目985万元", "支出共计87.06万元",
# "实际到位资金334.67万元"): the word nearest before it says its role (the longest word wins
# where two end at the same place: "执行预算数" is an execution, "预算数" a budget).  Read by
# perfnb.reading.fundstext; a word added here is understood in every report source.
FUNDS_EXECUTED = "executed"     # spent: 全年执行数
FUNDS_BUDGET = "budget"         # a budget not said to be the initial or the adjusted one
FUNDS_RECEIVED = "received"     # funds that arrived (到位): NOT spent, never an execution
FUNDS_CARRYOVER = "carryover"   # 上年结转: added to this year's budget when no 全年 figure is given
FUNDS_INCOME = "income"         # 决算 收入: neither a budget nor an execution
FUNDS_ROLE_WORDS: dict[str, tuple[str, ...]] = {
    FUNDS_EXECUTED: ("执行数", "执行预算数", "执行金额", "执行资金", "实际执行", "执行", "支出",
                     "已支出", "实际支出", "支付", "已支付", "完成支付", "支付资金", "使用",
                     "使用资金", "实际使用", "利用", "实际利用", "花费", "开支", "列支", "完成投资",
                     "完成预算资金", "完成资金", "执行预算"),
    FUNDS_BUDGET: ("预算", "预算数", "预算资金", "预算金额", "预算额", "预算支出", "批复", "批复资金",
                   "安排", "安排资金", "下达", "下达资金", "资金总额", "年度资金", "总投资",
                   "计划投资", "核定", "申请", "申请资金", "申请预算资金", "拨款", "调整为", "调整后",
                   "调增至", "调减至", "调整至"),
    FUNDS_RECEIVED: ("到位", "到位资金", "到账", "收到", "拨入", "拨付到位"),
    FUNDS_CARRYOVER: ("上年结转", "结转结余", "上年结余", "以前年度结转", "结转资金", "上年度结转"),
    FUNDS_INCOME: ("收入",),
}
# Words in front of a budget amount that say which budget it is (the nearest one counts).
FUNDS_INITIAL_WORDS = ("年初",)
FUNDS_ADJUSTED_WORDS = ("调整", "调增", "调减", "追加", "全年", "变更后")
# Totals ("共计239万元"): no role of their own; alone (no role word before) read as a budget.
FUNDS_TOTAL_WORDS = ("共计", "合计", "总计", "累计", "总额", "共")
# A part of a figure given just before ("其中上级资金179.25万元", "（含1个结转项目50万元）").
FUNDS_PART_WORDS = ("其中", "含", "包括", "包含")        # opening a bracket
FUNDS_PART_SCOPE_WORDS = ("其中", "包括", "包含")        # to the end of the sentence
# A rate per head, not an amount ("按生均1000元安排", "500元/人").
FUNDS_PER_UNIT_WORDS = ("生均", "人均", "户均", "每生", "每人", "每户", "每名", "每个", "每", "标准")
FUNDS_PER_UNIT_AFTER = ("/", "／", "每")
# A paragraph about the 决算 (final accounts): its 收入/支出 are not a budget and its execution.
FUNDS_FINAL_ACCOUNT_WORDS = ("决算",)
# Money units -> factor to 万元 (the forms' unit).
MONEY_UNITS = {"亿元": 1e4, "万元": 1.0, "千元": 0.1, "元": 1e-4}
# An indicator that is the budget execution itself (a form that scores the budget under 项目管理
# and prints no 分值 in its funds block): scored once, from the funds' rate.
BUDGET_RATE_INDICATOR_NAMES = ("预算执行率", "资金执行率", "项目预算执行率", "预算资金执行率", "资金预算执行率")
# An execution rate as printed ("预算执行率88.49%", "支付率为60.8%").
EXECUTION_RATE_WORDS = ("预算执行率", "资金执行率", "执行率", "支付率", "支出率", "资金使用率")

# Funds headings no synonym lists, read by their parts (an OCR'd "年初预匏数", "调整预算将,A、"
# for 年初预算数 / 调整预算数(A)): the first characters say the column, the rest may be garbled.
# Reported as HEADER_INFERRED with the printed heading.
FUNDS_HEADER_ROLE_RULES: tuple[tuple[str, re.Pattern], ...] = (
    ("initial", re.compile(r"^年初预\S{0,3}$")),
    ("adjusted", re.compile(r"^(?:调整后?|全年)预\S{0,6}$")),
    ("executed", re.compile(r"^(?:全年|实际)执行\S{0,3}$")),
)

# Notes in brackets after a heading, told by what they hold, not by their length: a unit or
# points ("（万元）", "(%)", "(10分)", "(≥台)"), a formula or a letter naming the column
# ("(B/A)", "(A)", "（20分*执行率）", "(公式计算结果=x)"), a column number ("(八)"), or an
# explanation ("(文字描述)", "(100字以内)", "（注：…）").  A bracket holding anything else is
# part of the heading unless the text before it is a known heading (headers.header_key).
_NOTE_UNITS = sorted({*MONEY_UNITS, *MEASURE_WORDS, "%", "％", "‰", "分", "月", "百分比", "万美元",
                      "平方米", "立方米", "kw", "km", "t"}, key=len, reverse=True)
HEADING_NOTE_RES: tuple[re.Pattern, ...] = (
    # a unit or points, with the figure or comparison a template prints ("≥**平方米", "11kw")
    re.compile(r"^[≥≤><＞＜=＝]?[\d.*＊]*\s*(?:" + "|".join(map(re.escape, _NOTE_UNITS)) + r")$",
               re.IGNORECASE),
    re.compile(r"^\d+(?:\.\d+)?$"),                                  # points or a number
    re.compile(r"[=＝/／*＊×÷+]|公式|计算"),                             # a formula
    re.compile(r"^(?:[A-Za-z]\d?|[一二三四五六七八九十]{1,3})$"),          # a column's letter/number
    re.compile(r"^(?:注|说明|含|即|按|指|如|包括|其中)|(?:字以内|描述|说明|可选项|选填|必填)$"),  # an explanation
)

# --- findings and dates ---------------------------------------------------------------------

SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
# A year as printed ("2022年", "（2022年度）").
YEAR_RE = re.compile(r"((?:19|20|21)\d{2})\s*年")
# A year a name carries: "2023年…", "…2023年度…", "2023 年", "（2023）", "【2023】" (matched after
# NFKC, which makes full-width digits and brackets ASCII).  A report does not say the year
# again after a project name that carries it.
NAMED_YEAR_RE = re.compile(r"(?<!\d)((?:19|20|21)\d{2})\s*年|[(\[【〔]\s*((?:19|20|21)\d{2})\s*[)\]】〕]")


def named_years(text) -> set[int]:
    """The years ``text`` (a project name) carries: {2023} for "2023年高标准农田建设项目"."""
    normal = unicodedata.normalize("NFKC", "" if text is None else str(text))
    return {int(plain or bracketed) for plain, bracketed in NAMED_YEAR_RE.findall(normal)}


def dimension_of(text: str, table=LEVEL2_DIMENSION_WORDS) -> str:
    """The dimension whose words ``text`` contains (first match of ``table``), '' if none."""
    for words, dimension in table:
        if any(word in text for word in words):
            return dimension
    return ""
