"""Scoring rule sets: data in YAML, held as a frozen :class:`RuleSet`.

Built-in rule sets live in ``perfnb/rulesets/<name>.yaml`` (``central`` = 财预〔2020〕10号,
``sichuan``).  :func:`get_rules` accepts a built-in name, a YAML file of the same shape
(which may say ``extends: central`` and override a few keys), a rule set that another
installed package registers in the ``perfnb.rulesets`` entry-point group (the entry point's
value is a function returning a :class:`RuleSet`, a mapping, or the path of a YAML file), or a
:class:`RuleSet` itself.  Anything malformed raises :class:`perfnb.errors.RulesError` with a
Chinese message that lists what is valid.

The optional ``checks`` key tunes the audit checks (``disable: [CODE, …]``, ``CODE: {parameter:
value}``); its shape is checked here, its codes and parameters against the check registry by
:func:`perfnb.evaluation.checks.catalog.settings` (the checks import scoring, which imports this
module, so this module cannot import them).
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field, replace
from functools import cached_property
from importlib import metadata
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import yaml

from perfnb.errors import RulesError
from perfnb.vocabulary import ACHIEVED, ACHIEVEMENT_LEVELS, NOT_ACHIEVED, PARTIAL

RULESETS_DIR = Path(__file__).parent / "rulesets"
ENTRY_POINT_GROUP = "perfnb.rulesets"
REVERSE_RULES = ("ratio", "linear")
LEVEL_ACHIEVED, LEVEL_PARTIAL, LEVEL_NOT_ACHIEVED = ACHIEVED, PARTIAL, NOT_ACHIEVED
QUALITATIVE_LEVEL_NAMES = ACHIEVEMENT_LEVELS           # perfnb.vocabulary

# Every key of a rule set file, with the Chinese description used in error messages.
KEYS: dict[str, str] = {
    "name": "规则名（文字）",
    "title": "规则标题（文字）",
    "description": "说明（文字）",
    "total_weight": "满分（数字，如 100）",
    "budget_weight": "预算执行率分值（数字，如 10）",
    "dimension_weights": "一级指标参考分值（一级指标名: 数字；或 null）",
    "reverse_rule": "反向指标超限计分方式（ratio 或 linear）",
    "over_achievement_ratio": "超额完成须说明的倍数（数字，如 1.3）",
    "cut_over_achievement": "是否扣减超额完成指标的得分（true/false）",
    "over_achievement_cut_share": "扣减后最多得分值的比例（0 到 1 的数字）",
    "low_execution_rate": "须说明原因的执行率下限（0 到 1 的数字，如 0.9）",
    "low_execution_requires_reason": "执行率偏低是否必须说明原因（true/false）",
    "qualitative_levels": "定性指标三档（达成、部分达成、未达成，各有 band: [下限, 上限] 与 share）",
    "achievement_words": "完成情况用语对应的档次（用语: 达成/部分达成/未达成）",
    "grade_scales": "等级量表列表（由好到差，如 [优, 良, 中, 差]）",
    "grade_aliases": "等级同义词（如 良好: 良）",
    "grade_bands": "总分等级（列表，每项 grade 与 min，由高到低）",
    "tolerance": "得分比对允许误差（非负数字，如 0.01）",
    "rate_tolerance": "执行率比对允许误差（非负数字，如 0.0005）",
}
# Keys a rule set may leave out (to_dict writes them only when set, so the SHA-256 of a rule
# set without them is what it was before they existed).
OPTIONAL_KEYS: dict[str, str] = {
    "checks": "审核检查项设置（disable: [检查项代码…]；检查项代码: {参数: 值}）",
}
EXTRA_KEYS = ("extends",)


@dataclass(frozen=True)
class QualitativeLevel:
    """One level of a qualitative indicator: a band of the weight and a default share.

    The band is ``[low, high)`` as fractions of the weight, closed at ``high`` when it is 1.
    """

    name: str
    low: float
    high: float
    share: float

    def contains(self, fraction: float) -> bool:
        return self.low <= fraction < self.high or (self.high >= 1.0 and fraction == self.high)


@dataclass(frozen=True)
class GradeBand:
    """A total-score grade: ``grade`` applies from ``min`` (inclusive) up to the next band."""

    grade: str
    min: float


@dataclass(frozen=True)
class RuleSet:
    """A validated, immutable rule set.  Build it with :func:`get_rules`."""

    name: str
    title: str
    description: str
    total_weight: float
    budget_weight: float
    dimension_weights: Mapping[str, float]
    reverse_rule: str
    over_achievement_ratio: float
    cut_over_achievement: bool
    over_achievement_cut_share: float
    low_execution_rate: float
    low_execution_requires_reason: bool
    qualitative_levels: tuple[QualitativeLevel, ...]
    achievement_words: Mapping[str, str]
    grade_scales: tuple[tuple[str, ...], ...]
    grade_aliases: Mapping[str, str]
    grade_bands: tuple[GradeBand, ...]
    tolerance: float
    rate_tolerance: float
    # the audit checks' settings: {"disable": (code, …), code: {parameter: value}}; the codes
    # and parameters are validated against the check registry (perfnb.evaluation.checks.catalog)
    checks: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    source: str = field(default="", compare=False)  # where it came from; not part of the content

    def __hash__(self) -> int:
        return hash(self.sha256)

    # -- content -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The rule set as plain data, in the shape of a rule set YAML file."""
        data = {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "total_weight": self.total_weight,
            "budget_weight": self.budget_weight,
            "dimension_weights": dict(self.dimension_weights),
            "reverse_rule": self.reverse_rule,
            "over_achievement_ratio": self.over_achievement_ratio,
            "cut_over_achievement": self.cut_over_achievement,
            "over_achievement_cut_share": self.over_achievement_cut_share,
            "low_execution_rate": self.low_execution_rate,
            "low_execution_requires_reason": self.low_execution_requires_reason,
            "qualitative_levels": {level.name: {"band": [level.low, level.high], "share": level.share}
                                   for level in self.qualitative_levels},
            "achievement_words": dict(self.achievement_words),
            "grade_scales": [list(scale) for scale in self.grade_scales],
            "grade_aliases": dict(self.grade_aliases),
            "grade_bands": [{"grade": band.grade, "min": band.min} for band in self.grade_bands],
            "tolerance": self.tolerance,
            "rate_tolerance": self.rate_tolerance,
        }
        if self.checks:
            data["checks"] = {key: list(value) if key == CHECKS_DISABLE else dict(value)
                              for key, value in self.checks.items()}
        return data

    @cached_property
    def sha256(self) -> str:
        """SHA-256 of the canonical JSON of :meth:`to_dict` (sorted keys, UTF-8)."""
        canonical = json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True,
                               separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False)

    # -- helpers -------------------------------------------------------------------------
    def level(self, name: str) -> QualitativeLevel:
        for level in self.qualitative_levels:
            if level.name == name:
                return level
        raise KeyError(name)

    @property
    def grades(self) -> tuple[str, ...]:
        """The total-score grades, best first (优, 良, 中, 差)."""
        return tuple(band.grade for band in self.grade_bands)

    def grade_of(self, total: float) -> str | None:
        """The grade of a total score (89.99 -> 良, 90 -> 优); None for NaN."""
        if total is None or (isinstance(total, float) and math.isnan(total)):
            return None
        for band in self.grade_bands:
            if total >= band.min - 1e-9:
                return band.grade
        return self.grade_bands[-1].grade

    def normalise_grade(self, word: str | None) -> str | None:
        """A grade word on the scale (优秀 -> 优), None if the word is no grade."""
        if word is None:
            return None
        text = str(word).strip()
        text = self.grade_aliases.get(text, text)
        known = {g for scale in self.grade_scales for g in scale}
        return text if text in known else None

    def with_changes(self, **changes: Any) -> "RuleSet":
        """A validated copy with some keys changed (e.g. ``reverse_rule="linear"``)."""
        data = self.to_dict()
        data.update(changes)
        return _from_mapping(data, source=self.source)


# -- building and validating -------------------------------------------------------------

def _where(source: str) -> str:
    return f"评分规则“{source}”" if source else "评分规则"


def _number(data: Mapping, key: str, source: str, *, low: float | None = None,
            high: float | None = None) -> float:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise RulesError(f"{_where(source)}中“{key}”应为{KEYS[key]}，实际为“{value}”。")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"{low if low is not None else '-∞'} 到 {high if high is not None else '∞'}"
        raise RulesError(f"{_where(source)}中“{key}”应在 {bounds} 之间，实际为 {value}。")
    return float(value)


def _bool(data: Mapping, key: str, source: str) -> bool:
    value = data[key]
    if not isinstance(value, bool):
        raise RulesError(f"{_where(source)}中“{key}”应为 true 或 false，实际为“{value}”。")
    return value


def _text(data: Mapping, key: str, source: str, *, allow_empty: bool = False) -> str:
    value = data[key]
    if value is None and allow_empty:
        return ""
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise RulesError(f"{_where(source)}中“{key}”应为{KEYS[key]}，实际为“{value}”。")
    return value.strip()


def _word_map(data: Mapping, key: str, source: str, allowed: set[str] | None = None
              ) -> Mapping[str, str]:
    value = data[key]
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise RulesError(f"{_where(source)}中“{key}”应为{KEYS[key]}。")
    result = {}
    for word, target in value.items():
        if not isinstance(target, str) or (allowed is not None and target not in allowed):
            valid = "、".join(sorted(allowed)) if allowed else "文字"
            raise RulesError(f"{_where(source)}中“{key}”的“{word}”对应“{target}”无效，"
                             f"可用的值：{valid}。")
        result[str(word)] = target
    return MappingProxyType(result)


def _from_mapping(data: Mapping[str, Any], source: str = "") -> RuleSet:
    """Validate a complete rule-set mapping (``extends`` already resolved)."""
    if not isinstance(data, Mapping):
        raise RulesError(f"{_where(source)}的内容应为“键: 值”形式的映射。")
    unknown = [key for key in data if key not in KEYS and key not in OPTIONAL_KEYS
               and key not in EXTRA_KEYS]
    if unknown:
        raise RulesError(f"{_where(source)}中的键“{'、'.join(map(str, unknown))}”无法识别。"
                         f"可用的键：{'、'.join([*KEYS, *OPTIONAL_KEYS])}。")
    missing = [key for key in KEYS if key not in data]
    if missing:
        raise RulesError(f"{_where(source)}缺少键“{'、'.join(missing)}”。请补全，"
                         "或在文件开头写 extends: central，只列出需要修改的键。")

    reverse_rule = data["reverse_rule"]
    if reverse_rule not in REVERSE_RULES:
        raise RulesError(f"{_where(source)}中“reverse_rule”为“{reverse_rule}”，"
                         f"可用的值：{'、'.join(REVERSE_RULES)}。")

    dimension_weights = data["dimension_weights"] or {}
    if not isinstance(dimension_weights, Mapping):
        raise RulesError(f"{_where(source)}中“dimension_weights”应为{KEYS['dimension_weights']}。")
    for dim, weight in dimension_weights.items():
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
            raise RulesError(f"{_where(source)}中“dimension_weights”的“{dim}”应为非负数字，"
                             f"实际为“{weight}”。")

    levels_data = data["qualitative_levels"]
    if not isinstance(levels_data, Mapping) or set(levels_data) != set(QUALITATIVE_LEVEL_NAMES):
        got = "、".join(map(str, levels_data)) if isinstance(levels_data, Mapping) else str(levels_data)
        raise RulesError(f"{_where(source)}中“qualitative_levels”应恰好包含"
                         f"{'、'.join(QUALITATIVE_LEVEL_NAMES)}三档，实际为“{got}”。")
    levels = []
    for name in QUALITATIVE_LEVEL_NAMES:
        spec = levels_data[name]
        band = spec.get("band") if isinstance(spec, Mapping) else None
        share = spec.get("share") if isinstance(spec, Mapping) else None
        extra = set(spec) - {"band", "share"} if isinstance(spec, Mapping) else set()
        ok = (isinstance(band, (list, tuple)) and len(band) == 2
              and all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in band)
              and 0 <= band[0] <= band[1] <= 1
              and isinstance(share, (int, float)) and not isinstance(share, bool)
              and 0 <= share <= 1 and not extra)
        if not ok:
            raise RulesError(f"{_where(source)}中定性档次“{name}”应写成 "
                             "{band: [下限, 上限], share: 默认比例}，均为 0 到 1 的数字，"
                             f"实际为“{spec}”。")
        levels.append(QualitativeLevel(name, float(band[0]), float(band[1]), float(share)))

    scales_data = data["grade_scales"]
    if (not isinstance(scales_data, (list, tuple)) or not scales_data
            or not all(isinstance(s, (list, tuple)) and len(s) >= 2
                       and all(isinstance(g, str) and g for g in s) for s in scales_data)):
        raise RulesError(f"{_where(source)}中“grade_scales”应为{KEYS['grade_scales']}，"
                         f"实际为“{scales_data}”。")
    scales = tuple(tuple(scale) for scale in scales_data)

    bands_data = data["grade_bands"]
    bands = []
    if isinstance(bands_data, (list, tuple)) and bands_data:
        for spec in bands_data:
            if (isinstance(spec, Mapping) and set(spec) == {"grade", "min"}
                    and isinstance(spec["grade"], str) and isinstance(spec["min"], (int, float))
                    and not isinstance(spec["min"], bool)):
                bands.append(GradeBand(spec["grade"], float(spec["min"])))
            else:
                bands = []
                break
    if not bands or any(a.min <= b.min for a, b in zip(bands, bands[1:])):
        raise RulesError(f"{_where(source)}中“grade_bands”应为{KEYS['grade_bands']}，"
                         "例如 [{grade: 优, min: 90}, {grade: 良, min: 80}, {grade: 中, min: 60}, "
                         f"{{grade: 差, min: 0}}]，实际为“{bands_data}”。")

    return RuleSet(
        name=_text(data, "name", source),
        title=_text(data, "title", source),
        description=_text(data, "description", source, allow_empty=True),
        total_weight=_number(data, "total_weight", source, low=0),
        budget_weight=_number(data, "budget_weight", source, low=0),
        dimension_weights=MappingProxyType({str(k): float(v) for k, v in dimension_weights.items()}),
        reverse_rule=reverse_rule,
        over_achievement_ratio=_number(data, "over_achievement_ratio", source, low=1),
        cut_over_achievement=_bool(data, "cut_over_achievement", source),
        over_achievement_cut_share=_number(data, "over_achievement_cut_share", source, low=0, high=1),
        low_execution_rate=_number(data, "low_execution_rate", source, low=0, high=1),
        low_execution_requires_reason=_bool(data, "low_execution_requires_reason", source),
        qualitative_levels=tuple(levels),
        achievement_words=_word_map(data, "achievement_words", source, set(QUALITATIVE_LEVEL_NAMES)),
        grade_scales=scales,
        grade_aliases=_word_map(data, "grade_aliases", source),
        grade_bands=tuple(bands),
        tolerance=_number(data, "tolerance", source, low=0),
        rate_tolerance=_number(data, "rate_tolerance", source, low=0),
        checks=_checks(data.get("checks"), source),
        source=source,
    )


CHECKS_DISABLE = "disable"


def _checks(value: Any, source: str) -> Mapping[str, Any]:
    """The ``checks`` key in its shape: ``disable`` a list of codes, every other key a check
    code mapping parameter names to values.  Whether the codes and parameters exist is checked
    against the registry when the audit runs (perfnb.evaluation.checks.catalog.settings)."""
    if value is None:
        return MappingProxyType({})
    example = "例如 checks: {disable: [KIND_CONFLICT], LOW_EXECUTION: {threshold: 0.85}}"
    if not isinstance(value, Mapping):
        raise RulesError(f"{_where(source)}中“checks”应为{OPTIONAL_KEYS['checks']}，{example}，"
                         f"实际为“{value}”。")
    result: dict[str, Any] = {}
    for key, item in value.items():
        if key == CHECKS_DISABLE:
            items = [item] if isinstance(item, str) else item
            if items is None:
                items = []
            if not isinstance(items, (list, tuple)) or not all(isinstance(c, str) for c in items):
                raise RulesError(f"{_where(source)}中“checks.disable”应为检查项代码的列表，"
                                 f"{example}，实际为“{item}”。")
            result[CHECKS_DISABLE] = tuple(c.strip() for c in items)
        elif not isinstance(key, str):
            raise RulesError(f"{_where(source)}中“checks”的键“{key}”应为检查项代码。")
        elif not isinstance(item, Mapping) or not all(isinstance(k, str) for k in item):
            raise RulesError(f"{_where(source)}中“checks.{key}”应为“参数: 值”形式的映射，"
                             f"{example}，实际为“{item}”。")
        else:
            result[key] = MappingProxyType(dict(item))
    return MappingProxyType(result)


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` on top of ``base``; nested mappings merge key by key, ``null`` replaces."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_yaml(path: Path) -> Mapping[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RulesError(f"找不到评分规则文件“{path}”。可用的内置规则：{'、'.join(list_rules())}。")
    except (OSError, UnicodeDecodeError) as err:
        raise RulesError(f"无法读取评分规则文件“{path}”：{err}。请确认它是 UTF-8 编码的 YAML 文件。")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark is not None else ""
        raise RulesError(f"评分规则文件“{path}”{where}不是有效的 YAML：{getattr(err, 'problem', err)}。")
    if not isinstance(data, Mapping):
        raise RulesError(f"评分规则文件“{path}”的内容应为“键: 值”形式的映射。")
    return data


def _entry_points() -> dict[str, metadata.EntryPoint]:
    return {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


def _builtin_names() -> list[str]:
    return sorted(p.stem for p in RULESETS_DIR.glob("*.yaml"))


def list_rules() -> list[str]:
    """Names of the available rule sets: built-ins first, then those of other packages."""
    names = _builtin_names()
    names += sorted(name for name in _entry_points() if name not in names)
    return names


def _raw_from_entry_point(name: str, ep: metadata.EntryPoint) -> tuple[Mapping[str, Any], str]:
    try:
        obj = ep.load()
        value = obj() if callable(obj) else obj
    except RulesError:
        raise
    except Exception as err:  # a third-party plug-in failed: say which
        raise RulesError(f"加载评分规则“{name}”（{ep.value}）时出错：{err}。")
    if isinstance(value, RuleSet):
        return value.to_dict(), f"{name}（{ep.value}）"
    if isinstance(value, (str, Path)):
        path = Path(value)
        return _read_yaml(path), str(path)
    if isinstance(value, Mapping):
        return value, f"{name}（{ep.value}）"
    raise RulesError(f"评分规则“{name}”（{ep.value}）应返回 RuleSet、映射或 YAML 文件路径，"
                     f"实际返回 {type(value).__name__}。")


def _raw(spec: str | Path, seen: tuple[str, ...] = ()) -> tuple[dict[str, Any], str]:
    """The complete mapping of a rule set (``extends`` resolved) and its source."""
    text = str(spec)
    is_file = isinstance(spec, Path) or text.lower().endswith((".yaml", ".yml")) or "/" in text \
        or "\\" in text
    if is_file:
        path = Path(text).expanduser()
        data, source = _read_yaml(path), str(path)
    elif (RULESETS_DIR / f"{text}.yaml").is_file():
        path = RULESETS_DIR / f"{text}.yaml"
        data, source = _read_yaml(path), text
    else:
        eps = _entry_points()
        if text not in eps:
            raise RulesError(f"没有名为“{text}”的评分规则。可用的规则：{'、'.join(list_rules())}；"
                             "也可以给出规则 YAML 文件的路径。")
        data, source = _raw_from_entry_point(text, eps[text])

    data = dict(data)
    base_name = data.pop("extends", None)
    if base_name is None:
        return data, source
    if not isinstance(base_name, str) or not base_name.strip():
        raise RulesError(f"{_where(source)}中“extends”应为另一个规则的名称或文件路径，实际为“{base_name}”。")
    key = base_name.strip()
    if isinstance(spec, Path) or is_file:
        candidate = (Path(text).expanduser().parent / key)
        if key.lower().endswith((".yaml", ".yml")) and candidate.is_file():
            key = str(candidate)
    if key in seen or key == source:
        raise RulesError(f"{_where(source)}的“extends”形成循环：{' → '.join(seen + (source, key))}。")
    base, _ = _raw(key, seen + (source,))
    return _merge(base, data), source


def get_rules(rules: "str | Path | RuleSet | None" = "central") -> RuleSet:
    """The rule set named by ``rules``: a built-in name, a YAML path, a plug-in name, a RuleSet."""
    if rules is None:
        rules = "central"
    if isinstance(rules, RuleSet):
        return rules
    if not isinstance(rules, (str, Path)) or not str(rules).strip():
        raise RulesError(f"评分规则应为规则名或 YAML 文件路径，实际为“{rules}”。"
                         f"可用的规则：{'、'.join(list_rules())}。")
    data, source = _raw(rules if isinstance(rules, Path) else str(rules).strip())
    return _from_mapping(data, source)


__all__ = ["RuleSet", "QualitativeLevel", "GradeBand", "get_rules", "list_rules", "KEYS", "OPTIONAL_KEYS",
           "REVERSE_RULES", "QUALITATIVE_LEVEL_NAMES", "replace"]
