"""Import a closed-case file for review: all or nothing, and safe to run again.

The whole file is read and checked, then written in one transaction with its `imports` row
and one ledger entry. Any problem rejects the file, lists every problem with its line (or
Parquet row) and field, and stores nothing. Importing an identical file again is a no-op;
a case already stored with identical content is skipped, and one stored with different
content is refused (changing an imported case is a decision, not a re-import), so a re-run
neither duplicates nor drops a case.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from caselink.ledger import Action, Actor, record
from caselink.loading.problems import LoadRejected, Problem
from caselink.review.casefile import ClosedCase, RowReader, file_digest, raw_rows
from caselink.store.db import Database
from caselink.store.models import Area, Import, ReviewCase, ReviewCaseItem

KIND = "review_cases"
SYSTEM = Actor.system("review-import")
MAX_PROBLEMS = 10_000
_BATCH = 2000

Progress = Callable[[int], None]
_CASES: Table = ReviewCase.__table__  # type: ignore[assignment]
_ITEMS: Table = ReviewCaseItem.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class ImportResult:
    file: str
    rows_in_file: int
    inserted: int
    already_present: int
    import_id: int | None
    skipped_identical_file: bool = False


def import_file(
    db: Database, path: Path, actor: Actor = SYSTEM, progress: Progress | None = None
) -> ImportResult:
    sha256 = file_digest(path)
    with db.transaction() as session:
        done = session.execute(
            select(Import.id, Import.row_count).where(
                Import.kind == KIND, Import.file_sha256 == sha256
            )
        ).first()
        if done is not None:
            return ImportResult(path.name, done.row_count, 0, 0, done.id, True)
        problems: list[Problem] = []
        lines, cases = _read(session, path, problems, progress)
        fresh, present = _not_stored(session, path.name, lines, cases, problems)
        if problems:
            # Leaving the block by exception rolls back: nothing from this file is stored.
            raise LoadRejected(path.name, sorted(problems, key=lambda p: p.line)[:MAX_PROBLEMS])
        import_id = session.scalar(
            insert(Import)
            .values(kind=KIND, file_name=path.name, file_sha256=sha256, row_count=len(cases))
            .returning(Import.id)
        )
        _insert(session, fresh, import_id, _forces(session))
        record(
            session,
            actor,
            Action.IMPORT,
            "import",
            import_id or 0,
            reason=f"{len(fresh)} closed cases for review from {path.name}",
            after=sha256,
        )
        return ImportResult(path.name, len(cases), len(fresh), present, import_id)


def _forces(session: Session) -> dict[str, int]:
    return {
        code: id_
        for code, id_ in session.execute(
            select(Area.code, Area.id).where(Area.kind == "force_area")
        )
    }


def _read(
    session: Session, path: Path, problems: list[Problem], progress: Progress | None
) -> tuple[dict[str, int], list[ClosedCase]]:
    forces = _forces(session)
    reader = RowReader(path.name, problems)
    lines: dict[str, int] = {}
    cases: list[ClosedCase] = []
    for count, raw in enumerate(raw_rows(path, problems), 1):
        case = reader.read(raw)
        if progress and count % 1000 == 0:
            progress(count)
        if len(problems) >= MAX_PROBLEMS:
            break
        if case is None:
            continue
        if case.force not in forces:
            problems.append(
                Problem(path.name, raw.line, "force", f"no force area has the code {case.force!r}")
            )
            continue
        first = lines.get(case.reference)
        if first is not None:
            problems.append(
                Problem(
                    path.name,
                    raw.line,
                    "case_reference",
                    f"{case.reference!r} appears again (first on line {first})",
                )
            )
            continue
        lines[case.reference] = raw.line
        cases.append(case)
    if not cases and not problems:
        problems.append(Problem(path.name, 0, "file", "holds no cases"))
    return lines, cases


def _not_stored(
    session: Session,
    file: str,
    lines: dict[str, int],
    cases: list[ClosedCase],
    problems: list[Problem],
) -> tuple[list[ClosedCase], int]:
    """Cases not yet stored; identical stored ones are counted, changed ones refused."""
    forces = _forces(session)
    fresh: list[ClosedCase] = []
    present = 0
    for start in range(0, len(cases), _BATCH):
        batch = cases[start : start + _BATCH]
        stored = _stored(session, [c.reference for c in batch])
        for case in batch:
            old = stored.get(case.reference)
            if old is None:
                fresh.append(case)
                continue
            new = {
                **case.stored(),
                "force_area_id": forces[case.force],
                "items": sorted((i.kind, i.value) for i in case.items),
            }
            differing = [k for k in new if new[k] != old.get(k)]
            if differing:
                problems.append(
                    Problem(
                        file,
                        lines[case.reference],
                        "case_reference",
                        f"{case.reference!r} is already stored with different "
                        + ", ".join(differing),
                    )
                )
            else:
                present += 1
    return fresh, present


def _stored(session: Session, references: list[str]) -> dict[str, dict[str, Any]]:
    table = _CASES
    names = [*ClosedCase.stored_columns(), "force_area_id"]
    rows = session.execute(
        select(table.c.id, *(table.c[n] for n in names)).where(table.c.reference.in_(references))
    ).all()
    found = {row.reference: dict(zip(names, row[1:], strict=True)) for row in rows}
    by_id = {row.id: row.reference for row in rows}
    items: dict[str, list[tuple[str, str]]] = {ref: [] for ref in found}
    if by_id:
        for case_id, kind, value in session.execute(
            select(ReviewCaseItem.review_case_id, ReviewCaseItem.kind, ReviewCaseItem.value).where(
                ReviewCaseItem.review_case_id.in_(by_id)
            )
        ):
            items[by_id[case_id]].append((kind, value))
    for ref, values in found.items():
        values["items"] = sorted(items[ref])
    return found


def _insert(
    session: Session, cases: list[ClosedCase], import_id: int | None, forces: dict[str, int]
) -> None:
    # Core tables and plain executemany: the fast path on both SQLite and PostgreSQL.
    table, items_table = _CASES, _ITEMS
    for start in range(0, len(cases), _BATCH):
        batch = cases[start : start + _BATCH]
        session.execute(
            insert(table),
            [
                {**c.stored(), "force_area_id": forces[c.force], "import_id": import_id}
                for c in batch
            ],
        )
        ids = dict(
            session.execute(
                select(table.c.reference, table.c.id).where(
                    table.c.reference.in_([c.reference for c in batch])
                )
            ).all()
        )
        items = [
            {"review_case_id": ids[c.reference], "kind": i.kind, "value": i.value, "key": i.key}
            for c in batch
            for i in c.items
        ]
        if items:
            session.execute(insert(items_table), items)


@dataclass(frozen=True)
class ImportSummary:
    """What one imported file brought in, read back from the store (for the web's result)."""

    id: int
    file: str
    loaded_at: datetime
    rows_in_file: int
    inserted: int

    @property
    def already_present(self) -> int:
        return self.rows_in_file - self.inserted


def summary(session: Session, import_id: int) -> ImportSummary | None:
    found = session.execute(
        select(Import.id, Import.file_name, Import.loaded_at, Import.row_count).where(
            Import.id == import_id, Import.kind == KIND
        )
    ).first()
    if found is None:
        return None
    inserted = session.scalar(
        select(func.count()).select_from(ReviewCase).where(ReviewCase.import_id == import_id)
    )
    return ImportSummary(found.id, found.file_name, found.loaded_at, found.row_count, inserted or 0)


def recent(session: Session, limit: int = 10) -> list[ImportSummary]:
    """The latest closed-case files imported, newest first."""
    added = (
        select(ReviewCase.import_id, func.count().label("n"))
        .group_by(ReviewCase.import_id)
        .subquery()
    )
    rows = session.execute(
        select(Import.id, Import.file_name, Import.loaded_at, Import.row_count, added.c.n)
        .outerjoin(added, added.c.import_id == Import.id)
        .where(Import.kind == KIND)
        .order_by(Import.id.desc())
        .limit(limit)
    ).all()
    return [ImportSummary(r.id, r.file_name, r.loaded_at, r.row_count, r.n or 0) for r in rows]


def unscored(session: Session) -> bool:
    """Whether any review case still waits for its first score (a file imported but not yet
    scored, or scoring that failed after an import)."""
    return (
        session.scalar(select(ReviewCase.id).where(ReviewCase.score_id.is_(None)).limit(1))
        is not None
    )
