"""The documents the checks' 依据 sections cite (see ../shared/domain.md)."""
from __future__ import annotations

BASIS_10 = "财预〔2020〕10号《项目支出绩效评价管理办法》"
FORM_10 = "财预〔2020〕10号附件《项目支出绩效自评表》"
