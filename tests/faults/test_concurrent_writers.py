"""20 clients record the same step of one case at the same moment, on both backends.

Exactly one wins; every other gets ``CONCURRENT_CHANGE`` (it loaded the case before the winner
saved) or the rule's refusal of a step already taken (it loaded it after), in both languages,
never an internal error. The history holds one event more, once, and its hash chain is intact.
"""

from __future__ import annotations

from collections import Counter

from domain.candidates import Stage
from domain.commands import RecordBranchResolution
from service.audit.verify import verify_tenant
from tests.api.conftest import Api
from tests.faults.clients import run_clients, seed_trees, send, stored_events
from tests.walks import STEPS, doc, walk


def test_twenty_clients_racing_on_one_case_one_wins(api: Api) -> None:
    seed_trees(api)
    for command in walk("HS-1", Stage.VERIFIED):
        api.handlers.handle(api.principal(), command)
    before = stored_events(api, "alpha")
    resolution = RecordBranchResolution(
        case_code="HS-1",
        official_members=12,
        votes_for=9,
        occurred_on=STEPS.branch_resolution,
        document=doc("6-KNĐ", STEPS.branch_resolution),
    )
    token = api.token("alpha")
    answers = run_clients([lambda http: [send(http, api.url, token, resolution)]] * 20)
    codes = Counter(answer.code for answer in answers)
    print(f"20 racing clients ({api.store.backend}): {dict(codes)}")
    assert codes["OK"] == 1, codes
    assert set(codes) - {"OK"} <= {"CONCURRENT_CHANGE", "STEP_OUT_OF_ORDER"}, codes
    assert all(answer.bilingual for answer in answers)
    assert stored_events(api, "alpha") == before + 1  # the winner's event, once
    case = api.data('{ candidate(caseCode: "HS-1") { stage } }')["candidate"]
    assert case == {"stage": "BRANCH_RESOLVED"}
    assert verify_tenant(api.store, "alpha").intact
