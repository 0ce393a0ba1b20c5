"""Linking the person records in the store into persons: `persons` rows and
`person_records.person_id`, every change ledgered.

Incremental: records that already belong to a person are anchors. Only the records without
a person (new, or detached to be re-linked) are scored, against each other and against the
anchored ones; pairs of anchored records are not scored again. Two existing persons are
never merged by a run — that is an analyst's decision, so such a pair goes to the review
queue. Analysts' decisions (link_decisions) are followed: a confirmed pair is joined, a
rejected pair is never put in one person, even through other records.

The slow part (Splink) runs outside any transaction; the writes happen in one transaction
at the end, so a failed or interrupted run changes nothing.
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd  # type: ignore[import-untyped]
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from caselink.domain import INTERCHANGE_COLUMNS
from caselink.ledger import Action, Actor, digest, record
from caselink.linkage.clusters import cluster
from caselink.linkage.engine import Backend, score, score_new, train
from caselink.linkage.evidence import from_prediction
from caselink.linkage.ids import assign_person_ids, new_person_id
from caselink.linkage.model import LinkageModel
from caselink.linkage.nhs_conflicts import conflicts
from caselink.linkage.normalise import prepare
from caselink.people.keys import index_missing
from caselink.store.db import Database
from caselink.store.models import (
    LinkageModelVersion,
    LinkageRun,
    LinkCandidate,
    LinkDecision,
    Person,
    PersonRecord,
)

Step = Callable[[str], None]


def _no_step(_: str) -> None:
    return None


@dataclass
class StoredRun:
    kind: str
    records_read: int = 0
    records_linked: int = 0  # records whose person changed (or was first set)
    persons_created: int = 0
    candidates: int = 0  # pairs sent to the review queue
    model_version: int = 0
    run_id: int | None = None
    refused: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class _Snapshot:
    records: pd.DataFrame  # interchange columns
    db_id: dict[str, int]  # record_id -> person_records.id
    person_key: dict[str, str]  # record_id -> persons.person_key, for linked records
    decisions: dict[tuple[int, int], str]  # (a id, b id) -> newest decision


def _read(session: Session) -> _Snapshot:
    # Only the interchange columns are read: ethnicity and nationality never reach linkage.
    rows = session.execute(
        select(
            PersonRecord.id,
            PersonRecord.record_id,
            PersonRecord.source,
            PersonRecord.given_name,
            PersonRecord.family_name,
            PersonRecord.date_of_birth,
            PersonRecord.sex,
            PersonRecord.postcode,
            PersonRecord.address,
            PersonRecord.nhs_number,
            PersonRecord.phone,
            PersonRecord.email,
            Person.person_key,
        )
        .outerjoin(Person, Person.id == PersonRecord.person_id)
        .order_by(PersonRecord.id)
    ).all()
    columns: dict[str, list[str]] = {c: [] for c in INTERCHANGE_COLUMNS}
    db_id: dict[str, int] = {}
    person_key: dict[str, str] = {}
    for row in rows:
        values = row._mapping
        for column in INTERCHANGE_COLUMNS:
            value = values[column]
            if column == "date_of_birth" and value is not None:
                value = value.isoformat()
            columns[column].append("" if value is None else str(value))
        db_id[row.record_id] = row.id
        if row.person_key is not None:
            person_key[row.record_id] = row.person_key
    return _Snapshot(pd.DataFrame(columns), db_id, person_key, decided_pairs(session))


def decided_pairs(session: Session) -> dict[tuple[int, int], str]:
    """The newest decision on each pair of records (decisions are append-only)."""
    newest = (
        select(func.max(LinkDecision.id))
        .group_by(LinkDecision.record_a_id, LinkDecision.record_b_id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(LinkDecision.record_a_id, LinkDecision.record_b_id, LinkDecision.decision).where(
            LinkDecision.id.in_(newest)
        )
    ).all()
    return {(a, b): decision for a, b, decision in rows}


def latest_model(session: Session) -> tuple[LinkageModel, int] | None:
    row = session.scalars(
        select(LinkageModelVersion).order_by(LinkageModelVersion.version.desc()).limit(1)
    ).first()
    if row is None:
        return None
    return LinkageModel.from_dict(json.loads(row.document)), row.id


def save_model(session: Session, model: LinkageModel, actor: Actor) -> int:
    """Store `model` as the next version; returns its row id. Ledgered."""
    newest = session.scalar(select(func.max(LinkageModelVersion.version))) or 0
    model.version = newest + 1
    document = json.dumps(model.as_dict(), sort_keys=True)
    row = LinkageModelVersion(version=model.version, spec=model.spec, document=document)
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        Action.CREATE,
        "linkage_model",
        model.version,
        reason=f"trained on {model.trained_on_records:,} records",
        after=digest(document),
    )
    return row.id


def link_stored(
    db: Database,
    actor: Actor,
    backend: Backend | None = None,
    *,
    retrain: bool = False,
    relink: Iterable[str] = (),
    link_threshold: float | None = None,
    review_threshold: float | None = None,
    step: Step = _no_step,
) -> StoredRun:
    """Link the stored records that have no person yet (all of them, the first time), and
    re-link the records named in `relink`. Raises LookupError for an unknown record id."""
    backend = backend or Backend()
    relink = sorted(set(relink))
    step("Reading person records from the store")
    with db.transaction() as session:
        snapshot = _read(session)
        found = None if retrain else latest_model(session)
    unknown = [r for r in relink if r not in snapshot.db_id]
    if unknown:
        raise LookupError(f"no person record with record_id {', '.join(map(repr, unknown))}")
    anchors = {r: k for r, k in snapshot.person_key.items() if r not in relink}
    kind = "full" if not snapshot.person_key else ("relink" if relink else "incremental")
    result = StoredRun(kind, records_read=len(snapshot.records))
    step("Normalising names, dates, postcodes, phones and NHS numbers")
    prepared = prepare(snapshot.records)
    if found is None:
        model, model_id = train(prepared, backend, step=step), None
    else:
        model, model_id = found
    if link_threshold is not None:
        model.link_threshold = link_threshold
    if review_threshold is not None:
        model.review_threshold = review_threshold
    floor = min(model.review_threshold, model.link_threshold)
    anchored = prepared["unique_id"].isin(anchors.keys())
    if not anchors:
        pairs = score(prepared, model, backend, min_probability=floor, explain=True, step=step)
    else:
        pairs = score_new(
            prepared[anchored],
            prepared[~anchored],
            model,
            backend,
            min_probability=floor,
            explain=True,
            step=step,
        )
    step("Grouping records into persons")
    record_of = {i: r for r, i in snapshot.db_id.items()}
    decided = {(record_of[a], record_of[b]): d for (a, b), d in snapshot.decisions.items()}
    triples = list(
        zip(
            pairs["unique_id_l"].tolist(),
            pairs["unique_id_r"].tolist(),
            pairs["match_probability"].astype(float).tolist(),
            strict=True,
        )
    )
    groups = cluster(
        prepared["unique_id"].tolist(),
        triples,
        threshold=model.link_threshold,
        confirmed=[p for p, d in decided.items() if d == "confirm"],
        rejected=[p for p, d in decided.items() if d == "reject"],
        anchors=anchors,
    )
    person_of = assign_person_ids(groups.cluster_of, anchors)
    changed = {r: k for r, k in person_of.items() if snapshot.person_key.get(r) != k}
    result.refused = groups.refused
    review = _for_review(pairs, person_of, decided, model, groups.refused)
    queued = {(min(a, b), max(a, b)) for a, b, _ in review}
    touched = {person_of[r] for r in changed}
    for a, b, evidence in conflicts(prepared, person_of, pairs, touched, decided):
        if (min(a, b), max(a, b)) not in queued:
            review.append((a, b, evidence))
    if model_id is not None and not changed and not review:
        result.model_version = model.version
        return result  # nothing new to link: no run to record
    step("Writing persons and links")
    with db.transaction() as session:
        if model_id is None:
            model_id = save_model(session, model, actor)
        result.model_version = model.version
        run = LinkageRun(
            model_id=model_id,
            kind=kind,
            actor=actor.name,
            records_read=result.records_read,
            records_linked=len(changed),
            persons_created=0,
            candidates=len(review),
        )
        keys = sorted(set(changed.values()))
        person_ids = _persons(session, keys)
        result.persons_created = sum(1 for k in keys if person_ids[k][1])
        run.persons_created = result.persons_created
        session.add(run)
        session.flush()
        result.run_id = run.id
        _write_links(session, actor, run.id, changed, snapshot.db_id, person_ids)
        index_missing(session)  # any record stored without search keys becomes findable
        _write_candidates(session, run.id, review, snapshot.db_id)
        record(
            session,
            actor,
            Action.LINK,
            "linkage_run",
            run.id,
            reason=(
                f"{kind} run, model v{model.version}: {len(changed):,} records linked, "
                f"{result.persons_created:,} new persons, {len(review):,} pairs for review"
            ),
            after=digest({"links": sorted(changed.items())}),
        )
    result.records_linked = len(changed)
    result.candidates = len(review)
    return result


def _for_review(
    pairs: pd.DataFrame,
    person_of: dict[str, str],
    decided: dict[tuple[str, str], str],
    model: LinkageModel,
    refused: list[tuple[str, str, str]],
) -> list[tuple[str, str, str]]:
    """(record a, record b, evidence JSON) for pairs left in two persons that scored at
    least the review threshold, and that no analyst has decided yet."""
    refused_pairs = {(min(a, b), max(a, b)) for a, b, _ in refused}
    out = []
    for row in pairs.to_dict("records"):
        a, b = str(row["unique_id_l"]), str(row["unique_id_r"])
        if person_of[a] == person_of[b] or (a, b) in decided or (b, a) in decided:
            continue
        probability = float(row["match_probability"])
        uncertain = model.review_threshold <= probability < model.link_threshold
        if uncertain or (a, b) in refused_pairs:
            out.append((a, b, from_prediction(row).to_json()))
    return out


def _persons(session: Session, keys: list[str]) -> dict[str, tuple[int, bool]]:
    """persons.id for each key, creating the missing ones: key -> (id, created)."""
    found: dict[str, tuple[int, bool]] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for pid, key in session.execute(
            select(Person.id, Person.person_key).where(Person.person_key.in_(chunk))
        ):
            found[key] = (pid, False)
    missing = [k for k in keys if k not in found]
    for start in range(0, len(missing), 500):
        rows = [Person(person_key=k) for k in missing[start : start + 500]]
        session.add_all(rows)
        session.flush()
        for row in rows:
            found[row.person_key] = (row.id, True)
    return found


def _write_links(
    session: Session,
    actor: Actor,
    run_id: int,
    changed: dict[str, str],
    db_id: dict[str, int],
    person_ids: dict[str, tuple[int, bool]],
) -> None:
    table = PersonRecord.__table__
    statement = (
        update(table)  # type: ignore[arg-type]
        .where(table.c.id == bindparam("record_pk"))
        .values(person_id=bindparam("person_pk"))
    )
    items = sorted(changed.items())
    for start in range(0, len(items), 1000):
        chunk = items[start : start + 1000]
        session.execute(
            statement,
            [{"record_pk": db_id[r], "person_pk": person_ids[k][0]} for r, k in chunk],
            execution_options={"synchronize_session": False},
        )
    for record_id, key in items:
        record(
            session,
            actor,
            Action.LINK,
            "person_record",
            db_id[record_id],
            reason=f"linkage run {run_id}: person {key}",
            after=digest({"person": key}),
        )


def _write_candidates(
    session: Session, run_id: int, review: list[tuple[str, str, str]], db_id: dict[str, int]
) -> None:
    rows = []
    for a, b, evidence in review:
        first, second = sorted((db_id[a], db_id[b]))
        document = json.loads(evidence)
        rows.append(
            {
                "run_id": run_id,
                "record_a_id": first,
                "record_b_id": second,
                "match_probability": document["match_probability"],
                "match_weight": document["match_weight"],
                "evidence": evidence,
            }
        )
    if rows:
        session.execute(insert(LinkCandidate), rows)


def fresh_person_key(session: Session, record_ids: list[str]) -> str:
    """A person key for a new person made of `record_ids`, not yet used in the store."""
    taken: set[str] = set()
    while True:
        key = new_person_id(record_ids, taken)
        if session.scalar(select(Person.id).where(Person.person_key == key)) is None:
            return key
        taken.add(key)
