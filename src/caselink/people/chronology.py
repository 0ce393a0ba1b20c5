"""The multi-agency chronology: every dated thing about one child from every agency, in
date order, with its source agency and a link to the source. What serious case reviews ask
for and what staff otherwise assemble by hand.

Built from the joined-up record (so it shows exactly what the reader may see, and the reads
are ledgered there): records first seen, the reports that opened the child's cases, case
events and decisions, network alerts on those cases, review outcomes, and s.16LA decisions
(their existence and date only). Sealed narrative (event detail) is left on the case page."""

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.access import policy
from caselink.access.principal import Principal
from caselink.people.joined import JoinedPerson
from caselink.store.models import (
    Agency,
    Area,
    Case,
    Decision,
    Event,
    NetworkAlert,
    NetworkNode,
    Report,
    ReviewCase,
    ReviewOutcome,
)

KINDS = {
    "record": "Record first seen",
    "report": "Report",
    "event": "Case event",
    "decision": "Decision",
    "network_alert": "Network alert",
    "review_outcome": "Review outcome",
    "sharing": "Not shared (s.16LA)",
}


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str
    agency: str
    what: str
    link: str | None

    @property
    def on(self) -> date:
        return self.at.date()

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


def _at(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _words(code: str) -> str:
    return code.replace("_", " ").capitalize()


def entries(session: Session, p: Principal, person: JoinedPerson) -> list[Entry]:
    found = [
        Entry(
            _at(r.recorded_at),
            "record",
            r.agency,
            f"{r.agency} record of {r.name}",
            f"/records/{r.id}",
        )
        for r in person.records
    ]
    found += [
        Entry(
            _at(w.since),
            "sharing",
            w.agency,
            f"A record at {w.agency} is not shared with the team"
            + (f"; contact {w.contact}" if w.contact else ""),
            None,
        )
        for w in person.withheld
    ]
    references = sorted({i.case_reference for i in person.involvements})
    agency_of = {i.case_reference: i.agency for i in person.involvements}
    cases = session.execute(
        select(Case.id, Case.reference, Area.name)
        .join(Area, Area.id == Case.force_area_id)
        .where(Case.reference.in_(references), policy.cases(p))
    ).all()
    case_ids = {cid: ref for cid, ref, _ in cases}
    for report, reporter_agency in session.execute(
        select(Report, Agency.name)
        .outerjoin(Agency, Agency.id == Report.reporter_agency_id)
        .where(
            Report.id.in_(select(Case.origin_report_id).where(Case.id.in_(list(case_ids)))),
            policy.reports(p),
        )
    ):
        found.append(
            Entry(
                _at(report.submitted_at),
                "report",
                reporter_agency or _words(report.reporter_role or "") or "Reporter",
                f"Report {report.reference} ({_words(report.trigger)})",
                f"/reports/{report.reference}",
            )
        )
    for event in session.scalars(select(Event).where(Event.case_id.in_(list(case_ids)))):
        ref = case_ids[event.case_id or 0]
        found.append(
            Entry(
                _at(event.occurred_on),
                "event",
                agency_of.get(ref, ""),
                f"{_words(event.kind)} (case {ref})",
                f"/cases/{ref}",
            )
        )
    for d in session.scalars(select(Decision).where(Decision.case_id.in_(list(case_ids)))):
        ref = case_ids[d.case_id or 0]
        found.append(
            Entry(
                _at(d.decided_at),
                "decision",
                agency_of.get(ref, ""),
                f"{_words(d.kind)}: {_words(d.outcome)} (case {ref})",
                f"/cases/{ref}",
            )
        )
    alerts = session.execute(
        select(NetworkAlert, NetworkNode.case_id)
        .join(NetworkNode, NetworkNode.network_id == NetworkAlert.network_id)
        .where(NetworkNode.case_id.in_(list(case_ids)), policy.network_alerts(p))
    ).all()
    seen: set[int] = set()
    for alert, case_id in alerts:
        if alert.id in seen:
            continue
        seen.add(alert.id)
        found.append(
            Entry(
                _at(alert.created_at),
                "network_alert",
                "caselink network detection",
                f"{_words(alert.kind)} alert (case {case_ids[case_id or 0]})",
                f"/network/alerts/{alert.id}",
            )
        )
    for outcome, ref in session.execute(
        select(ReviewOutcome, ReviewCase.reference)
        .join(ReviewCase, ReviewCase.id == ReviewOutcome.review_case_id)
        .where(ReviewCase.reference.in_(list(case_ids.values())))
    ):
        found.append(
            Entry(
                _at(outcome.decided_at),
                "review_outcome",
                "National case review",
                f"{_words(outcome.outcome)} (case {ref})",
                f"/review/cases/{ref}",
            )
        )
    return sorted(found, key=lambda e: (e.at, e.kind, e.what))


def filtered(found: list[Entry], agency: str = "", kind: str = "") -> list[Entry]:
    return [e for e in found if (not agency or e.agency == agency) and (not kind or e.kind == kind)]


def _cell(text: str) -> str:
    """A value a spreadsheet will show as text, never run as a formula (a name typed as
    "=HYPERLINK(...)" into an agency's system stays a name)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def as_csv(found: list[Entry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "kind", "agency", "what", "link"])
    for e in found:
        writer.writerow([e.on.isoformat(), e.kind, _cell(e.agency), _cell(e.what), e.link or ""])
    return out.getvalue()
