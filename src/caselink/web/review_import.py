"""Importing closed cases for review in the browser: a GOV.UK file upload that runs the same
import as `caselink review import` (all or nothing, safe to repeat, ledgered as the reviewer
who uploaded it), scores what came in, and shows what the file added.

Only case reviewers import (policy.may_import_review_cases); oversight reads the results.
"""

import io
import re
import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import Response

from caselink.access import policy
from caselink.access.principal import Principal
from caselink.loading.problems import LoadRejected, Problem
from caselink.review import columns, importing, priorities
from caselink.review import weights as review_weights
from caselink.store.db import Database
from caselink.web.permissions import Allowed, require
from caselink.web.security import Transaction, Visit, check_csrf, database
from caselink.web.templating import not_found, render

router = APIRouter(include_in_schema=False)
FIELD = "cases_file"
MAX_BYTES = 50 * 1024 * 1024
SUFFIXES = (".csv", ".parquet", ".pq")
MAX_SHOWN = 50  # problems listed on the page; the rest are counted
_FORM_OVERHEAD = 64 * 1024  # multipart boundaries and the CSRF field around the file
_DRAIN_LIMIT = 8 * MAX_BYTES  # read (and drop) an oversized body up to here, then stop
_MAX_ID = 2**31 - 1


# Who is uploading is checked in a short transaction of its own ("alone"): the import writes
# in its own transactions, which a request transaction holding SQLite's write lock would block.
IMPORTER = Depends(require(policy.IMPORT_REVIEW_CASES, "alone"))


def _form(
    request: Request,
    current: Visit,
    principal: Principal,
    db: Database,
    errors: dict[str, str] | None = None,
    problems: list[Problem] | None = None,
    status_code: int = 200,
) -> Response:
    with db.transaction() as session:
        imported = importing.recent(session)
    problems = problems or []
    return render(
        request,
        "review/import.html",
        principal,
        current.csrf_token,
        status_code=status_code,
        errors=errors or {},
        problems=problems[:MAX_SHOWN],
        more=max(0, len(problems) - MAX_SHOWN),
        imported=imported,
        required=columns.REQUIRED,
        optional=columns.OPTIONAL,
        max_mb=MAX_BYTES // (1024 * 1024),
    )


@router.get("/review/import")
def import_form(request: Request, current: Allowed = IMPORTER) -> Response:
    return _form(request, current, current.principal, database(request))


def _safe_name(raw: str) -> str:
    """The uploaded file's own name, as problems will name it, without any folder part."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    return re.sub(r"[^A-Za-z0-9._()\- ]", "_", name).strip()[-200:]


def _too_large() -> str:
    return f"The selected file must be smaller than {MAX_BYTES // (1024 * 1024)} MB"


async def _drain(request: Request) -> None:
    """Read and drop an oversized body, so the browser sees the error page, not a reset."""
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > _DRAIN_LIMIT:
            break


async def _buffered(request: Request, limit: int) -> bool:
    """Read a body of unknown length into the request (so the form parser reads it from
    there); False, with the rest drained, if it is longer than `limit`."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            await _drain(request)
            return False
    request._body = bytes(body)  # Starlette's stream() replays a body it already holds
    return True


def _upload_problem(upload: UploadFile) -> tuple[str, int] | None:
    """What is wrong with the uploaded file itself, and the status to answer with."""
    if not upload.filename:
        return "Select a closed-case file", 400
    if not _safe_name(upload.filename).lower().endswith(SUFFIXES):
        return "The selected file must be a CSV or Parquet file (.csv or .parquet)", 400
    if upload.size == 0:
        return "The selected file is empty", 400
    if upload.size is not None and upload.size > MAX_BYTES:
        return _too_large(), 413
    return None


def _run_import(db: Database, upload: UploadFile, principal: Principal) -> importing.ImportResult:
    """Copy the upload under its own name (problems name the file) and import it as the CLI
    does; then score if anything is new or still unscored."""
    with tempfile.TemporaryDirectory(prefix="caselink-import-") as folder:
        path = Path(folder) / _safe_name(upload.filename or "")
        with path.open("wb") as out:
            upload.file.seek(0)
            shutil.copyfileobj(upload.file, out)
        try:
            result = importing.import_file(db, path, principal.actor)
        except IntegrityError:  # the same file, uploaded at the same moment by someone else
            result = importing.import_file(db, path, principal.actor)
    with db.transaction() as session:
        waiting = importing.unscored(session)
    if waiting:
        priorities.score_store(db, review_weights.load(), principal.actor)
    return result


@router.post("/review/import")
async def import_upload(request: Request, current: Allowed = IMPORTER) -> Response:
    db, principal = database(request), current.principal
    length = request.headers.get("content-length")
    if length is None:
        # Sent in chunks, with no size given: read it, up to the limit, before parsing.
        if not await _buffered(request, MAX_BYTES + _FORM_OVERHEAD):
            errors = {FIELD: _too_large()}
            return await run_in_threadpool(
                _form, request, current, principal, db, errors, None, 413
            )
    elif not re.fullmatch(r"[0-9]{1,12}", length):
        await _drain(request)
        errors = {FIELD: "The upload did not say its size correctly: try again"}
        return await run_in_threadpool(_form, request, current, principal, db, errors, None, 400)
    elif int(length) > MAX_BYTES + _FORM_OVERHEAD:
        await _drain(request)
        errors = {FIELD: _too_large()}
        return await run_in_threadpool(_form, request, current, principal, db, errors, None, 413)
    form = await request.form(max_files=1, max_fields=4)
    try:
        token = form.get("csrf_token")
        check_csrf(current, token if isinstance(token, str) else None)
        upload = form.get(FIELD)
        if not isinstance(upload, UploadFile):
            upload = UploadFile(io.BytesIO(), filename="")  # no file chosen
        if problem := _upload_problem(upload):
            errors, status = {FIELD: problem[0]}, problem[1]
            return await run_in_threadpool(
                _form, request, current, principal, db, errors, None, status
            )
        try:
            result = await run_in_threadpool(_run_import, db, upload, principal)
        except LoadRejected as rejected:
            count = len(rejected.problems)
            errors = {
                FIELD: f"{rejected.file} has {count:,} problem{'s' * (count != 1)}, so nothing "
                "was imported: correct the file and upload it again"
            }
            return await run_in_threadpool(
                _form, request, current, principal, db, errors, rejected.problems, 400
            )
    finally:
        await form.close()
    again = "?again=1" if result.skipped_identical_file else ""
    return RedirectResponse(f"/review/imports/{result.import_id}{again}", status_code=303)


@router.get("/review/imports/{import_id}")
def import_result(
    request: Request,
    import_id: str,
    current: Allowed = Depends(require(policy.READ_REVIEW)),
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    found = None
    # isdigit() is true of "²" and Arabic-Indic digits, which int() then refuses.
    if re.fullmatch(r"[0-9]{1,10}", import_id) and int(import_id) <= _MAX_ID:
        found = importing.summary(db_session, int(import_id))
    if found is None:
        return not_found(
            request,
            principal,
            current.csrf_token,
            "There is no imported closed-case file with this number.",
            link=("/review", "Go to the review queue"),
        )
    return render(
        request,
        "review/import_result.html",
        principal,
        current.csrf_token,
        result=found,
        again=request.query_params.get("again") == "1",
        may_import=policy.may_import_review_cases(principal),
    )
