"""Fuzzing the GraphQL API: requests generated from ``schema.graphql`` and what every answer
must keep true, shared by the suite's bounded test (``tests/api/test_fuzz.py``) and the longer
run of ``python -m bench.fuzz``.

Documents come from hypothesis-graphql (valid for the checked-in schema: every root field,
arguments, nested selections), with values a real client would send often enough to reach the
command handlers, not only validation: the codes of the cases and units :func:`seed` records
(and of tenant ``beta``, which the tokens never belong to), dates around them, small numbers,
real period, step, event-type and role names, Vietnamese names. A third of the requests are
hostile: some values are arbitrary text (NUL included), malformed dates or extreme integers,
and half of those documents break the schema once (hypothesis-graphql's negative mode). Half
the valid documents send their root fields' arguments as variables. Each request goes with one
of the :data:`CALLERS` tokens.

What must hold for every request (:func:`check`): no 5xx; a JSON object; no ``INTERNAL_ERROR``;
every error with its code and both languages; a refused mutation leaves the tenant's history as
it was; tenant ``beta`` never gains an event.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import graphql
from graphql import (
    DocumentNode,
    FieldNode,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NamedTypeNode,
    NameNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableDefinitionNode,
    VariableNode,
)
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, queries

from domain import ids
from domain.candidates import Stage
from domain.commands import EstablishUnit, SetQuota
from domain.quotas import Period, QuotaTarget
from domain.values import Actor, Role
from service.api.relay import global_id
from service.commands import Handlers, Principal
from tests.walks import Steps, bloc_tree, person, walk

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schema.graphql"
#: The tenant the callers belong to, and one whose history must never move.
HOME = "alpha"
OTHER = "beta"
#: Sent by the platform operator after a fuzzed ``disableTenant``: the home tenant takes writes
#: again (an error when it was not disabled, which is fine).
ENABLE_HOME = (
    f'mutation {{ enableTenant(slug: "{HOME}", reason: "fuzzing: takes writes again") '
    "{ __typename } }"
)

#: Cases of ``alpha`` (code, stage reached, branch); ``seed`` records them.
HOME_CASES = (
    ("FZ-1", Stage.DISCOVERED, "CB1"),
    ("FZ-2", Stage.SYMPATHIZER, "CB1"),
    ("FZ-3", Stage.SPONSORED, "CB2"),
    ("FZ-4", Stage.VERIFIED, "CB1"),
    ("FZ-5", Stage.PROBATIONARY, "CB2"),
)
HOME_UNITS = ("KDN", "DU", "CB1", "CB2")
OTHER_CASE = "BETA-0001"
OTHER_UNITS = ("KDN", "BETA-DU", "BETA-CB")
SEED = Actor("fuzz-seed", Role.ORGANIZER)
T = TypeVar("T")


def seed(handlers: Handlers) -> None:
    """Record ``alpha``'s tree, cases at several stages and a quota, and ``beta``'s case
    (both tenants must exist)."""
    home = Principal(HOME, SEED)
    for unit in bloc_tree(("CB1", "Chi bộ Một"), ("CB2", "Chi bộ Hai")):
        handlers.handle(home, unit)
    for number, (code, stage, branch) in enumerate(HOME_CASES):
        who = person(f"Nguyễn Văn Thử {number}", date(1995, 3, 1 + number))
        for step in walk(code, stage, unit_code=branch, who=who):
            handlers.handle(home, step)
    handlers.handle(
        home,
        SetQuota(
            unit_code="DU",
            period=Period.parse("2025"),
            target=QuotaTarget.number(5),
            occurred_on=date(2025, 1, 2),
        ),
    )
    other = Principal(OTHER, SEED)
    bloc, committee, _, cell = bloc_tree(("BETA-CB", "Chi bộ Bê-ta"))
    assert isinstance(committee, EstablishUnit)
    assert isinstance(cell, EstablishUnit)
    committee = dataclasses.replace(committee, code="BETA-DU")
    for unit in (bloc, committee, dataclasses.replace(cell, parent_code="BETA-DU")):
        handlers.handle(other, unit)
    steps = Steps(discovered=date(2025, 1, 10), sympathizer=date(2025, 2, 1))
    who = person("Bạch Thị Bê-ta", date(1998, 5, 4))
    for step in walk(OTHER_CASE, Stage.SYMPATHIZER, steps=steps, unit_code="BETA-CB", who=who):
        handlers.handle(other, step)


# --- callers -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Caller:
    """Who sends a request: the token's tenant, roles and unit scope."""

    name: str
    tenant: str | None
    roles: tuple[Role, ...]
    units: tuple[str, ...] = ()


#: Every kind of token, the organizer most often (it may do most, so reaches most handlers).
CALLERS = (
    Caller("organizer", HOME, (Role.ORGANIZER,)),
    Caller("organizer", HOME, (Role.ORGANIZER,)),
    Caller("organizer", HOME, (Role.ORGANIZER,)),
    Caller("branch secretary", HOME, (Role.BRANCH_SECRETARY,), ("CB1",)),
    Caller("branch secretary", HOME, (Role.BRANCH_SECRETARY,), ("CB1",)),
    Caller("leader", HOME, (Role.LEADER,)),
    Caller("auditor", HOME, (Role.AUDITOR,)),
    Caller("platform operator", None, (Role.PLATFORM_OPERATOR,)),
    Caller("organizer without tenant", None, (Role.ORGANIZER,)),
    Caller("leader and secretary", HOME, (Role.LEADER, Role.BRANCH_SECRETARY), ("CB2", "X")),
)


# --- values ------------------------------------------------------------------------------------
# Two kinds of request: plain ones, whose values are all of the right form (so that most reach a
# command handler and its rules), and hostile ones, where one value in :data:`UNUSUAL` is
# arbitrary text, a malformed date or an extreme number (an invalid value refuses the whole
# document, so mixing them into every request would leave the handlers untested).
#: One value in this many is unusual in a hostile request.
UNUSUAL = 6


def _mostly(
    usual: st.SearchStrategy[T], unusual: st.SearchStrategy[T], hostile: bool
) -> st.SearchStrategy[T]:
    """``usual`` values; in a hostile request, one time in :data:`UNUSUAL` ``unusual``."""
    if not hostile:
        return usual
    return st.integers(0, UNUSUAL - 1).flatmap(lambda n: usual if n else unusual)


def _known(values: Sequence[str], hostile: bool) -> st.SearchStrategy[str]:
    """One of ``values`` (in a hostile request, sometimes arbitrary text)."""
    return _mostly(st.sampled_from(values), st.text(max_size=30), hostile)


def _days(low: date, high: date, hostile: bool) -> st.SearchStrategy[str]:
    real = st.dates(low, high).map(date.isoformat)
    odd = st.sampled_from(["2025-02-29", "2025-13-01", "2025-1-1", "20250101", "", "0000-01-01"])
    return _mostly(real, odd | st.text(max_size=12), hostile)


#: Dates around the seeded cases' steps (2025), up to and past "today" (2026-11-21).
STEP_DAYS = (date(2025, 9, 1), date(2027, 1, 31))
HOME_CASE_CODES = [code for code, _, _ in HOME_CASES]
CASE_CODES = [*HOME_CASE_CODES, OTHER_CASE, "FZ-NEW", "FZ-NEW-2"]
UNIT_CODES = [*HOME_UNITS, "BETA-CB", "BETA-DU", "CB-NEW", "CB3"]
NAMES = ["Nguyễn Thị Lan", "Trần Văn Bình", "Lê Minh", "Phạm Thị Hồng Nhung"]
STEP_NAMES = [
    "discovered",
    "sympathizer",
    "awareness_certificate",
    "application",
    "branch_resolution",
    "committee_resolution",
    "admission_decision",
    "ceremony",
    "exit",
]
PERIODS = ["2024", "2025", "2026", "2025-Q2", "2025-07", "2020-2025", "2024-Q9", "2024-13"]
#: Known values of the string arguments and input fields, by name (others: arbitrary text).
KNOWN_STRINGS: dict[str, list[str]] = {
    "caseCode": CASE_CODES,
    "unitCode": UNIT_CODES,
    "unitCodes": UNIT_CODES,
    "code": UNIT_CODES,
    "parentCode": UNIT_CODES,
    "newParentCode": UNIT_CODES,
    "intoCode": UNIT_CODES,
    "rootCode": UNIT_CODES,
    "slug": [HOME, "gamma", "delta", "Gamma", "a"],
    "period": PERIODS,
    "step": STEP_NAMES,
    "memberId": ["DV1", "DV2", "DV9"],
    "fullName": NAMES,
    "memberName": NAMES,
    "name": ["Chi bộ Mới", "Đảng bộ Khối", "Đơn vị Gamma"],
    "ethnicityNote": ["", "Dao Đỏ", "Khơ-me Krôm"],
    "religionNote": ["", "Phật giáo Nam tông Khmer", "Đạo ông bà"],
    "identityNumber": ["079098123456", "001234567890", "12"],
    "minimum": ["1", "5", "1.5", "0", "-1", "1e9", "NaN"],
    "maximum": ["2", "10", "2.5", "0", "-1", "Infinity"],
    "kind": ["6-KNĐ", "QĐ", "GCN", "9-KNĐ"],
    "number": ["12-QĐ/ĐU", "6-KNĐ-20250602"],
    "issuer": ["Chi bộ", "Đảng ủy Khối"],
    "eventTypes": ["Candidate.Discovered", "Candidate.Rejected", "OrgUnit.Established"],
    "aggregateTypes": ["Candidate", "OrgUnit", "Quota", "TenantPolicy"],
    "roles": [r.value for r in Role],
    "role": [r.value for r in Role],
    "actor": ["fuzz-seed", "fuzz-user"],
    "actorId": ["fuzz-seed", "fuzz-user"],
}
#: Free text of a plain request (hypothesis-graphql's simplest string is empty: refused where
#: text is required).
PROSE = st.sampled_from(["Đạt", "Ghi chú của chi bộ", "Bổ sung hồ sơ", "Chuyển công tác"]) | (
    st.text(min_size=1, max_size=40).filter(str.strip)
)
#: Dates whose field asks for another range than the steps'.
KNOWN_DAYS = {
    "birthDate": (date(1960, 1, 1), date(2010, 12, 31)),
    "togetherSince": (date(2010, 1, 1), date(2025, 6, 1)),
    "fullMemberSince": (date(1990, 1, 1), date(2025, 6, 1)),
    "leftOn": (date(2000, 1, 1), date(2024, 12, 31)),
}


@cache
def _strings_by_name(hostile: bool) -> dict[str, st.SearchStrategy[str]]:
    """What :func:`_realistic` puts in a string argument or input field of that name."""
    strings = {name: _known(values, hostile) for name, values in KNOWN_STRINGS.items()}
    days = {name: _days(low, high, hostile) for name, (low, high) in KNOWN_DAYS.items()}
    return strings | days


def _moments(hostile: bool) -> st.SearchStrategy[str]:
    low, high = datetime(2014, 1, 1), datetime(2027, 12, 31)
    naive = st.datetimes(low, high)
    real = (naive | st.datetimes(low, high, timezones=st.just(UTC))).map(datetime.isoformat)
    odd = st.sampled_from(["2025-01-01T25:00:00", "2025-01-01 ", "2025-01-01T00:00:00+99:00"])
    return _mostly(real, odd | st.text(max_size=12), hostile)


def _global_ids(hostile: bool) -> st.SearchStrategy[str]:
    known: list[str] = [
        *(global_id("Candidate", str(ids.candidate_id(HOME, c))) for c in HOME_CASE_CODES),
        *(global_id("OrgUnit", str(ids.unit_id(HOME, u))) for u in HOME_UNITS),
        global_id("Candidate", str(ids.candidate_id(OTHER, OTHER_CASE))),
        *(global_id("OrgUnit", str(ids.unit_id(OTHER, u))) for u in OTHER_UNITS),
        global_id("Candidate", "00000000-0000-0000-0000-000000000000"),
        global_id("Nope", "x"),
    ]
    return _known(known, hostile)


def _nodes(values: st.SearchStrategy[str]) -> st.SearchStrategy[ValueNode]:
    return values.map(lambda value: StringValueNode(value=value))


@cache
def _scalars(hostile: bool) -> dict[str, st.SearchStrategy[ValueNode]]:
    """hypothesis-graphql's ``custom_scalars``: the schema's own scalars, and built-ins with
    realistic values."""
    return {
        "Date": _nodes(_days(*STEP_DAYS, hostile)),
        "DateTime": _nodes(_moments(hostile)),
        "Decimal": _nodes(st.sampled_from(["1.5", "0", "-2", "x"])),
        "ID": _nodes(_global_ids(hostile)),
        # a JSON request carries no file: importCases answers IMPORT_FILE_MISSING
        "Upload": _nodes(st.sampled_from(["", "ho-so.xlsx"])),
        "Int": _mostly(st.integers(0, 30), st.integers(-(2**31), 2**31 - 1), hostile).map(
            lambda n: IntValueNode(value=str(n))
        ),
    }


# --- documents ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Request:
    """One generated request: the caller and the document (a mutation has one root field)."""

    caller: Caller
    hostile: bool
    invalid: bool  # breaks the schema once (hypothesis-graphql's negative mode)
    operation: str  # "query" or "mutation"
    field: str  # the root field of a mutation ("" for a query)
    document: str
    #: The root fields' arguments, when they are sent as variables rather than literals.
    variables: dict[str, Any] | None = None


@cache
def _schema() -> graphql.GraphQLSchema:
    return graphql.build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))


def _document(node: DocumentNode) -> DocumentNode:
    return node


@cache
def _query_documents(hostile: bool, invalid: bool) -> st.SearchStrategy[DocumentNode]:
    return queries(
        _schema(),
        custom_scalars=_scalars(hostile),
        print_ast=_document,
        allow_x00=hostile,
        mode=Mode.NEGATIVE if invalid else Mode.POSITIVE,
    )


@cache
def _mutation_documents(name: str, hostile: bool, invalid: bool) -> st.SearchStrategy[DocumentNode]:
    return mutations(
        _schema(),
        fields=[name],
        custom_scalars=_scalars(hostile),
        print_ast=_document,
        allow_x00=hostile,
        mode=Mode.NEGATIVE if invalid else Mode.POSITIVE,
    )


def _realistic(value: ValueNode, name: str, draw: st.DrawFn, hostile: bool) -> ValueNode:
    """``value`` with its strings in fields named like codes, periods… drawn from
    :func:`_strings_by_name`."""
    strings = _strings_by_name(hostile)
    if isinstance(value, StringValueNode) and name in strings:
        return StringValueNode(value=draw(strings[name]))
    if isinstance(value, StringValueNode) and not value.value and not hostile:
        return StringValueNode(value=draw(PROSE))
    if isinstance(value, ListValueNode):
        items = tuple(_realistic(item, name, draw, hostile) for item in value.values)
        return ListValueNode(values=items)
    if isinstance(value, ObjectValueNode):
        fields = tuple(
            dataclasses.replace(f, value=_realistic(f.value, f.name.value, draw, hostile))
            for f in value.fields
        )
        return ObjectValueNode(fields=fields)
    return value


def _with_realistic_arguments(
    selection_set: SelectionSetNode, draw: st.DrawFn, hostile: bool
) -> SelectionSetNode:
    """``selection_set`` (graphql-core's nodes are frozen) with :func:`_realistic` arguments."""
    selections = []
    for selection in selection_set.selections:
        changes: dict[str, Any] = {}
        if isinstance(selection, FieldNode) and selection.arguments:
            changes["arguments"] = tuple(
                dataclasses.replace(a, value=_realistic(a.value, a.name.value, draw, hostile))
                for a in selection.arguments
            )
        inner = getattr(selection, "selection_set", None)
        if inner is not None:
            changes["selection_set"] = _with_realistic_arguments(inner, draw, hostile)
        selections.append(dataclasses.replace(selection, **changes))
    return SelectionSetNode(selections=tuple(selections))


#: Selected in every mutation's result union: which member came back, and a refusal's code.
_OUTCOME = (
    FieldNode(name=NameNode(value="__typename")),
    InlineFragmentNode(
        type_condition=NamedTypeNode(name=NameNode(value="DomainError")),
        selection_set=SelectionSetNode(selections=(FieldNode(name=NameNode(value="code")),)),
    ),
)


#: Mutations that close units or cases: fuzzed last, so that the others still find them open.
CLOSING = (
    "rejectCandidate",
    "withdrawCandidate",
    "removeFromList",
    "endMembership",
    "transferCandidateOut",
    "moveUnit",
    "mergeUnits",
    "dissolveUnit",
    "disableTenant",
)


def mutation_names() -> list[str]:
    """The root fields of ``Mutation`` in ``schema.graphql``, those in :data:`CLOSING` last."""
    mutation = _schema().mutation_type
    names = sorted(mutation.fields) if mutation else []
    return sorted(names, key=lambda name: CLOSING.index(name) if name in CLOSING else -1)


@st.composite
def requests(
    draw: st.DrawFn, mutation: str | None = None, callers: Sequence[Caller] = CALLERS
) -> Request:
    """A request with realistic values: a query, or (with ``mutation``, a root field of
    ``Mutation``) a document of that one mutation; and its caller, one of ``callers`` (the
    first is the simplest example's)."""
    caller = draw(st.sampled_from(callers))
    hostile = draw(st.sampled_from([False, False, True]))
    # Half the hostile documents break the schema once (a wrong type, a missing argument…).
    invalid = hostile and draw(st.booleans())
    if mutation:
        operation, name = "mutation", mutation
        generated = draw(_mutation_documents(name, hostile, invalid))
    else:
        operation, name = "query", ""
        generated = draw(_query_documents(hostile, invalid))
    definition = generated.definitions[0]
    assert isinstance(definition, OperationDefinitionNode)
    selection_set = _with_realistic_arguments(definition.selection_set, draw, hostile)
    root = selection_set.selections[0]
    if name and isinstance(root, FieldNode) and root.selection_set is not None:
        # The answer says which member of the result union came back.
        root = dataclasses.replace(
            root,
            selection_set=SelectionSetNode(selections=(*root.selection_set.selections, *_OUTCOME)),
        )
        selection_set = SelectionSetNode(selections=(root,))
    definition = dataclasses.replace(definition, selection_set=selection_set)
    variables = None
    if not invalid and draw(st.booleans()):
        definition, variables = _as_variables(definition)
    document = DocumentNode(definitions=(definition,))
    return Request(
        caller, hostile, invalid, operation, name, graphql.print_ast(document), variables
    )


def _as_variables(
    definition: OperationDefinitionNode,
) -> tuple[OperationDefinitionNode, dict[str, Any]]:
    """``definition`` with its root fields' arguments sent as variables (the server parses
    those with the scalars' ``parse_value``, literals with ``parse_literal``)."""
    schema = _schema()
    root = schema.mutation_type if definition.operation.value == "mutation" else schema.query_type
    assert root is not None
    variables: dict[str, Any] = {}
    declared = []
    selections = []
    for selection in definition.selection_set.selections:
        assert isinstance(selection, FieldNode)
        arguments = []
        for argument in selection.arguments or ():
            name = f"v{len(variables)}"
            kind = root.fields[selection.name.value].args[argument.name.value].type
            variables[name] = graphql.value_from_ast_untyped(argument.value)
            variable = VariableNode(name=NameNode(value=name))
            declared.append(
                VariableDefinitionNode(variable=variable, type=graphql.parse_type(str(kind)))
            )
            arguments.append(dataclasses.replace(argument, value=variable))
        selections.append(dataclasses.replace(selection, arguments=tuple(arguments)))
    return dataclasses.replace(
        definition,
        variable_definitions=tuple(declared),
        selection_set=SelectionSetNode(selections=tuple(selections)),
    ), variables


# --- what must hold ----------------------------------------------------------------------------
@dataclass
class Tally:
    """Totals of a run: requests by status, caller and operation, root field, error code; the
    mutations answered by a command handler (a payload or a ``DomainError``), and accepted."""

    statuses: Counter[int] = field(default_factory=Counter)
    operations: Counter[str] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    fields: Counter[str] = field(default_factory=Counter)
    accepted_mutations: Counter[str] = field(default_factory=Counter)
    handled_mutations: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())


def refused(request: Request, body: dict[str, Any]) -> bool:
    """Whether a mutation was refused: no result, or its ``DomainError`` member (an error in the
    payload of an accepted one, e.g. a field the caller may not read, is not a refusal)."""
    result = (body.get("data") or {}).get(request.field)
    return not isinstance(result, dict) or result.get("__typename") == "DomainError"


def check(
    request: Request,
    status: int,
    text: str,
    heads: Callable[[], tuple[int, int]],
    before: tuple[int, int],
    tally: Tally,
) -> list[str]:
    """What is wrong with the answer ``status``/``text`` to ``request`` (empty: nothing), given
    the (home, other) tenants' heads ``before`` it; counts it in ``tally``."""
    tally.statuses[status] += 1
    kind = "invalid " if request.invalid else "hostile " if request.hostile else ""
    tally.operations[f"{kind}{request.operation} by {request.caller.name}"] += 1
    tally.fields[request.field or "query"] += 1
    problems = []
    if status >= 500:
        problems.append(f"HTTP {status}")
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        problems.append("the body is not a JSON object")
        body = {}
    for error in body.get("errors") or []:
        extensions = (error if isinstance(error, dict) else {}).get("extensions") or {}
        code = str(extensions.get("code"))
        tally.codes[code] += 1
        if code == "INTERNAL_ERROR":
            problems.append("INTERNAL_ERROR")
        if not (
            extensions.get("code") and extensions.get("messageVi") and extensions.get("messageEn")
        ):
            problems.append("an error without its code and both languages")
    home, other = heads()
    if other != before[1]:
        problems.append(f"tenant {OTHER} gained {other - before[1]} event(s)")
    if request.operation == "mutation":
        result = (body.get("data") or {}).get(request.field)
        if isinstance(result, dict):
            tally.handled_mutations[request.field] += 1
            if result.get("code"):
                tally.codes[f"DomainError {result['code']}"] += 1
        if refused(request, body):
            if home != before[0]:
                problems.append(f"a refused mutation stored {home - before[0]} event(s)")
        else:
            tally.accepted_mutations[request.field] += 1
    if problems:
        tally.failures.append(f"{'; '.join(problems)}: {request!r} -> {status} {text[:500]}")
    return problems
