"""Reading files in worker processes, so that one file that kills its reader fails alone.

The readers refuse what is too large before allocating it (:mod:`perfnb.limits`), but a
reader is native code (python-calamine, pdfminer, lxml): a file can still make a process
abort (SIGABRT on a failed allocation), be killed by the kernel's OOM killer, or crash.
:func:`isolated_map` runs ``function`` over items in a ``fork`` process pool; when a worker
dies, the pool is broken for every item in flight, so each item not yet finished is run
again alone, in a process of its own: the item that kills that process gets
``crashed(item)`` as its result, every other item its real one.
"""
from __future__ import annotations

import concurrent.futures
import multiprocessing
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Sequence

__all__ = ["isolated_map", "can_fork", "CRASH_MESSAGE"]

CRASH_MESSAGE = ("读取该文件时处理进程意外退出（可能是文件异常导致内存耗尽或读取程序崩溃），"
                 "已跳过该文件，其他文件不受影响；请用 Excel、WPS 或 Word 打开该文件后另存，再重新运行")


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def isolated_map(function: Callable[[Any], Any], items: Sequence[Any], jobs: int,
                 crashed: Callable[[Any], Any], done: Callable[[Any, Any], None] | None = None
                 ) -> list[Any]:
    """``[function(item) for item in items]``, in up to ``jobs`` forked processes.

    ``done(item, result)`` is called as each item finishes (progress).  An item whose
    process dies gets ``crashed(item)``.  ``function`` must be a module-level function
    (it is pickled by name; with ``fork`` the workers share the parent's imported modules).
    """
    results: dict[int, Any] = {}
    context = multiprocessing.get_context("fork")
    pending = list(range(len(items)))
    if pending:
        with concurrent.futures.ProcessPoolExecutor(max(1, min(jobs, len(pending))),
                                                    mp_context=context) as pool:
            futures = {pool.submit(function, items[index]): index for index in pending}
            for future in concurrent.futures.as_completed(futures):
                try:
                    result = future.result()
                except BrokenProcessPool:
                    continue          # every unfinished item is redone alone, below
                results[futures[future]] = result
                if done is not None:
                    done(items[futures[future]], result)
    for index in pending:
        if index in results:
            continue
        try:
            with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as alone:
                result = alone.submit(function, items[index]).result()
        except BrokenProcessPool:
            result = crashed(items[index])
        results[index] = result
        if done is not None:
            done(items[index], result)
    return [results[index] for index in range(len(items))]
