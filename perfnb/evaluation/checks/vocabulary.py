"""The words the red-flag checks look for, declared once (issue 19).

The target-quality and spending checks (:mod:`.targets`, :mod:`.spending`) and the checks
across units and years (:mod:`perfnb.evaluation.redflags`) read indicator names, targets and
actuals as written.  Which words count is data: change them here, not in the conditions.
Each tuple is matched as a substring of the text with spaces removed (``_plain``).
"""
from __future__ import annotations

# -- MONEY_AS_OUTPUT: a 数量 indicator that only measures money paid or budget executed --
QUANTITY_LEVEL2_WORD = "数量"                   # the 二级指标 of quantity indicators
MONEY_NOUNS = ("资金", "经费", "预算", "拨款", "款项", "补助金", "奖补金")
PAYMENT_WORDS = ("拨付", "支付", "兑付", "执行", "到位", "金额", "支出", "使用额", "下达")
MONEY_UNITS = ("元", "万元", "亿元", "千元")      # a measure unit that is an amount of money

# -- COST_WITHOUT_CEILING: a 成本 indicator written as a floor (≥17.4万元) ------------------
COST_LEVEL2_WORD = "成本"
# A floor is right for these: a minimum subsidy standard (人均补助标准 ≥89元), a saving.
FLOOR_COST_WORDS = ("标准", "节约", "节省", "节支", "降低", "下降", "减少", "压减")

# -- UNVERIFIABLE_TARGET: words of intent, not of measure ---------------------------------
QUANTITATIVE_KIND_WORD = "定量"
VAGUE_WORDS = ("提高", "提升", "加强", "有效", "明显", "显著", "改善", "促进", "增强", "进一步",
               "不断", "稳步", "逐步")

# -- UNIFORM_TARGETS: benefit and satisfaction targets all one round figure -----------------
UNIFORM_LEVEL1 = ("效益指标", "满意度指标")
# a column of the form stating how a figure is computed (reading/headers.py canonical name)
BASIS_EXTRA_COLUMNS = ("scoring_method",)

# -- SATISFACTION_WITHOUT_SURVEY -----------------------------------------------------------
SATISFACTION_LEVEL1 = "满意度指标"
SATISFACTION_WORD = "满意"
NO_SURVEY_WORDS = ("无投诉", "未收到投诉", "零投诉", "没有投诉", "未发生投诉", "未接到投诉",
                   "无有效投诉", "无不满", "未收到不满", "无负面反映", "未发现不满")
SURVEY_WORDS = ("问卷", "调查", "测评", "抽样", "回访")  # an actual naming its survey is one

# -- NO_UNIT: a quantitative target without a unit of measure ------------------------------
# A name that already says what it counts or that the figure has no unit.
UNIT_IN_NAME_ENDINGS = ("数", "数量", "次数", "批次", "个数", "人数", "人次", "率", "比例", "比率",
                        "系数", "指数", "占比", "年限", "天数", "次")
UNIT_IN_NAME_BRACKETS = ("（", "(")         # "任务完成时限（月）": the unit is in brackets
DIMENSIONLESS_WORDS = ("系数", "指数", "MQI", "PQI", "倍")

# -- NO_COST_INDICATOR ---------------------------------------------------------------------
# (uses COST_LEVEL2_WORD)

__all__ = [name for name in dir() if name.isupper()]
