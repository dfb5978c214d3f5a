"""The audit checks, one declared unit each (see :mod:`.registry`); :mod:`.catalog` lists them.

Families: :mod:`.indicators` (each indicator row), :mod:`.budgets` (the funds block),
:mod:`.rollups` (合计/小计, 总分, 分值, 等级), :mod:`.observations` (what readers read past).
"""
