"""The forms' PDF font is configuration (``KETNAP_REPORT_FONT``, read by bootstrap only), found by
a default search otherwise, and its absence is explained in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.errors import DomainError
from service.bootstrap import absolute, read_settings
from service.forms.pdf import report_font, settings_font
from service.settings import DEFAULT_REPORT_FONTS, Settings


def test_the_font_comes_from_the_setting_or_the_default_search(tmp_path: Path) -> None:
    chosen = absolute(read_settings({"KETNAP_REPORT_FONT": "fonts/Mine.ttf"}), tmp_path)
    assert chosen.report_font == tmp_path / "fonts" / "Mine.ttf"
    assert read_settings({}).report_font is None
    font = tmp_path / "fonts" / "Mine.ttf"
    font.parent.mkdir()
    font.write_bytes(b"not checked here")
    assert report_font(font, DEFAULT_REPORT_FONTS).regular == font
    assert report_font(font, DEFAULT_REPORT_FONTS).bold == font  # no Mine-Bold.ttf beside it
    (tmp_path / "fonts" / "Mine-Bold.ttf").write_bytes(b"bold")
    assert report_font(font, ()).bold == tmp_path / "fonts" / "Mine-Bold.ttf"
    # without a setting, the first default found (Debian's DejaVu Sans, scripts/venv.sh)
    found = settings_font(Settings())
    assert found.regular in DEFAULT_REPORT_FONTS


def test_no_usable_font_is_explained_in_both_languages(tmp_path: Path) -> None:
    missing = tmp_path / "none.ttf"
    with pytest.raises(DomainError) as refused:
        report_font(missing, DEFAULT_REPORT_FONTS)  # a setting is not second-guessed
    assert refused.value.code == "REPORT_FONT_MISSING"
    assert "KETNAP_REPORT_FONT" in refused.value.message_vi
    assert "fonts-dejavu-core" in refused.value.message_en
    assert str(missing) in refused.value.message_en
    with pytest.raises(DomainError):
        report_font(None, (tmp_path / "a.ttf", tmp_path / "b.ttf"))
