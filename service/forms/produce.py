"""A form asked for, filled and written: what ``ketnap report --form`` and ``GET /reports/…``
both run, inside one read transaction of the tenant's read models."""

from __future__ import annotations

import re
from datetime import date, datetime

from domain.quotas import Period
from projections.cut import Cut, position_recorded_by
from projections.sql import Tx
from service.forms.figures import FormRequest, build_form, form_kind
from service.forms.pdf import FontFiles
from service.forms.render import render
from service.forms.text import Format


def produce(
    tx: Tx,
    *,
    tenant: str,
    committee: str,
    form: str,
    output: Format,
    period: Period,
    as_of: date,
    recorded_at: datetime | None,
    unit_code: str | None,
    font: FontFiles | None,
) -> tuple[bytes, str]:
    """The form's bytes in ``output`` and a file name for them, at the cut (``as_of``, and as
    recorded at ``recorded_at``: the read models' position then)."""
    kind = form_kind(form)
    position = position_recorded_by(tx, recorded_at) if recorded_at else None
    asked = FormRequest(kind, period, Cut(as_of=as_of, recorded=position), recorded_at, unit_code)
    filled = build_form(tx, tenant, committee, asked)
    return render(filled, output, font), file_name(
        kind.name, filled.header.unit_code, period, as_of, output
    )


def file_name(form: str, unit: str | None, period: Period, as_of: date, output: Format) -> str:
    """``new-members_KDN_2024-Q3_2024-09-30.xlsx``: ASCII only, safe in a header and a path."""
    period_text = period.key.partition(":")[2] or period.key
    parts = [form, unit or "", period_text, as_of.isoformat()]
    safe = [re.sub(r"[^A-Za-z0-9._-]+", "-", p).strip("-") for p in parts]
    extension = "txt" if output.name == "text" else output.name
    return "_".join(p for p in safe if p) + f".{extension}"
