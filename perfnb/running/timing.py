"""Where a unit's CPU seconds go, recorded when ``PERFNB_TIMINGS`` is set (the benchmark
sets it; nothing is measured otherwise).

The runner notes, per unit, the CPU of its own process in each phase (preparing, driving
the notebook, writing the record, each export) and, read from ``/proc/<pid>/stat``, the
CPU of the unit's kernel process: up to its first cell (its start, imports included for a
launched kernel; a forked kernel starts with them done) and in each code cell.  The worker
adds hashing the unit's files (the archive), the batch the planning of the unit.  The
figures land in the unit's outcome and manifest entry under ``cpu``.
"""
from __future__ import annotations

import os
import time

ENV = "PERFNB_TIMINGS"


def enabled() -> bool:
    return bool(os.environ.get(ENV))


def process_cpu(pid: int | None) -> float | None:
    """User + system CPU seconds of process ``pid`` so far (None where /proc is missing)."""
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            stat = handle.read()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Clock:
    """CPU of this process between marks: ``clock.mark("export_pdf")`` adds the CPU since
    the previous mark to that phase."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self.last = time.process_time()

    def mark(self, phase: str) -> None:
        now = time.process_time()
        self.phases[phase] = round(self.phases.get(phase, 0.0) + now - self.last, 4)
        self.last = now


class KernelCells:
    """nbclient hooks noting the kernel's CPU before its first cell and in each cell."""

    def __init__(self, kernel: dict) -> None:
        self.kernel = kernel          # the runner's kernel record: "pid" once launched
        self.start: float | None = None
        self.cells: list[float | None] = []
        self._before: float | None = None

    def on_cell_start(self, cell=None, cell_index=None, **_) -> None:
        self._before = process_cpu(self.kernel.get("pid"))
        if self.start is None:
            self.start = self._before

    def on_cell_executed(self, cell=None, cell_index=None, **_) -> None:
        after = process_cpu(self.kernel.get("pid"))
        self.cells.append(round(after - self._before, 4)
                          if after is not None and self._before is not None else None)

    def hooks(self) -> dict:
        return {"on_cell_start": self.on_cell_start, "on_cell_executed": self.on_cell_executed}

    def record(self) -> dict:
        return {"kernel_start": self.start, "cells": self.cells}
