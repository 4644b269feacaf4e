"""The closed set of the exports: which level's results a table holds."""

from __future__ import annotations

from jiceng_shared.enums import LabelledEnum


class ExportLevel(LabelledEnum):
    """A level of results, labelled with the title of its table."""

    GRID_WORKERS = "grid_workers", "网格员考核结果"
    UNITS = "units", "承办单位考核指标"
    HOTLINE_TOWNSHIPS = "hotline_townships", "接诉即办三率（乡镇街道）"
    HOTLINE_DEPARTMENTS = "hotline_departments", "接诉即办三率（部门）"
    STATIONED = "stationed", "派驻机构双重考核结果"
