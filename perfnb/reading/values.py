"""Parse the values written in 绩效自评表 cells: targets, actuals, labels.

``parse_value("≥95%优")`` -> ``ParsedValue(operator=">=", number=95.0, unit="%", grade="优", …)``.
The parser never raises: a value it cannot use carries a Chinese ``problem`` that the
loaders turn into an :class:`perfnb.errors.InputError` with the cell's location.
"""
from __future__ import annotations

import calendar
import dataclasses
import datetime
import functools
import math
import re
import unicodedata
from dataclasses import dataclass

from perfnb.vocabulary import (ACHIEVED, ACHIEVEMENT_LEVELS, ACHIEVEMENT_WORDS, GRADE_SCALE,
                               GRADE_SUFFIX_WORDS, GRADE_WORDS, MEASURE_WORDS, NOT_ACHIEVED,
                               OPERATOR_WORDS, PARTIAL, UNIT_MULTIPLES, UNIT_PREFIXES,
                               UNIT_SYNONYMS)
  # noqa: F401 (ACHIEVEMENT_LEVELS: re-exported)

# Grade scale, achievement levels and operator words: perfnb.vocabulary.
_OPERATOR_WORDS = OPERATOR_WORDS
_OPERATOR_RE = re.compile("|".join(re.escape(word) for word, _ in _OPERATOR_WORDS))
_OPERATOR_OF = dict(_OPERATOR_WORDS)
# An operator counts only before a number (or a grade: "≥良"): "(≥**人)" inside a name or a
# sentence's "高于" is text.
_OPERAND_RE = re.compile(r"\s*(?:[-+]?\.?\d|[优良中低差])")
# Approximate comparison signs: a target must not use them.  Words only next to a number:
# "约5", "5左右" (but "厉行节约" is a sentence).
_UNKNOWN_OPERATOR_RE = re.compile(r"(?:[≈≒~～∽]|大约|约)\s*\d|\d[^\d\s]{0,4}?(左右|上下)")
# Units of a deadline: "2023年12月", "2023年12月31日前", "2023-12-31", "2023.12".
_DATE_RE = re.compile(
    r"^(?:于|在)?(?:((?:19|20)\d{2})\s*(?:年|[-./])\s*(\d{1,2})\s*(?:月|[-./]?)|(\d{1,2})\s*月)"
    r"\s*(?:(\d{1,2})\s*[日号]?)?\s*(?:份)?\s*(?:底|末|中旬|上旬|下旬)?\s*"
    r"(?:前|之前|以前|完成|内|止)?$")
# The year of a date written without one ("9月前"): taken from the other date of the pair.
NO_YEAR = 1
_EXPONENT_RE = re.compile(r"^[-+]?\d+(?:\.\d+)?[eE][-+]?\d+$")
# Endings that state the operator: "3天以内" is "≤3天", "95%以上" is "≥95%".
_CEILING_ENDINGS = ("及以下", "以下", "以内", "之内", "内")
_FLOOR_ENDINGS = ("及以上", "以上")

_NUMBER_RE = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+")
# The approximate words themselves, taken out before the number is read.
_APPROXIMATE_WORD_RE = re.compile(r"[≈≒~∽]|大约|约|左右|上下")
# A range: "3-5次", "90%-95%", "10~15天", "3至5个" (NFKC has made "～" "~").
_RANGE_RE = re.compile(r"^(\D{0,2}?)(\d+(?:\.\d+)?)\s*(%|[^\d\s.,~至到-]{0,3})\s*(-|—|–|~|至|到)\s*"
                       r"(\d+(?:\.\d+)?)\s*(%|[^\d\s]{0,6})$")
# A count in Chinese numerals before its measure word: "十二个月", "两次", "三万人次" (not
# "第四季度", an ordinal, nor "十分", a degree).
_MEASURE_WORDS = MEASURE_WORDS
_CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
                   "六": 6, "七": 7, "八": 8, "九": 9}
_BARE_UNITS = ("百", "千")
_CHINESE_COUNT_RE = re.compile(
    r"(?<!第)([零〇一二两三四五六七八九十百千]+)(?=万?(?:"
    + "|".join(sorted(map(re.escape, _MEASURE_WORDS), key=len, reverse=True)) + "))")


def chinese_number(numeral: str) -> float:
    """A number written in Chinese numerals: "十二" -> 12, "一百零五" -> 105, "两" -> 2,
    "三点五" -> 3.5, "一二" -> 12 (read digit by digit), "百" -> 100.  Raises ValueError for
    what is not a numeral ("一万万").  The one converter of reading (cn2an: a maintained
    converter that also reads 万/亿 and decimals)."""
    if numeral and all(ch in _CHINESE_DIGITS for ch in numeral):
        return float("".join(str(_CHINESE_DIGITS[ch]) for ch in numeral))
    import cn2an   # here, not at import time: 0.12 s, and most forms print no such numeral

    if numeral[:1] in _BARE_UNITS:        # "百人", "千米": cn2an wants the leading 一
        numeral = "一" + numeral
    try:
        return float(cn2an.cn2an(numeral, "normal"))
    except (KeyError, IndexError) as error:
        raise ValueError(numeral) from error


_NOT_APPLICABLE = {"/", "-", "--", "—", "——", "无", "不适用", "n/a", "na", "#n/a", "／", "\\"}

_ACHIEVEMENT_WORDS = ACHIEVEMENT_WORDS
_ACHIEVEMENT_RE = re.compile("|".join(re.escape(word) for word, _ in _ACHIEVEMENT_WORDS))
_ACHIEVEMENT_OF = dict(_ACHIEVEMENT_WORDS)

_GRADE_WORDS = GRADE_WORDS
_GRADE_SUFFIX_RE = re.compile("(" + "|".join(GRADE_SUFFIX_WORDS) + ")$")
_SCALE_RE = re.compile(r"^[优良中低差](?:[、/，,\s|]*[优良中低差]){1,4}$")
_PUNCT_RE = re.compile(r"[\s:：,，。;；、()（）\[\]【】\"“”'‘’]+")


@dataclass(frozen=True)
class ParsedValue:
    """One cell's value, taken apart.

    ``operator`` is one of ``perfnb.model.OPERATORS`` or None; ``number`` a float or None;
    ``unit`` the text after the number ("%", "万元", "个月"); ``grade`` a grade (优 良 中 低 差)
    or an achievement level (达成 部分达成 未达成); ``scale`` is True for a whole scale such as
    "优良中低差" (its target grade is the best one); ``problem`` a Chinese description of why the
    value cannot be used, or None.
    """

    operator: str | None
    number: float | None
    unit: str
    grade: str | None
    text: str
    not_applicable: bool = False
    scale: bool = False
    problem: str | None = None
    date: datetime.date | None = None     # a deadline or completion date (its last day)
    approximate: str | None = None        # the word that made it approximate: 约, 左右, ≈ …
    range_high: float | None = None       # a range "3-5次": number is 3, range_high 5
    ocr: str | None = None                # letters read as digits ("IO" -> 10): the text as written

    @property
    def is_blank(self) -> bool:
        return not self.text and self.number is None


def normalise_text(value) -> str:
    """A cell's text as written, trimmed ('' for None/NaN)."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value).strip()


def _nfkc(text: str) -> str:
    """Full-width digits, letters and signs made ASCII ("１２％" -> "12%"), for parsing only."""
    return unicodedata.normalize("NFKC", text)


def clean_label(value) -> str:
    """A label for matching: NFKC form, every whitespace character (spaces, newlines) removed."""
    if isinstance(value, str):
        return _clean_text_label(value)
    return _SPACES_RE.sub("", _nfkc(normalise_text(value)))


_SPACES_RE = re.compile(r"\s+")


@functools.lru_cache(maxsize=16384)
def _clean_text_label(text: str) -> str:
    return _SPACES_RE.sub("", _nfkc(text.strip()))


# A pinyin reading a mirror site inserted after a character ("區(qū)", "單位(dān wèi)"): a
# bracket right after a Chinese character holding lower-case syllables with a vowel (tone marks
# included) — "(A)"/"(B)" column notes and units such as "(km)" are no readings.
_PINYIN_LETTERS = "a-z\u00e0-\u00fc\u0101-\u01dc"
PINYIN_ANNOTATION_RE = re.compile(
    rf"(?<=[\u4e00-\u9fff])[(（](?=[^)）]*[aeiouüāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ])"
    rf"[{_PINYIN_LETTERS}]{{1,6}}(?: [{_PINYIN_LETTERS}]{{1,6}})*[)）]")


@functools.lru_cache(maxsize=16384)
def simplified(text: str) -> str:
    """``text`` as simplified Chinese without inserted pinyin readings: the form of a heading
    for matching when a mirror printed it in traditional characters ("三級(jí)指標(biāo)" ->
    "三级指标").  OpenCC's phrase-aware t2s (a well-kept converter; 顯著 -> 显著, 著力 stays)
    is imported only when a character outside plain ASCII/simplified use is met."""
    text = PINYIN_ANNOTATION_RE.sub("", text)
    if text.isascii():
        return text
    import opencc
    return _converter(opencc).convert(text)


@functools.lru_cache(maxsize=1)
def _converter(opencc):
    return opencc.OpenCC("t2s")


def _to_float(text: str) -> float:
    return float(text.replace(",", ""))


def _grade_of(text: str) -> str | None:
    """The grade or achievement level a short text names, if any."""
    stripped = _PUNCT_RE.sub("", text)
    if not stripped:
        return None
    for suffix in ("等级", "级", "等"):
        if stripped.endswith(suffix) and stripped[: -len(suffix)] in _GRADE_WORDS:
            stripped = stripped[: -len(suffix)]
    if stripped in _GRADE_WORDS:
        return _GRADE_WORDS[stripped]
    match = _ACHIEVEMENT_RE.search(stripped)
    if match:
        return _ACHIEVEMENT_OF[match.group(0)]
    return None


def parse_value(value) -> ParsedValue:
    """Take a target, actual or other value apart (see :class:`ParsedValue`).

    Accepts text as written ("≥4", "≤2255万元", "大于等于4", "不低于95%", "12个月", "1,972.41",
    "优", "达成预期指标", "优良中低差", "/") and numbers as Excel gives them (int, float).
    A text is taken apart once per read (the result is frozen): long tables repeat their
    targets and units ("100%", "≥95%", "是"), and parsing was most of a 20,000-row CSV's time.
    """
    if isinstance(value, str):
        return _parse_text(value)
    return _parse_value(value)


@functools.lru_cache(maxsize=16384)
def _parse_text(value: str) -> ParsedValue:
    return _parse_value(value)


def _parse_value(value) -> ParsedValue:
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        if math.isnan(number):
            return ParsedValue(None, None, "", None, "")
        text = str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)
        return ParsedValue(None, number, "", None, text)
    text = normalise_text(value)
    if not text:
        return ParsedValue(None, None, "", None, "")
    compact = re.sub(r"\s+", "", _nfkc(text))
    if compact.lower() in _NOT_APPLICABLE:
        return ParsedValue(None, None, "", None, text, not_applicable=True)
    if _SCALE_RE.match(compact):
        return ParsedValue(None, None, "", GRADE_SCALE[0], text, scale=True)
    if _EXPONENT_RE.match(compact):
        number = float(compact)
        if math.isinf(number) or (number != 0 and abs(number) < 1e-300):
            return ParsedValue(None, None, "", None, text,
                               problem=f"“{text}”超出了可用的数字范围")
        return ParsedValue(None, number, "", None, text)
    if _LATIN_RE.search(compact) and not is_sentence(text):
        fixed, letters = ocr_digits(compact)
        if fixed is not None:
            return dataclasses.replace(parse_value(fixed), text=text, ocr=text)
        if letters is not None:
            return ParsedValue(None, None, "", None, text,
                               problem=f"“{text}”中的“{letters}”不是数字，无法读出数值")

    if not is_sentence(text):
        compact = _CHINESE_COUNT_RE.sub(lambda m: f"{chinese_number(m.group(1)):g}", compact)
    operators = [m for m in _OPERATOR_RE.finditer(compact) if _OPERAND_RE.match(compact, m.end())]
    operator = None
    rest = compact
    if operators:
        match = operators[0]
        operator = _OPERATOR_OF[match.group(0)]
        rest = compact[: match.start()] + compact[match.end():]
        if len(operators) > 1:
            if is_sentence(text):
                return ParsedValue(None, None, "", _grade_of(compact), text)
            return ParsedValue(operator, None, "", None, text,
                               problem=f"“{text}”中有两个比较符号，无法判断取值方向")
    date = _date_of(rest)
    if date is not None:
        return ParsedValue(operator or "<=", None, "", None, text, date=date)
    problem = None
    range_match = None if operator else _RANGE_RE.match(rest)
    if range_match and _to_float(range_match.group(2)) < _to_float(range_match.group(5)):
        # "3-5次", "90%~95%", "10至15天": the low end is the number, the high end kept
        low, high = _to_float(range_match.group(2)), _to_float(range_match.group(5))
        unit = normalise_unit(_unit_of(range_match.group(6) or range_match.group(3)))
        return ParsedValue(None, low, unit, None, text, range_high=high)
    approximate = None
    unknown = _UNKNOWN_OPERATOR_RE.search(rest)
    if unknown and not operator:
        # "约95%", "95%左右": read as the number, and said (APPROXIMATE_VALUE)
        approximate = unknown.group(1) or re.sub(r"[\d.%]", "", unknown.group(0)).strip() or "约"
        rest = _APPROXIMATE_WORD_RE.sub("", rest)

    number_match = _NUMBER_RE.search(rest)
    if number_match is None:
        grade = _grade_of(rest)
        return ParsedValue(operator, None, "", grade, text, problem=problem)
    number = _to_float(number_match.group(0))
    suffix = rest[number_match.end():]
    grade = None
    # "95%优": a grade word after the unit.
    grade_match = _GRADE_SUFFIX_RE.search(suffix)
    if grade_match and grade_match.start() <= 3:
        grade = _GRADE_WORDS[grade_match.group(1)]
        suffix = suffix[: grade_match.start()]
    achievement = _ACHIEVEMENT_RE.search(suffix)
    if achievement:
        grade = grade or _ACHIEVEMENT_OF[achievement.group(0)]
    if operator is None:
        if suffix.endswith(_CEILING_ENDINGS) and not suffix.endswith("年内"):
            operator = "<="
        elif suffix.endswith(_FLOOR_ENDINGS):
            operator = ">="
    unit = normalise_unit(_unit_of(suffix))
    if is_sentence(text) and len(_NUMBER_RE.findall(rest)) > 1:
        # a sentence with several figures ("新建收容所1间200平方米，围栏120米"): its words, not a number
        return ParsedValue(None, None, "", grade, text)
    return ParsedValue(operator, number, unit, grade, text, problem=problem,
                       approximate=approximate)


_CJK_RE = re.compile(r"[\u4e00-\u9fff]")

# ---------------------------------------------------------------------------------------------
# Numbers from OCR'd documents: letters that look like digits

_LATIN_RE = re.compile(r"[A-Za-z]")
# Letters OCR reads for digits: O/o for 0, I/l for 1.  Nothing else is guessed.
OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1"})
# A value with one run of letters and digits: its prefix (operator words) and suffix (units,
# 以上 …) hold neither.
_VALUE_TOKEN_RE = re.compile(r"^(?P<pre>[^A-Za-z\d]*?)(?P<token>[A-Za-z\d][A-Za-z\d.,]*)"
                             r"(?P<post>[^A-Za-z\d]*)$")
# Latin units written after a number ("5km", "100m2", "3A级" is a grade of its own).
_LATIN_UNIT_RE = re.compile(r"(?:km2|km|m2|m3|kg|mg|ml|kwh|kw|mw|gb|mb|tb)$", re.IGNORECASE)
# A token of letters only is read as digits when it is short and has an O ("IO", "O", "lO"):
# "II", "III" (Roman numerals, NFKC's "Ⅲ") stay text.
MAX_OCR_LETTERS = 3


def ocr_digits(compact: str) -> tuple[str | None, str | None]:
    """A value whose number was read by OCR with letters for digits.

    Returns (the value with the digits restored, None) for "IO" -> "10", "l00%" -> "100%",
    "≥lO万元" -> "≥10万元", "O" -> "0"; (None, the letters) for a number with other letters in
    it ("M.8万元", "1S0"), which is unreadable, never guessed; (None, None) for anything else
    (words, a unit after the number: "5km", "4A级")."""
    match = _VALUE_TOKEN_RE.match(compact)
    if not match:
        return None, None
    token = match["token"]
    stem = _LATIN_UNIT_RE.sub("", token) if re.search(r"\d", token[:1] or "") or \
        re.match(r"[\dOoIl.,]+", token) else token
    last_digit = max((i for i, ch in enumerate(stem) if ch.isdigit()), default=-1)
    if last_digit < 0:
        # letters only: "IO", "O", "lO" are digits; anything else is a word
        if stem == token and len(stem) <= MAX_OCR_LETTERS and re.fullmatch(r"[OoIl]+", stem) \
                and re.search(r"[Oo]", stem):
            return match["pre"] + stem.translate(OCR_DIGITS) + match["post"], None
        return None, None
    zeros = re.match(r"[Oo]+(?![A-Za-z])", stem[last_digit + 1:])
    if zeros:                      # "3O", "1O个": an O after the digits is a 0, not a unit
        last_digit += zeros.end()
    head, tail = stem[:last_digit + 1], token[last_digit + 1:]
    letters = "".join(ch for ch in head if _LATIN_RE.match(ch))
    if not letters or re.match(r"[A-Za-z]{2,}\d", head):
        return None, None          # a unit after the number ("5km", "3A"), a code ("PM2.5")
    if all(ch in "OoIl" for ch in letters) and re.fullmatch(r"[\dOoIl]+(?:[.,][\dOoIl]+)*", head):
        return match["pre"] + head.translate(OCR_DIGITS) + tail + match["post"], None
    return None, letters


def is_sentence(text) -> bool:
    """True for a text that says something in words (8 or more Chinese characters), as
    targets and actuals often do ("严格执行相关制度规定"), rather than a value with a unit."""
    return len(_CJK_RE.findall(normalise_text(text))) >= 8


def _date_of(text: str) -> datetime.date | None:
    """The date a deadline names ("2023年12月" -> 2023-12-31, its last day), or None."""
    match = _DATE_RE.match(text)
    if not match:
        return None
    year = int(match.group(1)) if match.group(1) else NO_YEAR
    month = int(match.group(2) or match.group(3))
    if not 1 <= month <= 12:
        return None
    last = calendar.monthrange(2000 if year == NO_YEAR else year, month)[1]
    day = int(match.group(4)) if match.group(4) else last
    if not 1 <= day <= last:
        return None
    return datetime.date(year, month, day)


def deadline_level(target: datetime.date, actual: datetime.date) -> str:
    """A deadline's achievement: done by the deadline 达成; within a month after 部分达成.
    A date written without its year ("9月前") takes the other's year."""
    if target.year == NO_YEAR and actual.year != NO_YEAR:
        target = _with_year(target, actual.year)
    elif actual.year == NO_YEAR and target.year != NO_YEAR:
        actual = _with_year(actual, target.year)
    if actual <= target:
        return ACHIEVED
    if (actual - target).days <= 31:
        return PARTIAL
    return NOT_ACHIEVED


# A budget-system code before a unit's name: "219-池州市…", "314002-成安县…", "[155]…", "【155】…"
_DEPARTMENT_CODE_RE = re.compile(r"^\s*(?:[\[【［(（]\s*\d+\s*[\]】］)）]|\d{2,}\s*[-－—_、.．\s])\s*")


def department_name(text) -> str:
    """A 主管部门 without the budget-system code printed before it (for grouping units by
    department; the name as printed is kept for display): "219-池州市贵池区棠溪镇人民政府" ->
    "池州市贵池区棠溪镇人民政府"."""
    name = normalise_text(text)
    stripped = _DEPARTMENT_CODE_RE.sub("", name, count=1)
    return stripped or name


def _with_year(date: datetime.date, year: int) -> datetime.date:
    return date.replace(year=year, day=min(date.day, calendar.monthrange(year, date.month)[1]))


def normalise_unit(unit: str) -> str:
    """A measure unit as printed, in one spelling: "%(百分比)", "百分比", "％" -> "%"."""
    text = clean_label(unit)
    if not text:
        return ""
    if text in ("%", "％", "百分比", "百分率") or text.startswith(("%", "％", "百分比")):
        return "%"
    return re.sub(r"[(（][^()（）]*[)）]$", "", text) or text


# NFKC writes ㎡ as "m2", ㎥ as "m3"; "万m2" is 万平方米.
_SQUARE_METRE_RE = re.compile(r"^(万?)m([23])$")
_UNIT_RE = re.compile(r"^(%|‰|[^\d\s,，。;；、()（）]{1,4}?)(?:以上|以下|以内|及以上|及以下|左右)?$")


def _unit_of(suffix: str) -> str:
    """The measure unit in the text after a number ("万元", "个月", "%"), '' if none."""
    suffix = suffix.strip()
    if not suffix:
        return ""
    for tail in ("及以上", "及以下", "以上", "以下", "以内", "之内", "左右", "内"):
        if suffix.endswith(tail) and len(suffix) > len(tail):
            suffix = suffix[: -len(tail)]
            break
    suffix = _SQUARE_METRE_RE.sub(lambda m: m.group(1) + ("平方米" if m.group(2) == "2" else "立方米"),
                                  suffix)
    if suffix.startswith("%"):
        return "%"
    match = re.match(r"^[^\d\s,，。;；、()（）]{1,4}", suffix)
    if match and len(suffix) <= 4:
        return match.group(0)
    # compound units: 元/人·月, 万元/公里, 人次/年
    if re.fullmatch(r"[^\d\s,，。;；、()（）]{1,3}(?:[/／·每][^\d\s,，。;；、()（）/／·]{1,3}){1,2}", suffix):
        return suffix
    return ""


# ---------------------------------------------------------------------------------------------
# Units of a target and its actual

_UNIT_SYNONYMS, _UNIT_PREFIXES, _UNIT_MULTIPLES = UNIT_SYNONYMS, UNIT_PREFIXES, UNIT_MULTIPLES


def _unit_base(unit: str) -> tuple[str, float]:
    """(base unit, factor): "万元" -> ("元", 1e4), "公里" -> ("米", 1000), "%" -> ("%", 1)."""
    unit = _UNIT_SYNONYMS.get(unit, unit)
    factor = 1.0
    for prefix, scale in _UNIT_PREFIXES.items():
        if unit.startswith(prefix) and len(unit) > len(prefix) and unit != "千米":
            unit, factor = _UNIT_SYNONYMS.get(unit[len(prefix):], unit[len(prefix):]), scale
            break
    if unit in _UNIT_MULTIPLES:
        base, scale = _UNIT_MULTIPLES[unit]
        unit, factor = base, factor * scale
    return unit, factor


def same_unit(a: str, b: str) -> bool:
    """True when two written units mean the same unit ("个月" and "月", "场" and "场次")."""
    a, b = _UNIT_SYNONYMS.get(a, a), _UNIT_SYNONYMS.get(b, b)
    return a == b or (bool(a) and bool(b) and (a.startswith(b) or b.startswith(a))
                      and _unit_base(a)[1] == _unit_base(b)[1])


def unit_factor(from_unit: str, to_unit: str) -> float | None:
    """What a value in ``from_unit`` is multiplied by to be in ``to_unit`` ("元" -> "万元":
    0.0001, "米" -> "公里": 0.001), or None when they are not the same kind of unit."""
    if same_unit(from_unit, to_unit):
        return 1.0
    (base_from, scale_from), (base_to, scale_to) = _unit_base(from_unit), _unit_base(to_unit)
    if base_from != base_to or not base_from:
        return None
    return scale_from / scale_to


# ---------------------------------------------------------------------------------------------
# Labels of the indicator hierarchy

_LEADING_CODE_RE = re.compile(
    r"^(?:[A-Za-z]{1,2}\d*(?:[.\-]\d+)*|\d+(?:[.\-]\d+)*|[(（][一二三四五六七八九十\d]+[)）]"
    r"|[一二三四五六七八九十]+[、.．])[、.．:：\s]*")


def strip_code(label) -> str:
    """A label without whitespace and without a leading code ("C1数量指标" -> "数量指标")."""
    text = clean_label(label)
    stripped = _LEADING_CODE_RE.sub("", text, count=1)
    return stripped or text


def normalise_level1(label) -> str:
    """The 一级指标 name: "C产出指标", "产出", "满意度\\n指标" -> 产出指标 / 效益指标 / 满意度指标
    (also "產(chǎn)出指標(biāo)", a mirror's traditional characters with pinyin)."""
    text = simplified(strip_code(label))
    if "产出" in text:
        return "产出指标"
    if "效益" in text or text.startswith("效果"):
        return "效益指标"
    if "满意" in text:
        return "满意度指标"
    return text


def normalise_level2(label) -> str:
    """The 二级指标 name without code and whitespace ("E服务对象\\n满意度指标" -> 服务对象满意度指标),
    in simplified characters without a mirror's pinyin readings ("數(shù)量指標(biāo)" -> 数量指标)."""
    return simplified(strip_code(label))


def normalise_name(label) -> str:
    """The 三级指标 as written, on one line (newlines and repeated spaces removed, and a space
    between two Chinese characters: a line break a web page or a PDF turned into a space)."""
    text = normalise_text(label)
    text = re.sub(r"\s*\n\s*", "", text)
    text = re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "", text)
    return re.sub(r"\s{2,}", " ", text)


def declared_kind_of(text) -> str | None:
    """定量 / 定性 when the 指标性质 cell says so."""
    cleaned = clean_label(text)
    if "定量" in cleaned:
        return "定量"
    if "定性" in cleaned:
        return "定性"
    return None


def declared_direction_of(text) -> str | None:
    """正向 / 反向 when a cell says so."""
    cleaned = clean_label(text)
    if "反向" in cleaned or cleaned in ("逆向", "逆向指标"):
        return "反向"
    if "正向" in cleaned:
        return "正向"
    return None


def operator_of(text) -> str | None:
    """The operator a cell states alone ("≥", "大于等于", "="), None if it states none."""
    cleaned = clean_label(text)
    if not cleaned:
        return None
    match = _OPERATOR_RE.fullmatch(cleaned) or _OPERATOR_RE.fullmatch(cleaned.removesuffix("指标"))
    return _OPERATOR_OF[match.group(0)] if match else None
