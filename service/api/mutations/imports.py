"""``importCases``: the import of existing cases (``service.case_import``) through the API.

The file comes as a GraphQL multipart request (the ``Upload`` scalar: an ``operations`` part,
a ``map`` part and the file part). Organizers only, into the tenant of their verified token —
never one named by the request. The file is bounded (``KETNAP_MAX_IMPORT_BYTES``: the service
takes a multipart request up to that size, ``service.api.app.BodyLimit``). The answer is the
summary and the problems, at most :data:`MAX_PROBLEMS` of them (``problemCount`` tells how many
there were). Multipart requests are not a way around a token: the service reads no cookie, so a
form another site makes a browser post carries no bearer token and is refused (401) like any
request without one (the cross-site request forgery strawberry warns of needs an ambient
credential).
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from domain import ids
from domain.errors import DomainError
from service.api.context import get_context
from service.api.errors import DomainErrorType
from service.api.permissions import Capability, needs
from service.case_import.reading import ImportRefused, file_too_large, read_sheet
from service.case_import.rows import Problem
from service.case_import.running import ImportSummary, import_cases
from service.commands import CommandResult, Handlers, Principal

WRITE = needs(Capability.WRITE)
FILE_MISSING = ImportRefused(
    "IMPORT_FILE_MISSING",
    "Không có tệp: gửi tệp bằng yêu cầu GraphQL multipart (multipart/form-data).",
    "No file: send it as a GraphQL multipart request (multipart/form-data).",
    field="file",
)
#: Problems listed in the answer (a report of them all: ``ketnap import cases --report``).
MAX_PROBLEMS = 500


@strawberry.type(name="ImportProblem", description="A problem of one row of an import file.")
class ImportProblemType:
    row: int = strawberry.field(description="The row's number in the sheet (as shown there).")
    column: str = strawberry.field(
        description="The column's Vietnamese header; empty for the row as a whole."
    )
    case_code: str = strawberry.field(description="The row's case code as written.")
    code: str = strawberry.field(description="Stable code of the problem.")
    message_vi: str = strawberry.field(description="Message in Vietnamese.")
    message_en: str = strawberry.field(description="Message in English.")

    @classmethod
    def of(cls, p: Problem) -> ImportProblemType:
        return cls(
            row=p.row,
            column=p.column,
            case_code=p.case_code,
            code=p.code,
            message_vi=p.message_vi,
            message_en=p.message_en,
        )


@strawberry.type(description="What an import read, stored and refused.")
class ImportCasesPayload:
    dry_run: bool = strawberry.field(description="Checked only: nothing was stored.")
    all_or_nothing: bool = strawberry.field(
        description="Nothing was to be stored if any row had a problem."
    )
    rows: int = strawberry.field(description="Rows read.")
    imported: int = strawberry.field(
        description="Cases recorded (in a dry run: that would be; with allOrNothing and a "
        "problem: 0)."
    )
    unchanged: int = strawberry.field(
        description="Rows whose case is already recorded with the same facts (a re-import)."
    )
    invalid: int = strawberry.field(description="Rows with a problem (not recorded).")
    events: int = strawberry.field(description="Events stored (in a dry run: built).")
    seconds: float = strawberry.field(description="How long the import took.")
    problem_count: int = strawberry.field(description="Problems found in all.")
    problems: list[ImportProblemType] = strawberry.field(
        description=f"The problems, in row order (at most {MAX_PROBLEMS})."
    )
    position: int | None = strawberry.field(
        description="Position of the last stored event in the tenant's history; null when "
        "nothing was stored."
    )

    @classmethod
    def of(cls, s: ImportSummary) -> ImportCasesPayload:
        return cls(
            dry_run=s.dry_run,
            all_or_nothing=s.all_or_nothing,
            rows=s.rows,
            imported=s.imported,
            unchanged=s.unchanged,
            invalid=s.invalid,
            events=s.events,
            seconds=round(s.seconds, 3),
            problem_count=len(s.problems),
            problems=[ImportProblemType.of(p) for p in s.problems[:MAX_PROBLEMS]],
            position=s.position,
        )


ImportCasesResult = Annotated[
    ImportCasesPayload | DomainErrorType,
    strawberry.union(
        "ImportCasesResult",
        description="The import's summary, or why the file could not be read at all.",
    ),
]


@strawberry.type
class ImportMutations:
    @strawberry.mutation(
        description="Import existing cases (nhập hồ sơ đã có) from an XLSX or CSV file in the "
        "layout of the template (`ketnap import template`), one row per person: each row "
        "becomes the commands its steps need, checked by the rules in force on each step's "
        "date. A GraphQL multipart request (the file as `file`). A case already recorded with "
        "the same facts is counted unchanged; one that differs is reported, not overwritten. "
        "Organizers only, into their own tenant.",
        permission_classes=WRITE,
    )
    async def import_cases(
        self,
        info: Info,
        file: Annotated[Upload, strawberry.argument(description="The file (XLSX or UTF-8 CSV).")],
        dry_run: Annotated[
            bool, strawberry.argument(description="Check every row, store nothing.")
        ] = False,
        all_or_nothing: Annotated[
            bool,
            strawberry.argument(description="Store nothing if any row has a problem."),
        ] = False,
    ) -> ImportCasesResult:
        ctx = get_context(info)
        limit = ctx.services.settings.max_import_bytes
        name = str(getattr(file, "filename", "") or "")
        read = getattr(file, "read", None)
        if read is None:  # a JSON request: the "file" is whatever its variables held
            return DomainErrorType.of(FILE_MISSING)
        data = await read(limit + 1)
        summary: ImportSummary | None = None

        def run(handlers: Handlers, principal: Principal) -> CommandResult:
            nonlocal summary
            if len(data) > limit:
                raise file_too_large(limit)
            sheet = read_sheet(data, filename=name, max_bytes=limit)
            summary = import_cases(
                handlers, principal, sheet, dry_run=dry_run, all_or_nothing=all_or_nothing
            )
            return CommandResult(ids.tenant_namespace(principal.tenant), summary.position)

        try:
            await ctx.command(run)
        except DomainError as error:
            return DomainErrorType.of(error)
        assert summary is not None
        return ImportCasesPayload.of(summary)
