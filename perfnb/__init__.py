"""perfnb: evaluation workbooks for Chinese budget-project performance self-evaluation.

Public API::

    from perfnb import load_unit, evaluate
    tables = load_unit("params/nmg-rd-2022-rdlz.yaml")
    result = evaluate(tables, rules="central")
    result.to_dict(result.unit_ids[0])
"""
from __future__ import annotations

__version__ = "0.1.0"

from perfnb.errors import InputError, PerfnbError  # noqa: E402
from perfnb.lazymodules import defer_iri_grammar  # noqa: E402

# Before anything imports jsonschema (nbformat does): its IRI grammar is built on first use
# only (~1–2.5 s of CPU otherwise in each of a batch's processes; see perfnb.lazymodules).
defer_iri_grammar()

__all__ = ["__version__", "PerfnbError", "InputError", "load_unit", "load_units", "evaluate",
           "get_rules", "load_results"]


def __getattr__(name: str):
    # Lazy imports keep `import perfnb` (and the CLI's start-up) cheap.
    if name in ("load_unit", "load_units"):
        from perfnb import reading
        return getattr(reading, name)
    if name == "evaluate":
        from perfnb.evaluation.evaluator import evaluate
        return evaluate
    if name == "get_rules":
        from perfnb.evaluation.rules import get_rules
        return get_rules
    if name == "load_results":
        from perfnb.reporting.summary import load_results
        return load_results
    raise AttributeError(f"module 'perfnb' has no attribute {name!r}")


def _register_display() -> None:
    """In IPython (JupyterLab, a kernel), show an Evaluation as its tables: the reporting
    layer's formatters are registered for it (the data model does not render itself)."""
    import sys
    if "IPython" not in sys.modules:
        return
    try:
        from IPython import get_ipython
        if get_ipython() is None:
            return
        from perfnb.reporting.display import register_formatters
        register_formatters()
    except Exception:  # pragma: no cover - display is a nicety, never a reason to fail import
        pass


_register_display()
