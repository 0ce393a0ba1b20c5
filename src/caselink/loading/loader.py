"""Load one CSV file into the store, all or nothing.

The whole file is read, checked and written inside one transaction. If any row has a
problem, every problem is reported and the transaction is rolled back, so the store is as it
was. A crash part-way (even kill -9) leaves the transaction uncommitted, so the same command
can simply be run again. The `imports` row, written in that same transaction, records that
the file is in; loading an identical file again is a no-op, and rows already stored with the
same content are skipped, so neither a duplicate nor a missing row can result.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from caselink.ledger import Action, Actor, record, record_rows
from caselink.loading.csv_file import CsvFile, FileFacts, Row, inspect
from caselink.loading.problems import LoadRejected, Problem, StoreFailed
from caselink.loading.specs import FileSpec
from caselink.people import nhs
from caselink.people.keys import index_import
from caselink.store.db import Database
from caselink.store.models import Import

Progress = Callable[[int], None]
SYSTEM = Actor.system("loader")
MAX_PROBLEMS = 10_000  # past this the file is plainly the wrong file; stop collecting
SEARCHABLE = frozenset({"person_records", "case_entities"})  # kinds that carry search keys


@dataclass(frozen=True)
class LoadResult:
    file: str
    kind: str
    rows_in_file: int
    inserted: int
    already_present: int
    import_id: int | None
    skipped_identical_file: bool = False
    nhs_check_failed: int = 0  # NHS numbers loaded as held that fail their check digit


@dataclass
class _Pending:
    line: int
    values: dict[str, Any]
    codes: dict[str, str]


def load_file(
    db: Database,
    path: Path,
    spec: FileSpec,
    progress: Progress | None = None,
    actor: Actor = SYSTEM,
) -> LoadResult:
    facts = inspect(path)
    try:
        return _load(db, path, spec, facts, progress, actor)
    except OperationalError as failed:  # SQLite's "disk I/O error", PostgreSQL's DiskFull...
        raise StoreFailed(path.name, str(failed.orig).strip()) from failed


def _load(
    db: Database,
    path: Path,
    spec: FileSpec,
    facts: FileFacts,
    progress: Progress | None,
    actor: Actor,
) -> LoadResult:
    with db.transaction() as session:
        done = session.scalar(
            select(Import.id).where(Import.kind == spec.kind, Import.file_sha256 == facts.sha256)
        )
        if done is not None:
            return LoadResult(path.name, spec.kind, facts.rows, 0, 0, done, True)
        source = CsvFile(path, spec.header, spec.optional)
        run = _Run(session, spec, source.problems, path.name)
        import_id = session.scalar(
            insert(Import)
            .values(
                kind=spec.kind, file_name=path.name, file_sha256=facts.sha256, row_count=facts.rows
            )
            .returning(Import.id)
        )
        run.import_id = import_id
        for count, row in enumerate(source.rows(check_encoding=not facts.valid_utf8), 1):
            run.add(row)
            if len(source.problems) >= MAX_PROBLEMS:
                break
            if progress and count % 1000 == 0:
                progress(count)
        run.flush()
        if source.problems:
            # Leaving the block by exception rolls the transaction back: nothing is stored.
            raise LoadRejected(path.name, sorted(source.problems, key=lambda p: p.line))
        if spec.kind in SEARCHABLE and import_id is not None:
            index_import(session, import_id)  # findable as soon as it is in
        # One ledger entry per file: the file's digest fixes every row it brought in.
        record(
            session,
            actor,
            Action.IMPORT,
            "import",
            import_id or 0,
            reason=f"{spec.kind} from {path.name}",
            after=facts.sha256,
        )
        if spec.audited_as and run.inserted:
            table = spec.table
            loaded = select(table.c.id).where(table.c.import_id == import_id).order_by(table.c.id)
            reason = f"from {path.name} (import {import_id})"
            record_rows(
                session, actor, Action.IMPORT, spec.audited_as, session.scalars(loaded), reason
            )
        if progress:
            progress(facts.rows)
        return LoadResult(
            path.name,
            spec.kind,
            facts.rows,
            run.inserted,
            run.present,
            import_id,
            nhs_check_failed=run.nhs_check_failed,
        )


class _Run:
    """The state of one file's load: a batch waiting to be written, keys seen so far."""

    def __init__(
        self, session: Session, spec: FileSpec, problems: list[Problem], file: str
    ) -> None:
        self.session = session
        self.spec = spec
        self.problems = problems
        self.file = file
        self.batch: list[_Pending] = []
        self.seen: dict[tuple[Any, ...], int] = {}
        self.inserted = 0
        self.present = 0
        self.import_id: int | None = None
        self.nhs_check_failed = 0

    def problem(self, line: int, field: str, message: str) -> None:
        self.problems.append(Problem(self.file, line, field, message))

    def add(self, row: Row) -> None:
        values: dict[str, Any] = {}
        ok = True
        for column in self.spec.columns:
            raw = row.values.get(column.name, "").strip()
            if not raw:
                if column.required:
                    self.problem(row.line, column.name, "is required but empty")
                    ok = False
                values[column.target] = None
                continue
            try:
                values[column.target] = column.parse(raw)
            except ValueError as error:
                self.problem(row.line, column.name, str(error))
                ok = False
        codes = {ref.column: row.values.get(ref.column, "").strip() for ref in self.spec.references}
        for ref in self.spec.references:
            if ref.required and not codes[ref.column]:
                self.problem(row.line, ref.column, "is required but empty")
                ok = False
        number = values.get("nhs_number")
        if ok and number and not nhs.is_valid(number):
            self.nhs_check_failed += 1
        if ok:
            self.batch.append(_Pending(row.line, values, codes))
            if len(self.batch) >= self.spec.batch_size:
                self.flush()

    def flush(self) -> None:
        batch, self.batch = self.batch, []
        if not batch:
            return
        batch = self._resolve(batch)
        batch = self._unseen(batch)
        fresh = self._not_stored(batch)
        if fresh and not self.problems:
            stamp = {"import_id": self.import_id} if "import_id" in self.spec.table.c else {}
            rows = [{**p.values, **stamp} for p in fresh]
            self.session.execute(insert(self.spec.table), rows)
            self.inserted += len(rows)

    def _resolve(self, batch: list[_Pending]) -> list[_Pending]:
        """Turn codes (agency, area, case, record) into row ids, reporting unknown ones."""
        kept = batch
        for ref in self.spec.references:
            wanted = {p.codes[ref.column] for p in kept if p.codes[ref.column]}
            query = select(ref.table.c[ref.key], ref.table.c.id).where(
                ref.table.c[ref.key].in_(wanted)
            )
            if ref.where is not None:
                query = query.where(ref.where)
            ids = {code: id_ for code, id_ in self.session.execute(query)} if wanted else {}
            still = []
            for pending in kept:
                code = pending.codes[ref.column]
                if not code:
                    pending.values[ref.to] = None
                elif code in ids:
                    pending.values[ref.to] = ids[code]
                else:
                    self.problem(
                        pending.line, ref.column, f"no {ref.describe} has the code {code!r}"
                    )
                    continue
                still.append(pending)
            kept = still
        return kept

    def _unseen(self, batch: list[_Pending]) -> list[_Pending]:
        kept = []
        for pending in batch:
            key = tuple(pending.values[k] for k in self.spec.key)
            first = self.seen.get(key)
            if first is not None:
                self.problem(
                    pending.line,
                    self._key_label(),
                    f"{_show(key)} appears again (first on line {first})",
                )
                continue
            self.seen[key] = pending.line
            kept.append(pending)
        return kept

    def _not_stored(self, batch: list[_Pending]) -> list[_Pending]:
        """Rows already in the store from another file: identical ones are skipped, changed
        ones are refused (a change to a stored row is a decision, not a bulk load)."""
        if not batch:
            return batch
        table, key = self.spec.table, self.spec.key
        compared = [c.target for c in self.spec.columns] + [r.to for r in self.spec.references]
        compared = [c for c in compared if c not in key]
        # Filter on the first key column in SQL, the rest in Python: NULL never equals NULL in SQL.
        firsts = {p.values[key[0]] for p in batch}
        query = select(*(table.c[c] for c in key), *(table.c[c] for c in compared)).where(
            table.c[key[0]].in_(firsts)
        )
        stored = {
            tuple(r[: len(key)]): tuple(r[len(key) :]) for r in self.session.execute(query).all()
        }
        fresh = []
        for pending in batch:
            k = tuple(pending.values[c] for c in key)
            if k not in stored:
                fresh.append(pending)
                continue
            differing = [
                c for c, old in zip(compared, stored[k], strict=True) if old != pending.values[c]
            ]
            if differing:
                self.problem(
                    pending.line,
                    self._key_label(),
                    f"{_show(k)} is already stored with different {', '.join(differing)}",
                )
            else:
                self.present += 1
        return fresh

    def _key_label(self) -> str:
        return self.spec.columns[0].name if len(self.spec.key) == 1 else "row"


def _show(key: tuple[Any, ...]) -> str:
    return repr(key[0]) if len(key) == 1 else "this row"
