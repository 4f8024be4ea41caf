"""The case list's orders, each paged by keyset: every case once, in the order asked."""

from __future__ import annotations

from typing import Any

import pytest

from service.demo import DEMO_SLUG, seed_demo
from tests.api.conftest import Api

PAGE = """query($first: Int!, $after: String, $order: CandidateOrder!) {
  candidates(first: $first, after: $after, orderBy: $order, asOf: "2025-06-30") {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { caseCode deadline { dueOn } } }
  }
}"""


def every_page(api: Api, token: str, order: str, first: int) -> tuple[list[dict[str, Any]], int]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        found = api.data(PAGE, {"first": first, "after": after, "order": order}, token=token)[
            "candidates"
        ]
        nodes += [edge["node"] for edge in found["edges"]]
        if not found["pageInfo"]["hasNextPage"]:
            return nodes, found["totalCount"]
        after = found["pageInfo"]["endCursor"]


def test_cases_page_through_each_order(api: Api) -> None:
    seed_demo(api.handlers, candidates=100)  # over 100 cases at the cut: several pages each
    token = api.token(DEMO_SLUG)
    by_code, total = every_page(api, token, "CASE_CODE", 50)
    codes = [n["caseCode"] for n in by_code]
    assert len(codes) == total == len(set(codes)) > 100
    assert codes == sorted(codes)

    descending, _ = every_page(api, token, "CASE_CODE_DESC", 37)
    assert [n["caseCode"] for n in descending] == codes[::-1]

    by_deadline, _ = every_page(api, token, "DEADLINE", 23)
    expected = sorted(
        by_code,
        key=lambda n: (
            n["deadline"] is None,
            (n["deadline"] or {}).get("dueOn", ""),
            n["caseCode"],
        ),
    )
    assert [n["caseCode"] for n in by_deadline] == [n["caseCode"] for n in expected]
    assert by_deadline[0]["deadline"] is not None
    assert by_deadline[-1]["deadline"] is None


@pytest.mark.parametrize("cursor", ["bm9wZQ==", "azpub3BpcGU="])
def test_a_cursor_of_another_order_is_refused_in_both_languages(api: Api, cursor: str) -> None:
    result = api.gql(PAGE, {"first": 5, "after": cursor, "order": "DEADLINE"})
    [error] = result["errors"]
    assert error["extensions"]["code"] == "CURSOR_INVALID"
    assert error["extensions"]["messageVi"] != error["extensions"]["messageEn"]
