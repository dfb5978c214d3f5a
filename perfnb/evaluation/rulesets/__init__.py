"""Built-in rule sets, as YAML files next to this module.

The functions below are this package's own entries in the ``perfnb.rulesets`` entry-point
group (see pyproject.toml); another package registers its rule sets the same way, with a
function that returns a :class:`perfnb.evaluation.rules.RuleSet`, a mapping, or the path of a YAML file.
"""
from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent


def central() -> Path:
    """财预〔2020〕10号 (the national rules; the default)."""
    return HERE / "central.yaml"


def sichuan() -> Path:
    """四川: 预算执行 10 + 绩效指标 90; a reason is required below 90% execution."""
    return HERE / "sichuan.yaml"
