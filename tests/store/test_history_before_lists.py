"""A history stored before ethnicity and religion were lists still loads, unchanged.

``fixtures/history-before-lists.jsonl`` is an export written by the code of commit ebd1f49
(how: ``fixtures/history-before-lists.made-by.txt``): four cases to probation whose profiles hold
ethnicity and religion as free text — the old defaults ("Kinh", "Không"), other spellings
("H'Mông", "Thiên chúa giáo"), an other name of the 1979 list ("Rục": Chứt), texts of no list
("Kihn", "Đạo ông bà") — and a profile correction. Its personal data is encrypted with the
fixture's throw-away key. Imported as stored (same bytes, same chain), it is read with the lists.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from domain import ids
from domain.candidates import Candidate
from domain.classifications import Ethnicity, Religion
from domain.commands import CorrectProfile, ProfileCorrection
from domain.values import Actor, EducationLevel, Occupation, Role
from projections.cut import Cut
from projections.queries.structure import admitted_structure
from service.audit.importing import import_tenant
from service.audit.verify import verify_tenant
from service.commands import Handlers, Principal
from service.read_models import ReadModels
from service.store import Store
from tests.conftest import StoreMaker

FIXTURES = Path(__file__).parent / "fixtures"
TENANT = "truoc"


def imported(store_maker: StoreMaker, tmp_path: Path) -> Store:
    """The fixture's history imported into an empty deployment holding the fixture's key."""
    store_maker.key_file = tmp_path / "keys.json"
    shutil.copy(FIXTURES / "history-before-lists.keys.json", store_maker.key_file)
    store = store_maker()
    import_tenant(store, FIXTURES / "history-before-lists.jsonl", name="Đảng bộ Khối")
    return store


def profile(store: Store, case: str) -> tuple[Ethnicity, str, Religion, str]:
    person = store.app(TENANT).get(ids.candidate_id(TENANT, case), Candidate).person
    return person.ethnicity, person.ethnicity_note, person.religion, person.religion_note


def test_a_history_stored_before_the_lists_loads_with_its_texts_read_or_kept(
    store_maker: StoreMaker, tmp_path: Path
) -> None:
    store = imported(store_maker, tmp_path)
    assert verify_tenant(store, TENANT).intact  # the stored events are the old bytes
    # corrected from the default "Kinh" to "Tày" (a correction stored then, free text too)
    assert profile(store, "HS-1") == (Ethnicity.TAY, "", Religion.NONE, "")
    assert profile(store, "HS-2") == (Ethnicity.HMONG, "", Religion.CATHOLICISM, "")
    assert profile(store, "HS-3") == (Ethnicity.CHUT, "", Religion.OTHER, "Đạo ông bà")
    assert profile(store, "HS-4") == (Ethnicity.UNDETERMINED, "Kihn", Religion.NONE, "")
    # the other facts as they were read then (stored values, not defaults of today)
    hs2 = store.app(TENANT).get(ids.candidate_id(TENANT, "HS-2"), Candidate).person
    assert (hs2.education, hs2.occupation) == (EducationLevel.LOWER_SECONDARY, Occupation.FARMER)


def test_the_structure_report_counts_the_old_profiles_by_the_lists(
    store_maker: StoreMaker, tmp_path: Path
) -> None:
    store = imported(store_maker, tmp_path)
    with ReadModels(store).read(TENANT) as tx:
        total = admitted_structure(tx, Cut(date(2025, 12, 1)), date(2024, 1, 1), date(2025, 12, 31)).total  # fmt: skip
    assert total.admitted == 4
    assert dict(total.trait("ethnicity")) == {"tay": 1, "hmong": 1, "chut": 1, "undetermined": 1}
    assert dict(total.trait("religion")) == {"none": 2, "catholicism": 1, "other": 1}
    assert (total.ethnic_minority, total.religious) == (3, 2)


def test_an_old_text_is_classified_by_a_profile_correction_stored_in_the_new_form(
    store_maker: StoreMaker, tmp_path: Path
) -> None:
    store = imported(store_maker, tmp_path)
    handlers = Handlers(store, today=lambda: date(2026, 1, 5))
    handlers.handle(
        Principal(TENANT, Actor("kiem-tra", Role.ORGANIZER)),
        CorrectProfile(
            case_code="HS-4",
            person=ProfileCorrection(ethnicity=Ethnicity.KINH),
            reason="Sửa lỗi gõ phím",
            occurred_on=date(2026, 1, 5),
        ),
    )
    assert profile(store, "HS-4") == (Ethnicity.KINH, "", Religion.NONE, "")
    assert verify_tenant(store, TENANT).intact
