"""The funds a report's sentences state: budget, execution and what they cannot give.

A 绩效自评报告 without a funds table says its money in prose, in many phrasings: "年初…预算
2,229.00万元，全年执行预算数为 1,972.41万元", "按生均1000元安排,共计239万元,其中上级资金179.25万元",
"财政安排支出共计87.06万元", "年初批复预算8个项目985万元(含1个年初结转结余项目50万元),调整预算
后项目预算861.46万元 … 实际到位资金334.67万元", "上年结转结余资金2万元,…下达…预算资金3万元",
"收入:792.22万元 … 支出:799.12万元" under a 决算 heading.  No list of phrasings keeps up, so
an amount is read by the structure of its sentence and the word classes of
:mod:`perfnb.vocabulary` (``FUNDS_*``):

* **Amounts**: Arabic (thousands separators allowed) or Chinese numerals (cn2an), in 元, 千元,
  万元 or 亿元, converted to 万元.  An amount after an operator ("≤2255万元": a target), a rate
  per head ("生均1000元", "500元/人") or a part of the figure before it ("其中…", "（含…）") is
  not a figure of the project.
* **Role**: the role word nearest before the amount (within ``MAX_ROLE_GAP`` characters, in
  the same sentence, after the previous amount): executed (执行数, 支出, 支付, 完成…), budget
  (预算, 安排, 批复, 下达 …), received (到位: never an execution), carried over (上年结转),
  income (收入).  Where two words end at the same place the longer wins ("执行预算数").  A budget
  is the initial one after 年初 and the adjusted one after 调整/全年; a bare total ("共计…") with
  no role word is read as a budget, with a note.
* **决算**: a sentence naming the 决算, or stating 收入, starts a passage (to the next heading)
  whose amounts are final accounts, not a budget and its execution: nothing is read from it.
* **Figures**: the first amount of each role counts.  The budget the rate is computed on is the
  adjusted one; failing that, a budget not said to be initial (a guess, noted), plus the amount
  carried over from last year when one is stated (a guess, noted).  Funds received are never
  the execution: when no execution is stated, the note says so and no rate is computed.

Every figure that required a guess comes with a note quoting its sentence
(:class:`FundsNote`), which the report reader records as a FUNDS_FROM_TEXT observation.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from perfnb import vocabulary as v
from perfnb.reading.values import chinese_number

__all__ = ["FundsNote", "TextFunds", "read_funds_sentences", "MAX_ROLE_GAP"]

# How far (characters) a role word may stand before its amount ("年初批复预算8个项目985万元":
# 5); a word further away belongs to another clause.
MAX_ROLE_GAP = 20
# How much of a sentence a note quotes around its amount (characters each side).
QUOTE_SPAN = 40

_UNITS = "|".join(sorted(v.MONEY_UNITS, key=len, reverse=True))
_DIGIT_CHARS = "零〇一二两三四五六七八九十"
_CHINESE_SCALES = {"万": 1e4, "亿": 1e8}
_AMOUNT_RE = re.compile(
    r"(?<![\d.,])(?P<arabic>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<unit>" + _UNITS + ")"
    r"|(?<![" + _DIGIT_CHARS + "百千万亿点])(?P<chinese>[" + _DIGIT_CHARS + "][" + _DIGIT_CHARS
    + r"百千万亿点]*)(?P<cunit>元)")
_SENTENCE_END_RE = re.compile(r"[。；;！!？?]")
# A heading run into the text ("…正常运转二、项目资金使用…", "(二)资金及…"): a sentence ends.
_INLINE_HEADING_RE = re.compile(r"(?=[一二三四五六七八九十]{1,3}、)|(?=[(（][一二三四五六七八九十]{1,3}[)）])")
_HEADING_RE = re.compile(r"^(?:[一二三四五六七八九十]{1,3}[、.．]|[(（][一二三四五六七八九十]{1,3}[)）])")
_RATE_RE = re.compile("(?:" + "|".join(sorted(v.EXECUTION_RATE_WORDS, key=len, reverse=True))
                      + r")(?:为|是|达到|达|[:：])?\s*([0-9]+(?:\.[0-9]+)?)\s*[%％]")
_OPERATORS = tuple(word for word, _ in v.OPERATOR_WORDS) + ("控制在", "以内")
_ROLE_WORDS = sorted(((word, role) for role, words in v.FUNDS_ROLE_WORDS.items() for word in words),
                     key=lambda pair: -len(pair[0]))

# Figure names (as the forms print them) for the notes.
FIGURE_LABELS = {"initial": "年初预算数", "adjusted": "全年预算数", "executed": "全年执行数",
                 "received": "到位资金"}


@dataclass
class FundsNote:
    """A figure read with a guess (or deliberately not read), quoting its sentence."""
    figure: str          # FIGURE_LABELS value
    amount: float        # 万元
    paragraph: int       # 1-based paragraph of the report's prose
    sentence: str
    reason: str


@dataclass
class TextFunds:
    initial: float | None = None
    adjusted: float | None = None
    executed: float | None = None
    reported_rate: float | None = None      # a fraction (0.8849)
    notes: list[FundsNote] = field(default_factory=list)

    @property
    def found(self) -> bool:
        """A budget was stated (an execution alone gives no rate: nothing to evaluate)."""
        return self.initial is not None or self.adjusted is not None


@dataclass
class _Amount:
    role: str
    value: float            # 万元
    paragraph: int
    sentence: str
    start: int
    bare_total: bool = False


def _number(match: re.Match) -> float | None:
    if match.group("arabic"):
        return float(match.group("arabic").replace(",", "")) * v.MONEY_UNITS[match.group("unit")]
    numeral, scale = match.group("chinese"), 1.0
    if "点" in numeral and numeral[-1] in _CHINESE_SCALES:     # "三点五亿": 3.5 × 亿
        numeral, scale = numeral[:-1], _CHINESE_SCALES[numeral[-1]]
    try:
        yuan = chinese_number(numeral) * scale
    except ValueError:
        return None          # not a numeral after all ("一万万元"): no guessed number
    return yuan * v.MONEY_UNITS["元"]


def _sentences(paragraph: str) -> list[str]:
    parts: list[str] = []
    for chunk in _INLINE_HEADING_RE.split(paragraph):
        parts.extend(piece for piece in _SENTENCE_END_RE.split(chunk) if piece.strip())
    return parts


def _role(context: str) -> tuple[str | None, bool]:
    """The role of an amount from the text before it (since the previous amount): the role
    word ending nearest the amount, the longest of those ending there; (None, False) if none
    is near.  The flag says the amount is a bare total ("共计…") read as a budget."""
    best: tuple[int, int, str] | None = None
    for word, role in _ROLE_WORDS:
        at = context.rfind(word)
        if at < 0:
            continue
        end = at + len(word)
        if len(context) - end > MAX_ROLE_GAP:
            continue
        key = (end, len(word), role)
        if best is None or key[:2] > best[:2]:
            best = key
    if best is not None:
        return best[2], False
    tail = context[-MAX_ROLE_GAP:]
    if any(word in tail for word in v.FUNDS_TOTAL_WORDS):
        return v.FUNDS_BUDGET, True
    return None, False


def _budget_kind(context: str) -> str:
    """initial / adjusted / budget: the qualifier nearest before a budget amount."""
    best = (-1, v.FUNDS_BUDGET)
    for words, kind in ((v.FUNDS_INITIAL_WORDS, "initial"), (v.FUNDS_ADJUSTED_WORDS, "adjusted")):
        for word in words:
            at = context.rfind(word)
            if at > best[0]:
                best = (at, kind)
    return best[1]


def _is_part(prefix: str) -> bool:
    """An amount after 其中/包括 in its sentence, or inside a bracket opened by 含/包括."""
    if any(word in prefix for word in v.FUNDS_PART_SCOPE_WORDS):
        return True
    opened = max(prefix.rfind("("), prefix.rfind("（"))
    closed = max(prefix.rfind(")"), prefix.rfind("）"))
    return opened > closed and prefix[opened + 1:].startswith(v.FUNDS_PART_WORDS)


def _quote(sentence: str, start: int) -> str:
    left = max(0, start - QUOTE_SPAN)
    text = sentence[left:start + QUOTE_SPAN].strip()
    return ("…" if left else "") + text + ("…" if start + QUOTE_SPAN < len(sentence) else "")


def _amounts(paragraphs: list[str]) -> tuple[list[_Amount], float | None]:
    found: list[_Amount] = []
    rate = None
    final_accounts = False
    for number, paragraph in enumerate(paragraphs, start=1):
        if _HEADING_RE.match(paragraph):
            final_accounts = False
        for sentence in _sentences(paragraph):
            if _HEADING_RE.match(sentence.strip()):
                final_accounts = False
            if any(word in sentence for word in v.FUNDS_FINAL_ACCOUNT_WORDS):
                final_accounts = True
            if rate is None and not final_accounts:
                match = _RATE_RE.search(sentence)
                if match:
                    rate = float(match.group(1)) / 100
            previous = 0
            here: list[_Amount] = []
            for match in _AMOUNT_RE.finditer(sentence):
                context = sentence[previous:match.start()]
                previous = match.end()
                value = _number(match)
                after = sentence[match.end():match.end() + 1]
                if value is None or context.rstrip().endswith(_OPERATORS + v.FUNDS_PER_UNIT_WORDS) \
                        or after.startswith(v.FUNDS_PER_UNIT_AFTER) \
                        or _is_part(sentence[:match.start()]):
                    continue
                role, bare = _role(context)
                if role is None:
                    continue
                if role == v.FUNDS_INCOME:
                    final_accounts = True
                if role == v.FUNDS_BUDGET and not bare:
                    role = _budget_kind(context)
                here.append(_Amount(role, round(value, 6), number, sentence, match.start(), bare))
            if not final_accounts:
                found.extend(here)
    return found, rate


def read_funds_sentences(paragraphs: list[str]) -> TextFunds:
    """The funds the paragraphs state (see the module doc)."""
    amounts, rate = _amounts(paragraphs)
    first: dict[str, _Amount] = {}
    for amount in amounts:
        first.setdefault(amount.role, amount)
    funds = TextFunds(reported_rate=rate)

    def note(figure: str, amount: _Amount, value: float, reason: str) -> None:
        funds.notes.append(FundsNote(FIGURE_LABELS[figure], value, amount.paragraph,
                                     _quote(amount.sentence, amount.start), reason))

    if "initial" in first:
        funds.initial = first["initial"].value
    if "adjusted" in first:
        funds.adjusted = first["adjusted"].value
    elif v.FUNDS_BUDGET in first:
        budget = first[v.FUNDS_BUDGET]
        carried = first.get(v.FUNDS_CARRYOVER)
        if carried is not None and funds.initial is None:
            total = round(budget.value + carried.value, 6)
            funds.adjusted = total
            note("adjusted", carried, total,
                 f"上年结转 {carried.value:g} 万元与本年预算 {budget.value:g} 万元相加，作为全年预算数 "
                 f"{total:g} 万元")
        elif funds.initial is None:
            funds.adjusted = budget.value
            reason = ("“共计”等合计数前没有写明是预算还是支出，按预算数读取" if budget.bare_total
                      else "报告没有区分年初预算与调整后（全年）预算，按全年预算数读取")
            note("adjusted", budget, budget.value, reason)
    if v.FUNDS_EXECUTED in first:
        funds.executed = first[v.FUNDS_EXECUTED].value
    elif v.FUNDS_RECEIVED in first and (funds.initial is not None or funds.adjusted is not None):
        received = first[v.FUNDS_RECEIVED]
        note("received", received, received.value,
             "到位是资金到达，不是支出，未作为全年执行数；报告没有写明执行数，执行率无法计算")
    return funds
