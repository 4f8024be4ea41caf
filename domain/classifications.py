"""The official lists a candidate's ethnicity and religion are recorded from (danh mục).

Both feed the reports on new members (cơ cấu đảng viên mới kết nạp: người dân tộc thiểu số,
người có đạo), so they are lists, not free text: a report can only count what is spelt one way.

- :class:`Ethnicity`: the 54 ethnic groups of Vietnam in the order and with the names of the
  *Danh mục các thành phần dân tộc Việt Nam* (Quyết định 121-TCTK/PPCĐ, 02/03/1979), spelt as
  the statistics office's later list spells them (Quyết định 1019/QĐ-TCTK, 12/11/2008: the same
  54 groups), plus the statistics office's code for a person of foreign origin (người nước
  ngoài) and, only for records made before the list, "not determined".
- :class:`Religion`: none (không) and the 16 religions recognised or registered by the State
  (Ban Tôn giáo Chính phủ; the statistics office's list of 2008 named 14 of them), plus "other".

How the lists were compiled and what was not checked against the gazette is in
``docs/regulations.md`` ("Personal data feeding rules and statistics").

Texts recorded before the lists existed (free text such as "Kinh", "H'Mông", "Thiên chúa
giáo") are read by :meth:`Ethnicity.from_text` / :meth:`Religion.from_text`: Unicode NFC,
letter case, diacritics, spaces, hyphens and apostrophes do not matter, and the other names of
the 1979 list (tên gọi khác, a selection) are known.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from enum import Enum
from typing import TypeVar

E = TypeVar("E", bound=Enum)


def fold(text: str) -> str:
    """``text`` as compared with the lists: NFC, no diacritics (đ → d), lower case, letters and
    digits only ("Ê-đê" → "ede", "H'Mông" → "hmong")."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFC", text))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    bare = bare.replace("đ", "d").replace("Đ", "D").casefold()
    return re.sub(r"[^0-9a-z]", "", bare)


def _index(names: list[tuple[str, E]]) -> dict[str, E]:
    """Folded name → member; two members under one folded name is a mistake in the lists."""
    index: dict[str, E] = {}
    for name, member in names:
        key = fold(name)
        if index.setdefault(key, member) is not member:
            msg = f"{name!r} names both {index[key]} and {member}"
            raise ValueError(msg)
    return index


def _suggest(text: str, labels: dict[str, str]) -> list[str]:
    """Up to three list names close to ``text`` (``labels``: folded → name)."""
    close = difflib.get_close_matches(fold(text), list(labels), n=3, cutoff=0.6)
    return list(dict.fromkeys(labels[key] for key in close))


class Ethnicity(Enum):
    """Dân tộc: the 54 groups of Vietnam (1979 list order), a foreign origin, or — only for
    records made before the list — not determined."""

    KINH = "kinh"
    TAY = "tay"
    THAI = "thai"
    HOA = "hoa"
    KHMER = "khmer"
    MUONG = "muong"
    NUNG = "nung"
    HMONG = "hmong"
    DAO = "dao"
    GIA_RAI = "gia_rai"
    NGAI = "ngai"
    E_DE = "e_de"
    BA_NA = "ba_na"
    XO_DANG = "xo_dang"
    SAN_CHAY = "san_chay"
    CO_HO = "co_ho"
    CHAM = "cham"
    SAN_DIU = "san_diu"
    HRE = "hre"
    MNONG = "mnong"
    RA_GLAI = "ra_glai"
    XTIENG = "xtieng"
    BRU_VAN_KIEU = "bru_van_kieu"
    THO = "tho"
    GIAY = "giay"
    CO_TU = "co_tu"
    GIE_TRIENG = "gie_trieng"
    MA = "ma"
    KHO_MU = "kho_mu"
    CO = "co"
    TA_OI = "ta_oi"
    CHO_RO = "cho_ro"
    KHANG = "khang"
    XINH_MUN = "xinh_mun"
    HA_NHI = "ha_nhi"
    CHU_RU = "chu_ru"
    LAO = "lao"
    LA_CHI = "la_chi"
    LA_HA = "la_ha"
    PHU_LA = "phu_la"
    LA_HU = "la_hu"
    LU = "lu"
    LO_LO = "lo_lo"
    CHUT = "chut"
    MANG = "mang"
    PA_THEN = "pa_then"
    CO_LAO = "co_lao"
    CONG = "cong"
    BO_Y = "bo_y"
    SI_LA = "si_la"
    PU_PEO = "pu_peo"
    BRAU = "brau"
    O_DU = "o_du"
    RO_MAM = "ro_mam"
    FOREIGN_ORIGIN = "foreign_origin"  # người nước ngoài (gốc nước ngoài)
    UNDETERMINED = "undetermined"  # chưa xác định: records made before the list only

    @property
    def label_vi(self) -> str:
        """The Vietnamese name ("Ê Đê")."""
        return _ETHNICITY_VI[self]

    @property
    def is_ethnic_group(self) -> bool:
        """One of the 54 groups (not a foreign origin, not undetermined)."""
        return self not in (Ethnicity.FOREIGN_ORIGIN, Ethnicity.UNDETERMINED)

    @property
    def is_ethnic_minority(self) -> bool:
        """Dân tộc thiểu số: one of the 53 groups other than the Kinh (Nghị định
        05/2011/NĐ-CP, Art. 4.2: the groups smaller than the majority)."""
        return self.is_ethnic_group and self is not Ethnicity.KINH

    @classmethod
    def from_text(cls, text: str) -> Ethnicity | None:
        """The group a written name means ("Ê-đê", "người H'Mông", "Mèo", "kinh"), or None."""
        folded = fold(text)
        for prefix in ("dantoc", "nguoi"):
            if folded.startswith(prefix) and folded[len(prefix) :] in _ETHNICITY_INDEX:
                folded = folded[len(prefix) :]
        return _ETHNICITY_INDEX.get(folded)

    @classmethod
    def suggestions(cls, text: str) -> list[str]:
        """Names of the list close to ``text`` (for a refusal's hint)."""
        return _suggest(text, _ETHNICITY_LABELS)

    @classmethod
    def _missing_(cls, value: object) -> Ethnicity | None:
        return cls.from_text(value) if isinstance(value, str) else None


_ETHNICITY_VI: dict[Ethnicity, str] = {
    Ethnicity.KINH: "Kinh",
    Ethnicity.TAY: "Tày",
    Ethnicity.THAI: "Thái",
    Ethnicity.HOA: "Hoa",
    Ethnicity.KHMER: "Khmer",
    Ethnicity.MUONG: "Mường",
    Ethnicity.NUNG: "Nùng",
    Ethnicity.HMONG: "Mông",
    Ethnicity.DAO: "Dao",
    Ethnicity.GIA_RAI: "Gia Rai",
    Ethnicity.NGAI: "Ngái",
    Ethnicity.E_DE: "Ê Đê",
    Ethnicity.BA_NA: "Ba Na",
    Ethnicity.XO_DANG: "Xơ Đăng",
    Ethnicity.SAN_CHAY: "Sán Chay",
    Ethnicity.CO_HO: "Cơ Ho",
    Ethnicity.CHAM: "Chăm",
    Ethnicity.SAN_DIU: "Sán Dìu",
    Ethnicity.HRE: "Hrê",
    Ethnicity.MNONG: "Mnông",
    Ethnicity.RA_GLAI: "Ra Glai",
    Ethnicity.XTIENG: "Xtiêng",
    Ethnicity.BRU_VAN_KIEU: "Bru Vân Kiều",
    Ethnicity.THO: "Thổ",
    Ethnicity.GIAY: "Giáy",
    Ethnicity.CO_TU: "Cơ Tu",
    Ethnicity.GIE_TRIENG: "Giẻ Triêng",
    Ethnicity.MA: "Mạ",
    Ethnicity.KHO_MU: "Khơ Mú",
    Ethnicity.CO: "Co",
    Ethnicity.TA_OI: "Tà Ôi",
    Ethnicity.CHO_RO: "Chơ Ro",
    Ethnicity.KHANG: "Kháng",
    Ethnicity.XINH_MUN: "Xinh Mun",
    Ethnicity.HA_NHI: "Hà Nhì",
    Ethnicity.CHU_RU: "Chu Ru",
    Ethnicity.LAO: "Lào",
    Ethnicity.LA_CHI: "La Chí",
    Ethnicity.LA_HA: "La Ha",
    Ethnicity.PHU_LA: "Phù Lá",
    Ethnicity.LA_HU: "La Hủ",
    Ethnicity.LU: "Lự",
    Ethnicity.LO_LO: "Lô Lô",
    Ethnicity.CHUT: "Chứt",
    Ethnicity.MANG: "Mảng",
    Ethnicity.PA_THEN: "Pà Thẻn",
    Ethnicity.CO_LAO: "Cờ Lao",
    Ethnicity.CONG: "Cống",
    Ethnicity.BO_Y: "Bố Y",
    Ethnicity.SI_LA: "Si La",
    Ethnicity.PU_PEO: "Pu Péo",
    Ethnicity.BRAU: "Brâu",
    Ethnicity.O_DU: "Ơ Đu",
    Ethnicity.RO_MAM: "Rơ Măm",
    Ethnicity.FOREIGN_ORIGIN: "Người nước ngoài",
    Ethnicity.UNDETERMINED: "Chưa xác định",
}

#: Other names read in records made before the list: the 1979 list's names where today's
#: spelling differs, and a selection of its other names (tên gọi khác) that name no other group.
_ETHNICITY_OTHER_NAMES: dict[Ethnicity, tuple[str, ...]] = {
    Ethnicity.KINH: ("Việt", "Kinh (Việt)"),
    Ethnicity.TAY: ("Ngạn", "Phén", "Thù Lao", "Pa Dí"),
    Ethnicity.THAI: ("Thái Đen", "Thái Trắng", "Tày Đăm", "Tày Khao"),
    Ethnicity.HOA: ("Hán", "Hoa (Hán)", "Người Hoa"),
    Ethnicity.KHMER: ("Khơ-me", "Khơ Me", "Khơme", "Khmer Krôm", "Khơ-me Krôm"),
    Ethnicity.MUONG: ("Mol", "Mual"),
    Ethnicity.HMONG: ("H'Mông", "HMông", "Hmông", "H'mong", "Mèo", "HMông (Mèo)", "Mẹo"),
    Ethnicity.DAO: ("Mán", "Dao Đỏ", "Dao Tiền", "Dao Quần Chẹt", "Dao Thanh Y"),
    Ethnicity.GIA_RAI: ("Gia-rai", "Giơ Rai", "Jrai", "Jarai", "Gia Lai"),
    Ethnicity.E_DE: ("Ê-đê", "Êđê", "Ra Đê", "Rađê", "Rhade"),
    Ethnicity.BA_NA: ("Ba-na", "Bana", "Bahnar"),
    Ethnicity.XO_DANG: ("Xơ-đăng", "Xơđăng", "Sedang", "Xơ Teng"),
    Ethnicity.SAN_CHAY: ("Cao Lan", "Sán Chỉ", "Cao Lan - Sán Chỉ"),
    Ethnicity.CO_HO: ("Cơ-ho", "K'Ho", "Kơho", "Cờ Ho"),
    Ethnicity.CHAM: ("Chàm", "Chăm Pa"),
    Ethnicity.HRE: ("H'rê", "Hơ Rê"),
    Ethnicity.MNONG: ("M'Nông", "Mơ Nông"),
    Ethnicity.RA_GLAI: ("Ra-glai", "Raglai", "Raglay", "Ra Glay"),
    Ethnicity.XTIENG: ("X'tiêng", "Xa Điêng", "Stiêng"),
    Ethnicity.BRU_VAN_KIEU: ("Bru-Vân Kiều", "Vân Kiều", "Bru"),
    Ethnicity.CO_TU: ("Cơ-tu", "Ka Tu", "Cờ Tu", "Katu"),
    Ethnicity.GIE_TRIENG: ("Gié-Triêng", "Gié Triêng", "Giẻ-Triêng"),
    Ethnicity.KHO_MU: ("Khơ-mú", "Khơmú", "Xá Cẩu", "Kmhmu"),
    Ethnicity.TA_OI: ("Tà-ôi", "Tà Ôi", "Pa Cô", "Pa Kô"),
    Ethnicity.CHO_RO: ("Chơ-ro", "Châu Ro"),
    Ethnicity.XINH_MUN: ("Xinh-mun", "Puộc"),
    Ethnicity.CHU_RU: ("Chu-ru", "Chơ Ru"),
    Ethnicity.LA_CHI: ("La-chí",),
    Ethnicity.PHU_LA: ("Xá Phó",),
    Ethnicity.CHUT: ("Rục", "Sách", "A Rem", "Mày", "Mã Liềng"),
    Ethnicity.LU: ("Lữ",),
    Ethnicity.PA_THEN: ("Pà Hưng",),
    Ethnicity.CO_LAO: ("Cơ Lao",),
    Ethnicity.PU_PEO: ("Pu Piéo", "Ka Pèo"),
    Ethnicity.O_DU: ("Ơ-đu", "Ơ Du", "Tày Hạt"),
    Ethnicity.RO_MAM: ("Rơ-măm", "Rơmăm"),
    Ethnicity.FOREIGN_ORIGIN: ("Nước ngoài", "Gốc nước ngoài", "Người gốc nước ngoài"),
}

_ETHNICITY_LABELS: dict[str, str] = {
    fold(label): label for e, label in _ETHNICITY_VI.items() if e is not Ethnicity.UNDETERMINED
}
_ETHNICITY_INDEX: dict[str, Ethnicity] = _index(
    [(n, e) for e in Ethnicity if e is not Ethnicity.UNDETERMINED for n in (e.name, e.label_vi)]
    + [(n, e) for e, names in _ETHNICITY_OTHER_NAMES.items() for n in names]
)


class Religion(Enum):
    """Tôn giáo: none, one of the 16 religions recognised or registered by the State, or another
    (named in the profile's note)."""

    NONE = "none"  # không
    BUDDHISM = "buddhism"
    CATHOLICISM = "catholicism"
    PROTESTANTISM = "protestantism"
    CAO_DAI = "cao_dai"
    HOA_HAO = "hoa_hao"
    ISLAM = "islam"
    BAHAI = "bahai"
    TINH_DO_CU_SI = "tinh_do_cu_si"
    SEVENTH_DAY_ADVENTISM = "seventh_day_adventism"
    TU_AN_HIEU_NGHIA = "tu_an_hieu_nghia"
    MINH_SU_DAO = "minh_su_dao"
    MINH_LY_DAO = "minh_ly_dao"
    BRAHMANISM = "brahmanism"
    LATTER_DAY_SAINTS = "latter_day_saints"
    HIEU_NGHIA_TA_LON = "hieu_nghia_ta_lon"
    BUU_SON_KY_HUONG = "buu_son_ky_huong"
    OTHER = "other"

    @property
    def label_vi(self) -> str:
        """The Vietnamese name ("Phật giáo Hòa Hảo")."""
        return _RELIGION_VI[self]

    @property
    def is_religious(self) -> bool:
        """Người có đạo: follows a religion (any but none)."""
        return self is not Religion.NONE

    @classmethod
    def from_text(cls, text: str) -> Religion | None:
        """The religion a written name means ("Thiên chúa giáo", "không", "Hoà Hảo"), or None."""
        return _RELIGION_INDEX.get(fold(text))

    @classmethod
    def suggestions(cls, text: str) -> list[str]:
        """Names of the list close to ``text`` (for a refusal's hint)."""
        return _suggest(text, _RELIGION_LABELS)

    @classmethod
    def _missing_(cls, value: object) -> Religion | None:
        return cls.from_text(value) if isinstance(value, str) else None


_RELIGION_VI: dict[Religion, str] = {
    Religion.NONE: "Không",
    Religion.BUDDHISM: "Phật giáo",
    Religion.CATHOLICISM: "Công giáo",
    Religion.PROTESTANTISM: "Tin lành",
    Religion.CAO_DAI: "Cao Đài",
    Religion.HOA_HAO: "Phật giáo Hòa Hảo",
    Religion.ISLAM: "Hồi giáo",
    Religion.BAHAI: "Baha'i",
    Religion.TINH_DO_CU_SI: "Tịnh độ Cư sĩ Phật hội Việt Nam",
    Religion.SEVENTH_DAY_ADVENTISM: "Cơ đốc Phục lâm",
    Religion.TU_AN_HIEU_NGHIA: "Phật giáo Tứ Ân Hiếu Nghĩa",
    Religion.MINH_SU_DAO: "Minh Sư đạo",
    Religion.MINH_LY_DAO: "Minh Lý đạo - Tam Tông Miếu",
    Religion.BRAHMANISM: "Bà La Môn",
    Religion.LATTER_DAY_SAINTS: "Mặc Môn",
    Religion.HIEU_NGHIA_TA_LON: "Phật giáo Hiếu Nghĩa Tà Lơn",
    Religion.BUU_SON_KY_HUONG: "Bửu Sơn Kỳ Hương",
    Religion.OTHER: "Tôn giáo khác",
}

_RELIGION_OTHER_NAMES: dict[Religion, tuple[str, ...]] = {
    Religion.NONE: ("Không có", "Không tôn giáo", "Không theo tôn giáo nào", "Không theo đạo"),
    Religion.BUDDHISM: ("Đạo Phật", "Phật"),
    Religion.CATHOLICISM: ("Thiên Chúa giáo", "Đạo Thiên Chúa", "Thiên Chúa", "Công giáo La Mã"),
    Religion.PROTESTANTISM: ("Đạo Tin lành", "Tin lành giáo"),
    Religion.CAO_DAI: ("Đạo Cao Đài", "Cao Đài giáo"),
    Religion.HOA_HAO: ("Hòa Hảo", "Đạo Hòa Hảo"),
    Religion.ISLAM: ("Islam", "Đạo Hồi", "Hồi giáo Bàni", "Bàni"),
    Religion.BAHAI: ("Bahá'í", "Đạo Baha'i", "Tôn giáo Baha'i", "Ba Ha'i"),
    Religion.TINH_DO_CU_SI: ("Tịnh độ Cư sĩ",),
    Religion.SEVENTH_DAY_ADVENTISM: ("Cơ đốc Phục lâm An thất nhật",),
    Religion.TU_AN_HIEU_NGHIA: ("Tứ Ân Hiếu Nghĩa", "Đạo Tứ Ân Hiếu Nghĩa"),
    Religion.MINH_LY_DAO: ("Minh Lý đạo", "Tam Tông Miếu"),
    Religion.BRAHMANISM: ("Bà-la-môn", "Bà La Môn giáo", "Chăm Bà La Môn", "Bàlamôn"),
    Religion.LATTER_DAY_SAINTS: ("Mormon", "Mặc Môn giáo"),
    Religion.HIEU_NGHIA_TA_LON: ("Hiếu Nghĩa Tà Lơn",),
}

_RELIGION_LABELS: dict[str, str] = {fold(label): label for label in _RELIGION_VI.values()}
_RELIGION_INDEX: dict[str, Religion] = _index(
    [(n, r) for r in Religion for n in (r.name, r.label_vi)]
    + [(n, r) for r, names in _RELIGION_OTHER_NAMES.items() for n in names]
)
