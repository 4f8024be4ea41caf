"""The committees' forms out (biểu mẫu báo cáo): the organisation commission's statistics forms
on party development and the quarterly/yearly attainment report, filled from the read models the
dashboards use (:mod:`service.forms.figures`), as XLSX, PDF, CSV, JSON or text
(:mod:`service.forms.render`). Layouts and their sources: ``docs/reports.md``.
"""
