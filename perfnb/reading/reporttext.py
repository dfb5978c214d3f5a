"""What a 绩效自评报告's prose says: the sentences every report source shares.

A report (Word document, web page, plain text copied from a web page) carries, besides its
tables, the project and department in its title ("人大办公厅人大履职保障经费绩效自评报告") and
the signature line, the year, the budget sentences ("年初…预算2,229.00万元", "全年执行数
1,972.41万元", "预算执行率88.49%"), the reported total and grade ("得分为 97.6分，综合绩效级别为
“优”") and the 存在问题 / 后续工作计划 / 措施及办法 sections.  :func:`read_report_text` takes the
report's paragraphs (text outside its tables, one string per paragraph) and fills what the
tables did not give; every source of reports calls it with its own paragraphs.
"""
from __future__ import annotations

import math
import re

from perfnb.reading.assemble import LoadedUnit
from perfnb.reading.official import grade_in_conclusion
from perfnb.reading.fundstext import read_funds_sentences
from perfnb.model import UNWEIGHTED
from perfnb import vocabulary

__all__ = ["read_report_text", "budget_only", "REPORT_SUFFIXES", "YEAR_RE"]

NAN = math.nan
YEAR_RE = vocabulary.YEAR_RE
_TOTAL_RE = re.compile(r"(?:项目|综合|总体)(?:绩效)?(?:评价|自评)?(?:总)?得分(?:为|是|[:：])?\s*"
                       r"([0-9]+(?:\.[0-9]+)?)\s*分"
                       r"|自评总分(?:为|是|[:：])?\s*([0-9]+(?:\.[0-9]+)?)\s*分")
_GRADE_RE = re.compile(r"(?:绩效级别|评价等级|自评等级|绩效等级|评价结论|等级|级别|等次)"
                       r"(?:为|是|[:：])\s*[“\"「]?" + vocabulary.GRADE_WORD_PATTERN)
_HEADING1_RE = re.compile(r"^[一二三四五六七八九十]+[、.．]")
_HEADING2_RE = re.compile(r"^[(（][一二三四五六七八九十]+[)）]")
_DATE_RE = re.compile(r"^(?:(?:19|20|21)\d{2})\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?$")
_ORGANISATION_RE = re.compile(r"(?:办公厅|办公室|委员会|常委会|人民政府|中心|学校|中学|小学|大学|学院|医院|"
                              r"幼儿园|厅|局|委|院|部|办|所|站|馆|队|会)$")
_OWNER_END_RE = re.compile(r"办公厅|办公室|委员会|人民政府|中心|学校|中学|小学|大学|学院|医院|幼儿园|厅|局|委|院|部")
# The title is among a report's first paragraphs (a web page prints 索引号, 发布机构, 文号,
# 发布日期, 时效性 above it).
TITLE_PARAGRAPHS = 8
REPORT_SUFFIXES = ("绩效自评价报告", "绩效自评报告", "绩效评价报告", "自评价报告", "自评报告", "绩效报告")
# What a title says besides the owner and the project ("…2024年度项目支出绩效单位自评报告",
# "…专项资金绩效自评价报告"): left alone it names no project.
GENERIC_TITLE_WORDS = ("项目支出", "部门整体支出", "整体支出", "专项资金", "绩效", "单位", "部门", "项目")
# "我校2022年项目为一个:生均公用经费项目", "项目名称：…": the project a sentence names.
_PROJECT_SENTENCE_RE = re.compile(r"(?:项目名称|项目为|项目是)[^:：，,。；;]{0,4}[:：]\s*"
                                  r"([^，,。；;:：()（）\s]{2,30}?(?:项目|经费|资金))(?=[，,。；;()（）\s]|$)")
# An attachment number before a title ("附件3", "附件2：").
_ATTACHMENT_RE = re.compile(r"附件\s*(?:[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3}(?=[:：.、]))\s*[:：.、]?")
# A province-led place before the project in a title with no department ("四川省汶川县2021年
# 中央食品监管专项转移支付…"): a region, not the project's name.
_PLACE_PREFIX_RE = re.compile(r"^[^省]{1,6}省(?:[^市州省]{1,6}?(?:市|州))?(?:[^县区省]{1,6}?(?:县|区))?")
# The shortest beginning of an attachment's paragraph that ends with a report title word.
_RUN_IN_TITLE_RE = re.compile(r".{2,56}?(?:" + "|".join(REPORT_SUFFIXES) + ")")
# A heading run into the text after the title ("…自评价报告一、基本情况…").
_RUN_IN_HEADING_RE = re.compile(r"[一二三四五六七八九十]{1,3}、|[(（][一二三四五六七八九十]{1,3}[)）]")


def _sections(paragraphs: list[str]) -> dict[str, list[str]]:
    """Text under each heading ("一、…" and "（一）…"), keyed by the heading text."""
    sections: dict[str, list[str]] = {}
    current1 = current2 = None
    for text in paragraphs:
        if _HEADING1_RE.match(text) and len(text) <= 30:
            current1, current2 = text, None
            sections.setdefault(current1, [])
            continue
        if _HEADING2_RE.match(text) and len(text) <= 30:
            current2 = text
            sections.setdefault(current2, [])
            if current1:
                sections[current1].append(text)
            continue
        for heading in (current1, current2):
            if heading:
                sections[heading].append(text)
    return sections


def _section_text(sections: dict[str, list[str]], *words: str, level1: bool) -> str:
    pattern = _HEADING1_RE if level1 else _HEADING2_RE
    for heading, lines in sections.items():
        if pattern.match(heading) and any(word in heading for word in words):
            return "\n".join(lines)
    return ""


def _signature(paragraphs: list[str]) -> str | None:
    """The organisation on the signature line: the short paragraph above the closing date."""
    for index in range(len(paragraphs) - 1, 0, -1):
        if _DATE_RE.match(re.sub(r"\s+", "", paragraphs[index])):
            candidate = re.sub(r"\s+", "", paragraphs[index - 1])
            if len(candidate) <= 40 and _ORGANISATION_RE.search(candidate):
                return candidate
            return None
    return None


def _title(paragraphs: list[str]) -> str | None:
    for text in paragraphs[:TITLE_PARAGRAPHS]:
        compact = re.sub(r"\s+", "", text)
        attachment = _ATTACHMENT_RE.match(compact)
        if attachment:
            compact = compact[attachment.end():]
        heading = _RUN_IN_HEADING_RE.search(compact)
        if heading and heading.start() > 0:
            compact = compact[:heading.start()]      # the body runs on after the title
        if compact.endswith(REPORT_SUFFIXES) and len(compact) <= 60:
            return compact
        if attachment:
            # "附件3…绩效自评报告为进一步规范…": an attachment's title run into its first sentence
            run_in = _RUN_IN_TITLE_RE.match(compact)
            if run_in:
                return run_in.group(0)
    return None


def _read_funds(paragraphs: list[str], loaded: LoadedUnit) -> None:
    """The budget from the funds sentences (perfnb.reading.fundstext); each figure read with a
    guess is a FUNDS_FROM_TEXT observation quoting its sentence."""
    funds = read_funds_sentences(paragraphs)
    if not funds.found:
        return
    loaded.budget = {
        "initial": _or_nan(funds.initial), "adjusted": _or_nan(funds.adjusted),
        "executed": _or_nan(funds.executed), "weight": NAN,
        "reported_rate": round(funds.reported_rate, 10) if funds.reported_rate is not None else NAN,
        "reported_score": NAN, "reason": "", "sheet": None, "row": None}
    for note in funds.notes:
        loaded.observe("FUNDS_FROM_TEXT", figure=note.figure, amount=f"{note.amount:g}",
                       paragraph=note.paragraph, sentence=note.sentence, reason=note.reason)


def _or_nan(value: float | None) -> float:
    return NAN if value is None else value


def budget_only(paragraphs: list[str], file: str, layout: str) -> LoadedUnit | None:
    """A report without an indicator table whose text gives the funds ("年初预算数为…万元，全年
    执行数为…万元"): the budget alone, for an unweighted evaluation (no weights, no indicators,
    no total); None when the text gives no funds either."""
    loaded = LoadedUnit(source=file, layout=layout)
    read_report_text(paragraphs, loaded)
    if loaded.budget is None:
        return None
    loaded.unit["weighting"] = UNWEIGHTED
    return loaded


def read_report_text(paragraphs: list[str], loaded: LoadedUnit) -> None:
    """Fill what the tables did not give from the report's paragraphs (normalised texts, in
    reading order, blank ones left out)."""
    unit = loaded.unit
    title = _title(paragraphs)
    signature = _signature(paragraphs)
    if title:
        body = title
        for suffix in REPORT_SUFFIXES:
            if body.endswith(suffix):
                body = body[: -len(suffix)]
                break
        body = re.sub(r"[(（]?(?:19|20|21)\d{2}\s*年度?[)）]?", "", body)
        owner, project = None, body
        department = unit.get("department") or signature
        if department and body.startswith(department):
            owner, project = department, body[len(department):]
        else:
            # the owner ends at the last organisation word that leaves a project name
            ends = [m.end() for m in _OWNER_END_RE.finditer(body) if 2 <= m.start() and
                    len(body) - m.end() >= 2]
            if ends:
                owner, project = body[:ends[-1]], body[ends[-1]:]
            else:
                place = _PLACE_PREFIX_RE.match(body)
                if place and len(body) - place.end() >= 4:
                    project = body[place.end():]
        project = project.removesuffix("项目") if project.endswith("经费项目") else project
        if re.sub("|".join(GENERIC_TITLE_WORDS), "", project) == "":
            project = ""                               # "项目支出绩效单位": no project named
        if not unit.get("project"):
            for text in paragraphs:
                match = _PROJECT_SENTENCE_RE.search(text)
                if match:
                    unit["project"] = match.group(1)
                    break
        if not unit.get("project") and project:
            unit["project"] = project
        if not unit.get("implementing_unit") and owner:
            unit["implementing_unit"] = owner          # the unit whose report it is
        if not unit.get("department") and not signature and owner:
            unit["department"] = owner
    if not unit.get("department") and signature:
        unit["department"] = signature
    if unit.get("year") is None:
        for text in ([title] if title else []) + paragraphs:
            match = YEAR_RE.search(text)
            if match:
                unit["year"] = match.group(1)
                break

    if loaded.budget is None:
        _read_funds(paragraphs, loaded)

    if unit.get("reported_total") is None:
        for text in reversed(paragraphs):
            matches = list(_TOTAL_RE.finditer(text))
            if matches:
                number = next(g for g in matches[-1].groups() if g)
                unit["reported_total"] = float(number)
                break
    if not unit.get("reported_grade"):
        for text in reversed(paragraphs):
            match = _GRADE_RE.search(text)
            if match:
                unit["reported_grade"] = grade_in_conclusion(match.group(1))
                break

    sections = _sections(paragraphs)
    goals = {"goal_planned": ("绩效目标设定",), "goal_actual": ("指标完成情况",)}
    for key, words in goals.items():
        if unit.get(key):
            continue
        for index, text in enumerate(paragraphs[:-1]):
            compact = re.sub(r"^\d+[.．、]\s*", "", text)
            if any(compact.startswith(word) for word in words) and len(compact) <= 20:
                following = paragraphs[index + 1]
                if not (_HEADING1_RE.match(following) or _HEADING2_RE.match(following)):
                    unit[key] = following
                break
    texts = {
        "problems": _section_text(sections, "存在问题", "存在的问题", level1=True),
        "plans": _section_text(sections, "后续工作计划", level1=False),
        "measures": _section_text(sections, "措施", level1=False),
    }
    signature_lines = {signature} if signature else set()
    for key, text in texts.items():
        lines = [line for line in text.splitlines()
                 if re.sub(r"\s+", "", line) not in signature_lines
                 and not _DATE_RE.match(re.sub(r"\s+", "", line))]
        if lines and not unit.get(key):
            unit[key] = "\n".join(lines)
