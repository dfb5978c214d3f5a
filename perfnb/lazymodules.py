"""Optional grammars that perfnb's processes build only when they are used.

``import jsonschema`` (which nbformat, papermill and nbclient do on import, and perfnb's
result schema needs) builds the Lark grammar of RFC 3987 through ``rfc3987_syntax``, the
checker of the ``iri`` / ``iri-reference`` formats: ~1–2.5 s of CPU in every process that
imports nbformat — a batch's own process, its workers' forkserver and its kernel fork server,
each once.  Neither nbformat's notebook schema nor perfnb's schemas use those formats.

:func:`defer_iri_grammar` puts a stand-in for ``rfc3987_syntax`` in ``sys.modules`` before
jsonschema is imported: its ``is_valid_syntax`` (the one name jsonschema imports) loads the
real module on its first call, and any other attribute loads it on first access.  So a
schema that does check an IRI gets the very same answer, only later; nothing else changes.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import types

__all__ = ["defer_iri_grammar"]

IRI_GRAMMAR_MODULE = "rfc3987_syntax"


class _Deferred(types.ModuleType):
    """A stand-in that replaces itself with the real module on first use."""

    def __getattr__(self, name: str):
        if name.startswith("__"):  # the import system's own questions (__path__, __spec__ …)
            raise AttributeError(name)
        return getattr(_real(self.__name__), name)


def _real(name: str) -> types.ModuleType:
    if isinstance(sys.modules.get(name), _Deferred):
        del sys.modules[name]
    return importlib.import_module(name)


def _is_valid_syntax(term: str, value: str):
    return _real(IRI_GRAMMAR_MODULE).is_valid_syntax(term, value)


def defer_iri_grammar() -> bool:
    """Install the stand-in unless the module is already loaded or not installed; whether
    it is in place."""
    current = sys.modules.get(IRI_GRAMMAR_MODULE)
    if isinstance(current, _Deferred):
        return True
    if current is not None or "jsonschema" in sys.modules:
        return False
    try:
        spec = importlib.util.find_spec(IRI_GRAMMAR_MODULE)
    except (ImportError, ValueError):
        return False
    if spec is None:
        return False
    stand_in = _Deferred(IRI_GRAMMAR_MODULE, __doc__)
    stand_in.__spec__ = spec   # find_spec() still answers; the module is loaded on first use
    stand_in.is_valid_syntax = _is_valid_syntax
    sys.modules[IRI_GRAMMAR_MODULE] = stand_in
    return True
