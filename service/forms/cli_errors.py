"""Refusals of the forms' arguments that no query raises (bilingual, with a code)."""

from __future__ import annotations

from domain.errors import InvalidInput


def form_required() -> InvalidInput:
    """--format other than text, --unit or --output without --form."""
    return InvalidInput(
        "FORM_REQUIRED",
        "Hãy chọn một biểu mẫu (--form new-members, membership-change hoặc attainment) để dùng "
        "--format, --unit hoặc --output.",
        "Name a form (--form new-members, membership-change or attainment) to use --format, "
        "--unit or --output.",
        field="form",
    )


def output_required(output: str) -> InvalidInput:
    """A binary format bound for a terminal."""
    return InvalidInput(
        "OUTPUT_REQUIRED",
        f"Định dạng {output} là tệp nhị phân: hãy ghi ra tệp (--output TÊN_TỆP) hoặc chuyển "
        "qua ống (pipe), không in ra màn hình.",
        f"The {output} format is binary: write it to a file (--output FILE) or a pipe, not to "
        "a terminal.",
        field="output",
    )
