"""Review profiles (复核口径): the written rules a 复核 applies, as data.

A profile is YAML (shipped ones in ``review_profiles/<name>.yaml``, or a user's file, which may
say ``extends: default``), held as a frozen :class:`ReviewProfile`:

* ``clauses`` — code -> :class:`Clause` (title, the text a report quotes, the deduction it
  implies: ``zero`` (the indicator scores 0), ``none`` (no deduction: full weight), ``levels``
  (the entry's 扣分程度 share of the weight), ``{share: x}`` (x of the weight), ``{points: n}``);
* ``levels`` — 扣分程度 -> share of the weight (严重 1.0 / 一般 0.6 / 轻微 0.3) and their
  other spellings (``level_aliases``: serious, medium, minor …);
* ``quality_bands`` — the 自评质量 grade of a unit by its project-level |偏离度|.

:func:`clause_scores` is the clause arithmetic: pure, vectorised over every review entry of every
unit.  :func:`get_review_rules` / :func:`list_review_rules` mirror the rule sets' functions;
anything malformed is a :class:`perfnb.errors.RulesError` in Chinese naming the file and key.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np
import pandas as pd
import yaml

from perfnb.errors import RulesError

PROFILES_DIR = Path(__file__).parent / "review_profiles"
DEFAULT_PROFILE = "default"
# deduction kinds of a clause
ZERO, NONE, LEVELS, SHARE, POINTS = "zero", "none", "levels", "share", "points"
DEDUCTION_LABELS = {ZERO: "该指标不得分", NONE: "不扣分", LEVELS: "按扣分程度扣减分值的比例"}
KEYS = {"name": "口径名（文字）", "title": "口径标题（文字）", "description": "说明（文字）",
        "levels": "扣分程度（程度: 扣减分值的比例，如 严重: 1.0）",
        "level_aliases": "扣分程度的其他写法（写法: 程度）",
        "quality_bands": "自评质量分档（列表，每项 grade 与 max，由好到差）",
        "clauses": "口径条款（代码: {title, text, deduction}）",
        "sampling": "抽样设置（risk_weights、per_department、funds_share、share）",
        "problem_ranks": "问题分级（p0_points、p1_points：复核调整的分值达到即为 P0、P1）"}
PROBLEM_RANK_DEFAULTS = {"p0_points": 5.0, "p1_points": 1.0}
# perfnb sample's defaults (a profile's ``sampling`` key changes them)
SAMPLING_DEFAULTS = {"risk_weights": {"error": 5.0, "warning": 2.0, "info": 0.0},
                     "per_department": 1, "funds_share": 0.5, "share": 0.2}
CLAUSE_KEYS = ("title", "text", "deduction", "advice")
DEFAULT_ADVICE = "核实该指标的实际完成值与佐证材料，按复核口径写明扣分依据，并在下一年度的自评中改正。"
_EPS = 1e-9


@dataclass(frozen=True)
class Clause:
    """One clause of a review profile: what a deduction cites."""

    code: str
    title: str
    text: str
    kind: str                 # ZERO, NONE, LEVELS, SHARE or POINTS
    value: float = 0.0        # the share (SHARE) or the points (POINTS)
    advice: str = ""          # the recommendation a 复核报告 gives for a problem resting on it

    def describe(self, levels: Mapping[str, float] | None = None) -> str:
        """The deduction in Chinese: 该指标不得分 / 扣减分值的 30% / 扣减 1 分 / …"""
        if self.kind == SHARE:
            return f"扣减分值的 {_percent(self.value)}"
        if self.kind == POINTS:
            return f"扣减 {self.value:g} 分"
        if self.kind == LEVELS and levels:
            return "按扣分程度扣减分值的 " + "、".join(f"{_percent(v)}（{k}）" for k, v in levels.items())
        return DEDUCTION_LABELS[self.kind]

    def score(self, weight: float, level_share: float | None = None) -> float:
        """The indicator's 复核得分 under this clause alone (weight = its 分值)."""
        if self.kind == ZERO:
            return 0.0
        if self.kind == NONE:
            return weight
        deduction = {SHARE: self.value * weight, POINTS: self.value,
                     LEVELS: (level_share or 0.0) * weight}[self.kind]
        return max(0.0, round(weight - deduction, 2))


@dataclass(frozen=True)
class QualityBand:
    grade: str
    max: float | None         # None: no upper bound


@dataclass(frozen=True)
class ReviewProfile:
    name: str
    title: str
    description: str
    levels: Mapping[str, float]
    level_aliases: Mapping[str, str]
    quality_bands: tuple[QualityBand, ...]
    clauses: Mapping[str, Clause]
    source: str = ""
    sampling: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType(SAMPLING_DEFAULTS))
    problem_ranks: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType(PROBLEM_RANK_DEFAULTS))

    def to_dict(self) -> dict[str, Any]:
        def deduction(c: Clause):
            return {c.kind: c.value} if c.kind in (SHARE, POINTS) else c.kind
        return {"name": self.name, "title": self.title, "description": self.description,
                "levels": dict(self.levels), "level_aliases": dict(self.level_aliases),
                "quality_bands": [{"grade": b.grade, "max": b.max} for b in self.quality_bands],
                "clauses": {c.code: {"title": c.title, "text": c.text, "deduction": deduction(c),
                                     **({"advice": c.advice} if c.advice else {})}
                            for c in self.clauses.values()},
                "problem_ranks": dict(self.problem_ranks),
                "sampling": {k: dict(v) if isinstance(v, Mapping) else v
                             for k, v in self.sampling.items()}}

    @cached_property
    def sha256(self) -> str:
        canonical = json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True,
                               separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=100)

    def level(self, word) -> str | None:
        """The 扣分程度 a word names (严重, serious, 较重 …), None if none."""
        if word is None:
            return None
        text = str(word).strip()
        text = self.level_aliases.get(text, self.level_aliases.get(text.lower(), text))
        return text if text in self.levels else None

    def clause(self, code) -> Clause | None:
        return self.clauses.get(str(code).strip().upper())

    def quality_of(self, deviation: float | None) -> str | None:
        """The 自评质量 grade of a project-level 偏离度 (its absolute value); None for NaN."""
        if deviation is None or (isinstance(deviation, float) and math.isnan(deviation)):
            return None
        gap = abs(deviation)
        for band in self.quality_bands:
            if band.max is None or gap <= band.max + _EPS:
                return band.grade
        return self.quality_bands[-1].grade

    def quality(self, deviations: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`quality_of` (object array, None for NaN)."""
        gaps = np.abs(np.asarray(deviations, dtype=float))
        out = np.full(len(gaps), None, dtype=object)
        open_ = ~np.isnan(gaps)
        for band in self.quality_bands:
            hit = open_ & (True if band.max is None else gaps <= band.max + _EPS)
            out[hit] = band.grade
            open_ &= ~hit
        out[open_] = self.quality_bands[-1].grade
        return out


def _percent(share: float) -> str:
    return f"{share * 100:g}%"


# -- the clause arithmetic ----------------------------------------------------------------

def clause_scores(entries: pd.DataFrame, weights: np.ndarray, profile: ReviewProfile) -> np.ndarray:
    """复核得分 of each review entry from the clauses it cites (NaN: it cites none).

    ``entries`` has ``clauses`` (a list of codes, validated) and ``severity`` (a 扣分程度 or
    None); ``weights`` the 分值 of each entry's indicator.  Deductions of several clauses add
    up; a ``zero`` clause scores 0; the result lies in 0 … 分值, rounded to 2 decimals.
    """
    n = len(entries)
    if not n:
        return np.zeros(0)
    long = entries[["clauses", "severity"]].assign(entry=np.arange(n)).explode("clauses")
    long = long[long["clauses"].notna()]
    out = np.full(n, np.nan)
    if not len(long):
        return out
    codes = long["clauses"].astype(str).to_numpy(object)
    kind = np.array([profile.clauses[c].kind for c in codes], dtype=object)
    value = np.array([profile.clauses[c].value for c in codes], dtype=float)
    level_share = long["severity"].map(lambda v: profile.levels.get(v, np.nan)).to_numpy(float)
    entry = long["entry"].to_numpy(np.int64)
    weight = np.asarray(weights, dtype=float)[entry]
    deduction = np.select([kind == SHARE, kind == POINTS, kind == LEVELS, kind == ZERO],
                          [value * weight, value, np.nan_to_num(level_share) * weight, weight],
                          default=0.0)
    total = np.bincount(entry, weights=deduction, minlength=n)
    cited = np.bincount(entry, minlength=n) > 0
    full = np.asarray(weights, dtype=float)
    out[cited] = np.clip(np.round(full[cited] - total[cited] + _EPS, 2), 0.0, full[cited])
    return out


# -- reading and validating ---------------------------------------------------------------

def _where(source: str) -> str:
    return f"复核口径“{source}”" if source else "复核口径"


def _deduction(value: Any, where: str) -> tuple[str, float]:
    if isinstance(value, str) and value.strip() in (ZERO, NONE, LEVELS):
        return value.strip(), 0.0
    if value in (0, "0"):
        return ZERO, 0.0
    if isinstance(value, Mapping) and len(value) == 1:
        (kind, amount), = value.items()
        if kind in (SHARE, POINTS) and isinstance(amount, (int, float)) \
                and not isinstance(amount, bool) and amount >= 0 \
                and (kind == POINTS or amount <= 1):
            return kind, float(amount)
    raise RulesError(f"{where}的 deduction“{value}”无效。应为 zero（不得分）、none（不扣分）、"
                     "levels（按扣分程度）、{share: 0 到 1 的比例} 或 {points: 分数}。")


def _from_mapping(data: Mapping[str, Any], source: str) -> ReviewProfile:
    where = _where(source)
    if not isinstance(data, Mapping):
        raise RulesError(f"{where}的内容应为“键: 值”形式的映射。")
    unknown = [str(k) for k in data if k not in KEYS]
    if unknown:
        raise RulesError(f"{where}中的键“{'、'.join(unknown)}”无法识别。可用的键：{'、'.join(KEYS)}。")
    missing = [k for k in ("name", "clauses") if not data.get(k)]
    if missing:
        raise RulesError(f"{where}缺少“{'、'.join(missing)}”（{'；'.join(KEYS[k] for k in missing)}）。")
    levels_raw = data.get("levels") or {}
    if not isinstance(levels_raw, Mapping):
        raise RulesError(f"{where}中“levels”应为{KEYS['levels']}。")
    levels = {}
    for word, share in levels_raw.items():
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
            raise RulesError(f"{where}中扣分程度“{word}”的比例“{share}”应为 0 到 1 之间的数字。")
        levels[str(word)] = float(share)
    aliases_raw = data.get("level_aliases") or {}
    if not isinstance(aliases_raw, Mapping):
        raise RulesError(f"{where}中“level_aliases”应为{KEYS['level_aliases']}。")
    for word, target in aliases_raw.items():
        if target not in levels:
            raise RulesError(f"{where}中“level_aliases”的“{word}”对应“{target}”，不是已设的扣分程度"
                             f"（{'、'.join(levels) or '无'}）。")
    bands = []
    raw_bands = data.get("quality_bands") or [{"grade": "—", "max": None}]
    if not isinstance(raw_bands, list):
        raise RulesError(f"{where}中“quality_bands”应为{KEYS['quality_bands']}。")
    previous = -1.0
    for item in raw_bands:
        if not isinstance(item, Mapping) or not isinstance(item.get("grade"), str):
            raise RulesError(f"{where}中“quality_bands”的每一项应写 grade（等级）与 max（偏离度上限）。")
        top = item.get("max")
        if top is not None and (isinstance(top, bool) or not isinstance(top, (int, float))
                                or top <= previous):
            raise RulesError(f"{where}中自评质量“{item['grade']}”的 max“{top}”应为数字，"
                             "且由好到差逐档增大（最后一档可写 null）。")
        previous = float(top) if top is not None else math.inf
        bands.append(QualityBand(item["grade"], None if top is None else float(top)))
    clauses_raw = data["clauses"]
    if not isinstance(clauses_raw, Mapping):
        raise RulesError(f"{where}中“clauses”应为{KEYS['clauses']}。")
    clauses = {}
    for code, spec in clauses_raw.items():
        code = str(code).strip().upper()
        cwhere = f"{where}中条款 {code}"
        if not isinstance(spec, Mapping):
            raise RulesError(f"{cwhere}应写 title（标题）、text（条文）与 deduction（扣分）。")
        extra = [str(k) for k in spec if k not in CLAUSE_KEYS]
        if extra:
            raise RulesError(f"{cwhere}中的键“{'、'.join(extra)}”无法识别。可用的键：{'、'.join(CLAUSE_KEYS)}。")
        for key in ("title", "text", "deduction"):
            if key not in spec or (key != "deduction" and not str(spec[key] or "").strip()):
                raise RulesError(f"{cwhere}缺少“{key}”。")
        kind, value = _deduction(spec["deduction"], cwhere)
        if kind == LEVELS and not levels:
            raise RulesError(f"{cwhere}按扣分程度扣分（levels），但复核口径没有设置“levels”。")
        clauses[code] = Clause(code, str(spec["title"]).strip(), str(spec["text"]).strip(), kind, value,
                               str(spec.get("advice") or "").strip())
    sampling = _sampling(data.get("sampling") or {}, where)
    ranks = {**PROBLEM_RANK_DEFAULTS, **(data.get("problem_ranks") or {})}
    if set(ranks) != set(PROBLEM_RANK_DEFAULTS) or any(
            isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0 for v in ranks.values()) \
            or ranks["p1_points"] > ranks["p0_points"]:
        raise RulesError(f"{where}中“problem_ranks”应写 p0_points 与 p1_points（非负分数，"
                         "p0_points 不小于 p1_points）。")
    return ReviewProfile(name=str(data["name"]).strip(), title=str(data.get("title") or data["name"]),
                         description=str(data.get("description") or "").strip(),
                         levels=MappingProxyType(levels),
                         level_aliases=MappingProxyType({str(k): v for k, v in aliases_raw.items()}),
                         quality_bands=tuple(bands), clauses=MappingProxyType(clauses),
                         source=source, sampling=MappingProxyType(sampling),
                         problem_ranks=MappingProxyType({k: float(v) for k, v in ranks.items()}))


def _sampling(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise RulesError(f"{where}中“sampling”应为{KEYS['sampling']}。")
    unknown = [str(k) for k in value if k not in SAMPLING_DEFAULTS]
    if unknown:
        raise RulesError(f"{where}中“sampling”的键“{'、'.join(unknown)}”无法识别。"
                         f"可用的键：{'、'.join(SAMPLING_DEFAULTS)}。")
    out = {**SAMPLING_DEFAULTS, **value}
    weights = {**SAMPLING_DEFAULTS["risk_weights"], **(value.get("risk_weights") or {})}
    for key, number in weights.items():
        if key not in SAMPLING_DEFAULTS["risk_weights"] or isinstance(number, bool) \
                or not isinstance(number, (int, float)) or number < 0:
            raise RulesError(f"{where}中“sampling.risk_weights.{key}”应为 error、warning、info 之一，"
                             "取值为非负数字。")
    out["risk_weights"] = {k: float(v) for k, v in weights.items()}
    if isinstance(out["per_department"], bool) or not isinstance(out["per_department"], int) \
            or out["per_department"] < 0:
        raise RulesError(f"{where}中“sampling.per_department”应为非负整数。")
    for key in ("funds_share", "share"):
        number = out[key]
        if isinstance(number, bool) or not isinstance(number, (int, float)) or not 0 <= number <= 1:
            raise RulesError(f"{where}中“sampling.{key}”应为 0 到 1 之间的比例。")
        out[key] = float(number)
    return out


def _read(path: Path) -> Mapping[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RulesError(f"找不到复核口径文件“{path}”。可用的内置复核口径："
                         f"{'、'.join(list_review_rules())}。") from None
    except (OSError, UnicodeDecodeError) as err:
        raise RulesError(f"无法读取复核口径文件“{path}”：{err}。请确认它是 UTF-8 编码的 YAML 文件。") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f"第 {mark.line + 1} 行" if mark is not None else ""
        raise RulesError(f"复核口径文件“{path}”{line}不是有效的 YAML：{getattr(err, 'problem', err)}。") from None
    if not isinstance(data, Mapping):
        raise RulesError(f"复核口径文件“{path}”的内容应为“键: 值”形式的映射。")
    return data


def list_review_rules() -> list[str]:
    """Names of the shipped review profiles."""
    return sorted(p.stem for p in PROFILES_DIR.glob("*.yaml"))


def _raw(spec: str, seen: tuple[str, ...] = ()) -> tuple[dict[str, Any], str]:
    is_file = spec.lower().endswith((".yaml", ".yml")) or "/" in spec or "\\" in spec
    if is_file:
        path = Path(spec).expanduser()
        data, source = dict(_read(path)), str(path)
    elif (PROFILES_DIR / f"{spec}.yaml").is_file():
        data, source = dict(_read(PROFILES_DIR / f"{spec}.yaml")), spec
    else:
        raise RulesError(f"没有名为“{spec}”的复核口径。可用的复核口径：{'、'.join(list_review_rules())}；"
                         "也可以给出复核口径 YAML 文件的路径。")
    base = data.pop("extends", None)
    if base is None:
        return data, source
    key = str(base).strip()
    if is_file and key.lower().endswith((".yaml", ".yml")):
        candidate = Path(spec).expanduser().parent / key
        if candidate.is_file():
            key = str(candidate)
    if key in seen or key == source:
        raise RulesError(f"{_where(source)}的“extends”形成循环：{' → '.join(seen + (source, key))}。")
    merged, _ = _raw(key, seen + (source,))
    for name, value in data.items():
        if name == "clauses" and isinstance(value, Mapping) and isinstance(merged.get(name), Mapping):
            merged[name] = {**merged[name], **value}
        else:
            merged[name] = value
    return merged, source


_CACHE: dict[tuple[str, float], ReviewProfile] = {}


def get_review_rules(spec: "str | Path | ReviewProfile | None" = None) -> ReviewProfile:
    """The review profile named by ``spec``: a shipped name, a YAML path, or a profile (None:
    ``default``)."""
    if isinstance(spec, ReviewProfile):
        return spec
    text = DEFAULT_PROFILE if spec is None or not str(spec).strip() else str(spec).strip()
    path = Path(text)
    stamp = path.stat().st_mtime if path.suffix.lower() in (".yaml", ".yml") and path.is_file() else 0.0
    key = (text, stamp)
    if key not in _CACHE:
        data, source = _raw(text)
        _CACHE[key] = _from_mapping(data, source)
    return _CACHE[key]


__all__ = ["Clause", "ReviewProfile", "QualityBand", "clause_scores", "get_review_rules",
           "list_review_rules", "DEFAULT_PROFILE", "ZERO", "NONE", "LEVELS", "SHARE", "POINTS"]
