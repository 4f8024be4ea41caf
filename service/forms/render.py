"""One entry point for every output format of a form."""

from __future__ import annotations

from service.forms.model import Form
from service.forms.pdf import FontFiles, to_pdf
from service.forms.text import WRITERS, Format
from service.forms.xlsx import to_xlsx


def render(form: Form, output: Format, font: FontFiles | None) -> bytes:
    """``form`` written as ``output``; a PDF needs ``font`` (:func:`service.forms.pdf.
    report_font`), the other formats ignore it."""
    if output.name == "xlsx":
        return to_xlsx(form)
    if output.name == "pdf":
        assert font is not None, "a PDF needs a font"
        return to_pdf(form, font)
    return WRITERS[output.name](form)
