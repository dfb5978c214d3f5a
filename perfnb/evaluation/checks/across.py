"""Checks across units and across years (issue 19): what no single form shows.

They run on the *flat* tables of a batch or a screening — one row per unit
(:data:`UNIT_FIELDS`) and one per indicator (:data:`INDICATOR_FIELDS`), the same tables
``results.parquet`` / ``indicators.parquet`` hold — rather than on one unit's input tables, so
they see every unit at once and can be given earlier years' tables:

* scope ``batch``: ALL_FULL_MARKS (all or nearly all units of a department at full marks),
  COPIED_INDICATORS (indicator sets that are near copies: MinHash LSH of datasketch over each
  unit's set of name + target + unit, exact Jaccard on the candidates only — never all pairs);
* scope ``years``: TARGET_BELOW_LAST_ACTUAL, TARGETS_UNCHANGED, SCORE_UP_EXECUTION_DOWN, on
  units linked to earlier years (:func:`link_keys`: a project code where the form prints one,
  else 主管部门 + 项目名称; the rule is a parameter, shown in the findings).

:func:`perfnb.evaluation.redflags.across_findings` builds the context and runs the enabled
checks; the findings have the audit's columns (``FINDING_COLUMNS``).
"""
from __future__ import annotations

import hashlib
import re
from functools import cached_property
from typing import Any, Mapping

import numpy as np
import pandas as pd

from perfnb.evaluation.checks.registry import INFO, WARNING, Check, Hit, Parameter
from perfnb.evaluation.checks.render import _plain
from perfnb.evaluation.checks.targets import name_key
from perfnb.evaluation.rules import RuleSet
from perfnb.reading.values import department_name

BATCH = "batch"
YEARS = "years"
CANDIDATE_MARGIN = 0.25      # COPIED_INDICATORS: LSH candidates from (similarity − this) up

UNIT_FIELDS = ("unit_id", "department", "project", "year", "total", "weight_total", "grade",
               "reported_total", "budget_rate")
INDICATOR_FIELDS = ("unit_id", "seq", "level1", "level2", "name", "operator", "target",
                    "target_text", "actual", "actual_text", "unit", "weight", "score", "status")

# A budget-system project code printed before the project name: "51000021R000000019951-工资性支出"
PROJECT_CODE_RE = re.compile(r"^\s*([0-9A-Za-z]{8,})\s*[-－—_、\s]")
LINK_RULES = {"auto": "项目编码（表上印有时），否则主管部门 + 项目名称",
              "name": "主管部门 + 项目名称", "code": "项目编码"}


def project_code(project) -> str:
    match = PROJECT_CODE_RE.match(_plain(project))
    return match.group(1).upper() if match else ""


def _project_name(project) -> str:
    text = _plain(project)
    return PROJECT_CODE_RE.sub("", text, count=1) or text


def link_keys(units: pd.DataFrame, rule: str = "auto") -> np.ndarray:
    """The key that links a unit to its project in other years, by ``rule`` (LINK_RULES):
    ``code:<project code>`` or ``name:<主管部门>|<项目名称>`` ('' where the rule gives none)."""
    if rule not in LINK_RULES:
        raise ValueError(rule)
    projects = units["project"].to_numpy(object) if "project" in units else np.full(len(units), "")
    departments = units["department"].to_numpy(object) if "department" in units else \
        np.full(len(units), "")
    keys = []
    for department, project in zip(departments, projects):
        code = project_code(project)
        name = _project_name(project)
        if rule != "name" and code:
            keys.append(f"code:{code}")
        elif rule == "code" or not name:
            keys.append("")
        else:
            keys.append(f"name:{department_name(_plain(department))}|{name_key(name)}")
    return np.asarray(keys, dtype=object)


def _year_texts(years: np.ndarray) -> np.ndarray:
    return np.asarray(["上" if y != y else f" {int(y)} " for y in years], dtype=object)


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(float)


def _texts(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.full(len(frame), "", dtype=object)
    return factorized_texts(frame[column].to_numpy(object), _plain)


class AcrossContext:
    """The flat tables of the units checked together (and of earlier years)."""

    def __init__(self, units: pd.DataFrame, indicators: pd.DataFrame, rules: RuleSet,
                 parameters: Mapping[str, Mapping[str, Any]],
                 previous_units: pd.DataFrame | None = None,
                 previous_indicators: pd.DataFrame | None = None, link: str = "auto") -> None:
        self.units = units.reset_index(drop=True)
        self.indicators = indicators.reset_index(drop=True)
        self.rules = rules
        self.parameters = parameters
        self.unit_ids = pd.Index(self.units["unit_id"].astype(str).to_numpy(object))
        self.codes = self.unit_ids.get_indexer(self.indicators["unit_id"].astype(str))
        self.previous_units = previous_units
        self.previous_indicators = previous_indicators
        self.link = link
        self.tol = rules.tolerance + 1e-9

    @cached_property
    def department(self) -> np.ndarray:
        return np.asarray([department_name(v) for v in _texts(self.units, "department")], dtype=object)

    @cached_property
    def year(self) -> np.ndarray:
        return _numbers(self.units, "year")

    @cached_property
    def self_score(self) -> np.ndarray:
        """The total the unit gave itself (the computed one where it reported none)."""
        reported = _numbers(self.units, "reported_total")
        return np.where(np.isnan(reported), _numbers(self.units, "total"), reported)

    @cached_property
    def full_weight(self) -> np.ndarray:
        weight = _numbers(self.units, "weight_total")
        return np.where(np.isnan(weight) | (weight <= 0), float(self.rules.total_weight), weight)

    @cached_property
    def where(self) -> dict[str, Any]:
        return {"unit_code": np.arange(len(self.units)), "sheet": None, "row": None}

    @cached_property
    def indicator_where(self) -> dict[str, Any]:
        """Each indicator's own place on this year's form (sheet, row), where the table has it."""
        ind = self.indicators
        sheet = _texts(ind, "sheet") if "sheet" in ind else None
        row = _numbers(ind, "row") if "row" in ind else None
        return {"sheet": sheet, "row": row}

    @cached_property
    def unit_sheet(self) -> np.ndarray | None:
        """Per unit, the sheet its first located indicator was read from ('' if none)."""
        sheet = self.indicator_where["sheet"]
        if sheet is None:
            return None
        out = np.full(len(self.units), "", dtype=object)
        located = (self.codes >= 0) & (sheet != "")
        at = self.codes[located]
        # the first indicator of each unit (reversed assignment: the first one wins)
        out[at[::-1]] = sheet[located][::-1]
        return out

    @cached_property
    def where_years(self) -> dict[str, Any]:
        """A unit's finding across years: on this year's form (its sheet), no one row."""
        return {"unit_code": np.arange(len(self.units)), "sheet": self.unit_sheet, "row": None}

    # -- earlier years ---------------------------------------------------------------------
    @cached_property
    def history(self) -> pd.DataFrame | None:
        """Per unit of this batch and earlier year linked to it: unit position ``at``, how many
        years back (``back`` 1 = the latest earlier year), the earlier unit's fields."""
        if self.previous_units is None or not len(self.previous_units):
            return None
        now = pd.DataFrame({"at": np.arange(len(self.units)), "key": link_keys(self.units, self.link),
                            "year": self.year})
        before = self.previous_units.reset_index(drop=True).copy()
        before["key"] = link_keys(before, self.link)
        before["prev_year"] = _numbers(before, "year")
        before = before[before["key"] != ""]
        now = now[now["key"] != ""]
        pairs = now.merge(before, on="key", how="inner", suffixes=("", "_prev"))
        earlier = np.isnan(pairs["year"].to_numpy(float)) | \
            (pairs["prev_year"].to_numpy(float) < pairs["year"].to_numpy(float))
        pairs = pairs[earlier & ~pairs["unit_id"].astype(str).isin(set(self.unit_ids))]
        # one unit per earlier year: the latest first
        pairs = pairs.sort_values(["at", "prev_year"], ascending=[True, False], kind="stable")
        pairs = pairs.drop_duplicates(["at", "prev_year"])
        pairs["back"] = pairs.groupby("at").cumcount() + 1
        return pairs.reset_index(drop=True)

    @cached_property
    def indicator_history(self) -> pd.DataFrame | None:
        """This batch's indicators joined to the same indicator (by name) of linked earlier
        units: columns ``i`` (row of this batch's indicators), ``back``, ``prev_*``."""
        history = self.history
        if history is None or not len(history) or self.previous_indicators is None:
            return None
        now = pd.DataFrame({"i": np.arange(len(self.indicators)), "at": self.codes,
                            "name_key": factorized_texts(self.indicators["name"].to_numpy(object),
                                                         name_key)})
        now = now.merge(history[["at", "back", "unit_id", "prev_year"]].rename(
            columns={"unit_id": "prev_unit"}), on="at")
        before = self.previous_indicators
        before = pd.DataFrame({"prev_unit": before["unit_id"].astype(str).to_numpy(object),
                               "name_key": factorized_texts(before["name"].to_numpy(object), name_key),
                               "prev_target": _numbers(before, "target"),
                               "prev_target_text": _texts(before, "target_text"),
                               "prev_actual": _numbers(before, "actual"),
                               "prev_actual_text": _texts(before, "actual_text"),
                               "prev_score": _numbers(before, "score")})
        before = before[before["name_key"] != ""].drop_duplicates(["prev_unit", "name_key"])
        return now.merge(before, on=["prev_unit", "name_key"]).reset_index(drop=True)


# -- ALL_FULL_MARKS ------------------------------------------------------------------------

def _all_full_marks(ctx, params):
    n = len(ctx.units)
    if not n:
        return
    full = ctx.self_score >= ctx.full_weight - ctx.tol
    year = np.where(np.isnan(ctx.year), -1, ctx.year)
    group, _ = pd.factorize(pd.Series(ctx.department).astype(str) + "|" + pd.Series(year).astype(str))
    count = np.bincount(group)
    count_full = np.bincount(group, full.astype(float))
    share = count_full[group] / count[group]
    departments = ctx.department != ""
    hit = departments & full & (count[group] >= params["min_units"]) & \
        (share >= params["share"] - 1e-12)
    fields = {"department": ctx.department, "count": count[group], "count_full": count_full[group],
              "share_full": share, "self_score": ctx.self_score}
    yield Hit(hit, "message", fields, column="总分", indicator="总分", **ctx.where)


ALL_FULL_MARKS = Check(
    code="ALL_FULL_MARKS", severity=WARNING, table="units", scope=BATCH,
    title="部门项目普遍满分", summary="同一主管部门（同一年度）的项目全部或几乎全部自评满分",
    what="按主管部门和年度汇总一批单位：项目不少于 min_units 个（默认 3 个），自评满分（自评总分"
         "达到满分；未填自评总分的用计算总分）的占比不低于 share（默认 90%），则每个满分项目报告一次。",
    why="各项目的情况不会完全一样，全部自评 100 分说明自评流于形式；复核中“10 个项目全部自评 100 分”"
        "被列为首要问题。",
    example="某局 2023 年 10 个项目，自评都是 100 分。",
    basis="会计师事务所项目支出绩效自评复核发现（见 review-practice.md §2）。",
    messages={"message": "主管部门“{department:text}”同年度的 {count:num0} 个项目中有 {count_full:num0} 个"
                         "（{share_full:pct0}）自评满分，本项目自评 {self_score:num} 分。请逐项核实自评依据，"
                         "避免自评流于形式。"},
    parameters=(Parameter("share", "满分项目占比下限（0 到 1）", default=0.9, low=0, high=1),
                Parameter("min_units", "部门至少有几个项目才报告", default=3, kind=int, low=2)),
    condition=_all_full_marks)


# -- COPIED_INDICATORS ---------------------------------------------------------------------

def indicator_sets(ctx) -> list[np.ndarray]:
    """Each unit's indicators as the distinct codes of its "name|target|unit" tokens
    (normalised text), and the tokens' 32-bit hashes by code (``ctx.token_hashes``)."""
    ind = ctx.indicators
    names = factorized_texts(ind["name"].to_numpy(object), name_key)
    tokens = pd.Series(names, dtype=object) + "|" + pd.Series(_texts(ind, "target_text")) + "|" + \
        pd.Series(_texts(ind, "unit"))
    valid = (names != "") & (ctx.codes >= 0)
    token_codes, uniques = pd.factorize(tokens.to_numpy(object)[valid])
    ctx.token_hashes = np.array([int.from_bytes(hashlib.sha1(t.encode("utf-8")).digest()[:4], "little")
                                 for t in uniques], dtype=np.uint64)
    space = np.int64(len(uniques) + 1)
    keys = np.unique(ctx.codes[valid].astype(np.int64) * space + token_codes)   # sorted, distinct
    at, token = keys // space, keys % space
    sets: list[np.ndarray] = [np.empty(0, dtype=np.int64) for _ in range(len(ctx.units))]
    if len(keys):
        cuts = np.flatnonzero(np.diff(at)) + 1
        for start, group in zip(np.concatenate([[0], cuts]), np.split(token, cuts)):
            sets[at[start]] = group
    return sets


def factorized_texts(values: np.ndarray, function) -> np.ndarray:
    """``function`` of each value, computed once per distinct value."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object).fillna(""))
    return np.asarray([function(v) for v in uniques], dtype=object)[codes] if len(values) else \
        np.empty(0, dtype=object)


def copy_pairs(sets: list[np.ndarray], hashes: np.ndarray, threshold: float, min_size: int,
               num_perm: int = 64, same_group: np.ndarray | None = None) -> pd.DataFrame:
    """Pairs of sets (a < b) whose Jaccard similarity is at least ``threshold``: candidates from
    MinHash LSH (datasketch), confirmed by the exact Jaccard; ``hashes`` are the tokens' 32-bit
    hashes (by code); ``same_group`` (one label per set) limits pairs to the same label."""
    from datasketch import MinHash, MinHashLSH

    eligible = [i for i, s in enumerate(sets) if len(s) >= min_size]
    if len(eligible) < 2:
        return pd.DataFrame({"a": [], "b": [], "similarity": []})
    minhashes = MinHash.bulk([hashes[sets[i]].tolist() for i in eligible], num_perm=num_perm,
                             hashfunc=int)
    # The index is built for a lower threshold than asked: LSH misses about half the pairs
    # right at its threshold; the exact Jaccard below throws the extra candidates out.
    lsh = MinHashLSH(threshold=max(0.05, threshold - CANDIDATE_MARGIN), num_perm=num_perm)
    with lsh.insertion_session() as session:
        for i, minhash in zip(eligible, minhashes):
            session.insert(i, minhash, check_duplication=False)
    found = []
    for i, minhash in zip(eligible, minhashes):
        for j in lsh.query(minhash):
            if j <= i or (same_group is not None and same_group[i] != same_group[j]):
                continue
            common = len(np.intersect1d(sets[i], sets[j], assume_unique=True))
            similarity = common / (len(sets[i]) + len(sets[j]) - common)
            if similarity >= threshold - 1e-12:
                found.append((i, j, similarity))
    return pd.DataFrame(found, columns=["a", "b", "similarity"])


def _copied_indicators(ctx, params):
    n = len(ctx.units)
    if n < 2 or not len(ctx.indicators):
        return
    sets = indicator_sets(ctx)
    year = np.where(np.isnan(ctx.year), -1, ctx.year)
    pairs = copy_pairs(sets, ctx.token_hashes, params["similarity"], params["min_indicators"],
                       same_group=year)
    if not len(pairs):
        return
    both = pd.concat([pairs.rename(columns={"a": "at", "b": "other"}),
                      pairs.rename(columns={"b": "at", "a": "other"})])
    both = both.sort_values(["at", "similarity"], ascending=[True, False], kind="stable")
    best = both.drop_duplicates("at")
    partners = both.groupby("at").size()
    at = best["at"].to_numpy(int)
    other = best["other"].to_numpy(int)
    similarity = np.zeros(n)
    similarity[at] = best["similarity"].to_numpy(float)
    other_of = np.zeros(n, dtype=int)
    other_of[at] = other
    count = np.zeros(n, dtype=int)
    count[partners.index.to_numpy(int)] = partners.to_numpy(int)
    mask = np.zeros(n, dtype=bool)
    mask[at] = True
    projects = _texts(ctx.units, "project")
    sizes = np.array([len(s) for s in sets])
    fields = {"similarity": similarity, "other_project": projects[other_of],
              "other_department": ctx.department[other_of],
              "other_unit": ctx.unit_ids.to_numpy(object)[other_of],
              "size": sizes, "more": lambda take: np.array(
                  [f"，另与 {c - 1} 个项目相似" if c > 1 else "" for c in take(count)], dtype=object)}
    yield Hit(mask, "message", fields, column="三级指标", indicator="全部指标", **ctx.where)


COPIED_INDICATORS = Check(
    code="COPIED_INDICATORS", severity=WARNING, table="indicators", scope=BATCH,
    title="指标照搬其他项目", summary="指标（名称、指标值、单位）与同年度另一个项目几乎相同",
    what="把每个单位的三级指标看作“名称 | 指标值 | 计量单位”的集合，同一年度两个单位的集合的"
         "Jaccard 相似度不低于 similarity（默认 0.8，且各有不少于 min_indicators 项，默认 5 项）即报告，"
         "并指出相似的另一个项目。用 datasketch 的 MinHash LSH 找候选，再精确计算，不逐对比较。",
    why="不同项目的目标和产出不同，指标几乎一字不差，多半是套用了别的单位或项目的模板"
        "（复核中见过民族团结项目的满意度指标写着“老年人满意度”）。",
    example="两个乡镇的“村级运转经费”项目 10 项指标中 9 项的名称、指标值和单位相同（相似度 0.82）。",
    basis="会计师事务所项目支出绩效自评复核发现（见 review-practice.md §2–3）：照搬模板的指标。",
    messages={"message": "本项目的 {size:num0} 项指标与“{other_project:text}”（{other_department:text}，"
                         "单位编号 {other_unit:text}）的指标相似度为 {similarity:pct0}{more}。请核实指标是否"
                         "按本项目的内容设定，而不是套用其他项目的模板。"},
    parameters=(Parameter("similarity", "视为照搬的相似度下限（Jaccard，0 到 1）", default=0.8,
                          low=0.1, high=1),
                Parameter("min_indicators", "两个单位各至少有几项指标才比较", default=5, kind=int,
                          low=1)),
    condition=_copied_indicators)


# -- across years --------------------------------------------------------------------------

def _target_below_last_actual(ctx, params):
    linked = ctx.indicator_history
    if linked is None or not len(linked):
        return
    last = linked[linked["back"] == 1]
    ind = ctx.indicators
    operator = ind["operator"].to_numpy(object) if "operator" in ind else np.full(len(ind), None)
    target = _numbers(ind, "target")
    i = last["i"].to_numpy(int)
    prev_actual = last["prev_actual"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        below = np.isin(operator[i], [">=", ">"]) & (target[i] < prev_actual * (1 - params["margin"])
                                                      - 1e-9)
    mask = np.zeros(len(ind), dtype=bool)
    mask[i[below]] = True
    prev_text = np.full(len(ind), "", dtype=object)
    prev_text[i] = last["prev_actual_text"].to_numpy(object)
    prev_year = np.full(len(ind), np.nan)
    prev_year[i] = last["prev_year"].to_numpy(float)
    codes = np.maximum(ctx.codes, 0)
    yield Hit(mask, "message", {"name": ind["name"], "target_text": ind["target_text"],
                                "prev_actual_text": prev_text,
                                "prev_year": lambda take: _year_texts(take(prev_year))},
              unit_code=codes, **ctx.indicator_where, column="年度指标值", indicator=ind["name"])


TARGET_BELOW_LAST_ACTUAL = Check(
    code="TARGET_BELOW_LAST_ACTUAL", severity=WARNING, table="indicators", scope=YEARS,
    title="目标设置偏低", summary="正向指标的指标值低于上年的实际完成值",
    what="同一项目（按 link 规则与上年对应）的同名正向指标（≥、>），今年的指标值低于上年的实际完成值"
         "（margin 默认 0：低于即报告）。",
    why="已经做到的水平再作目标，必然“完成”：目标失去约束作用，自评得分虚高。",
    example="“培训人数”2022 年完成 1,200 人，2023 年指标值仍为“≥1,000 人”。",
    basis="财预〔2020〕10号（绩效目标应与预算相匹配、可衡量）；review-practice.md §2（目标设置低于"
          "已完成水平列为问题）。",
    messages={"message": "“{name:text}”今年的指标值“{target_text:or_blank}”低于{prev_year:text}年的实际完成值"
                         "“{prev_actual_text:or_blank}”：目标设置偏低。请按上年实际水平和今年的资金安排"
                         "重新设定指标值。"},
    parameters=(Parameter("margin", "低于上年完成值多少（比例）才报告", default=0.0, low=0, high=1),),
    condition=_target_below_last_actual)


def _targets_unchanged(ctx, params):
    linked = ctx.indicator_history
    if linked is None or not len(linked):
        return
    years = int(params["years"])
    ind = ctx.indicators
    now_text = _texts(ind, "target_text")
    linked = linked[linked["back"] < years]
    same = linked["prev_target_text"].to_numpy(object) == now_text[linked["i"].to_numpy(int)]
    per_i = pd.DataFrame({"i": linked["i"], "same": same}).groupby("i")["same"].agg(["sum", "size"])
    steady_i = per_i.index[(per_i["size"] == years - 1) & (per_i["sum"] == years - 1)].to_numpy(int)
    n = len(ctx.units)
    steady = np.bincount(ctx.codes[steady_i], minlength=n) if len(steady_i) else np.zeros(n, int)
    total = np.bincount(ctx.codes[ctx.codes >= 0], minlength=n)
    hit = (steady >= params["min_count"]) & (steady >= total * params["share"] - 1e-9)
    yield Hit(hit, "message", {"count": steady, "total": total, "years": years},
              column="年度指标值", indicator="全部指标", **ctx.where_years)


TARGETS_UNCHANGED = Check(
    code="TARGETS_UNCHANGED", severity=INFO, table="indicators", scope=YEARS,
    title="指标值多年不变", summary="连续三年指标值一字不变",
    what="同一项目连续 years 年（默认 3 年）的同名指标，指标值一字不变的不少于 min_count 项（默认 3 项），"
         "且占今年指标的比例不低于 share（默认 80%）。",
    why="指标值应随上年完成情况和当年资金调整；多年照抄，说明目标没有经过测算。",
    example="某项目 2021—2023 年 10 项指标的指标值完全相同。",
    basis="财预〔2020〕10号（绩效目标逐年设定）。",
    messages={"message": "今年 {total:num0} 项指标中有 {count:num0} 项的指标值连续 {years:num0} 年一字不变。"
                         "请按上年实际完成情况和今年的资金安排重新测算指标值。"},
    parameters=(Parameter("years", "连续几年（含今年）", default=3, kind=int, low=2),
                Parameter("min_count", "至少几项不变才报告", default=3, kind=int, low=1),
                Parameter("share", "不变指标占今年指标的比例下限（0 到 1）", default=0.8, low=0, high=1)),
    condition=_targets_unchanged)


def _score_up_execution_down(ctx, params):
    history = ctx.history
    if history is None or not len(history):
        return
    last = history[history["back"] == 1]
    n = len(ctx.units)
    at = last["at"].to_numpy(int)
    prev_total = np.full(n, np.nan)
    prev_total[at] = _numbers(last, "total")
    prev_rate = np.full(n, np.nan)
    prev_rate[at] = _numbers(last, "budget_rate")
    prev_year = np.full(n, np.nan)
    prev_year[at] = last["prev_year"].to_numpy(float)
    total, rate = _numbers(ctx.units, "total"), _numbers(ctx.units, "budget_rate")
    with np.errstate(invalid="ignore"):
        hit = (total > prev_total + ctx.tol) & (prev_rate - rate > params["drop"] + 1e-12)
    yield Hit(hit, "message", {"total": total, "prev_total": prev_total, "rate": rate,
                               "prev_rate": prev_rate,
                               "prev_year": lambda take: _year_texts(take(prev_year))},
              column="总分", indicator="总分", **ctx.where_years)


SCORE_UP_EXECUTION_DOWN = Check(
    code="SCORE_UP_EXECUTION_DOWN", severity=WARNING, table="units", scope=YEARS,
    title="得分升而执行降", summary="总分比上年高，预算执行率却比上年低",
    what="与上年同一项目相比，总分升高，而预算执行率下降超过 drop（默认 5 个百分点）。",
    why="花钱更少、执行更慢，绩效反而更好，需要核实产出和效益的完成值。",
    example="2022 年执行率 98%、总分 92 分；2023 年执行率 80%、总分 96 分。",
    basis="预算管理一体化系统绩效模块的自评预警（绩效快于支出，见 review-practice.md §1）的跨年版本。",
    messages={"message": "总分 {total:num} 分高于{prev_year:text}年的 {prev_total:num} 分，预算执行率却从 "
                         "{prev_rate:pct} 降到 {rate:pct}。请核实今年的产出和效益完成值。"},
    parameters=(Parameter("drop", "执行率下降多少（0 到 1）才报告", default=0.05, low=0, high=1),),
    condition=_score_up_execution_down)


CHECKS = (ALL_FULL_MARKS, COPIED_INDICATORS, TARGET_BELOW_LAST_ACTUAL, TARGETS_UNCHANGED,
          SCORE_UP_EXECUTION_DOWN)
