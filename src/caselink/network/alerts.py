"""Cross-boundary alerts: raised, delivered, opened.

An alert goes to the analysts of every force the network touches and to oversight. An
analyst who reads it may then ask (a POST, never by opening the page) for need-to-know access
to exactly its cases and records, for `grant_days`; every grant is ledgered as a disclosure,
with the alert as its reason.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from caselink.access import policy, refusals
from caselink.access.principal import Principal
from caselink.domain import Role
from caselink.ledger import Action, Actor, record, record_read
from caselink.network.settings import Thresholds
from caselink.store.models import (
    AccessGrant,
    Agency,
    Alert,
    Area,
    Network,
    NetworkAlert,
    NetworkAlertOpening,
    NetworkEdge,
    NetworkForce,
    NetworkNode,
    User,
)


def crosses_boundary(network: Network, t: Thresholds) -> bool:
    forces = [c for c in network.force_codes.split(";") if c]
    authorities = [c for c in network.local_authority_codes.split(";") if c]
    return len(forces) >= t.alert_forces or len(authorities) >= t.alert_authorities


def describe(network: Network) -> str:
    """The alert's message: counts, areas and dates; never a name."""
    forces = network.force_codes.replace(";", ", ") or "no force"
    authorities = (
        network.local_authority_codes.count(";") + 1 if network.local_authority_codes else 0
    )
    span = ""
    if network.first_on and network.last_on:
        span = f", {network.first_on:%b %Y} to {network.last_on:%b %Y}"
    return (
        f"Network {network.id}: {network.case_count} cases in force areas {forces} "
        f"({authorities} local authorities){span}; {network.victim_count} victims, "
        f"{network.suspect_count} suspects"
    )


def raise_alert(
    session: Session,
    network: Network,
    kind: str,
    signature: str,
    message: str,
    actor: Actor,
    now: datetime,
) -> NetworkAlert | None:
    """Store and deliver an alert, unless one with this signature was raised before."""
    if session.scalar(select(NetworkAlert.id).where(NetworkAlert.signature == signature)):
        return None
    alert = NetworkAlert(
        network_id=network.id, kind=kind, signature=signature, message=message, created_at=now
    )
    session.add(alert)
    session.flush()
    deliveries: list[dict[str, object]] = [
        {"recipient_user_id": None, "recipient_role": Role.OVERSIGHT_OFFICER.value}
    ]
    deliveries += [
        {"recipient_user_id": user_id, "recipient_role": None}
        for user_id in analysts_of(session, network.id)
    ]
    session.execute(
        insert(Alert),
        [
            {**to, "kind": "network", "subject_type": "network_alert", "subject_id": alert.id}
            | {"message": message}
            for to in deliveries
        ],
    )
    record(session, actor, Action.CREATE, "network_alert", alert.id, reason=message)
    return alert


def analysts_of(session: Session, network_id: int) -> list[int]:
    """Active analysts whose agency lies in one of the network's force areas."""
    forces = select(NetworkForce.force_area_id).where(NetworkForce.network_id == network_id)
    areas = select(Area.id).where(or_(Area.id.in_(forces), Area.parent_id.in_(forces)))
    return list(
        session.scalars(
            select(User.id)
            .join(Agency, Agency.id == User.agency_id)
            .where(User.role == Role.ANALYST.value, User.active, Agency.area_id.in_(areas))
            .order_by(User.id)
        )
    )


@dataclass(frozen=True)
class Opened:
    alert: NetworkAlert
    network: Network
    access_until: datetime | None  # this principal's running grant from the alert, if any


def _find(session: Session, p: Principal, alert_id: int) -> NetworkAlert:
    """The alert, if the principal may see it; otherwise refusals.Refused (a LookupError),
    and the refusal ledgered."""
    alert: NetworkAlert = refusals.find_or_refuse(
        session,
        p,
        "network_alert",
        alert_id,
        select(NetworkAlert).where(NetworkAlert.id == alert_id, policy.network_alerts(p)),
        select(NetworkAlert.id).where(NetworkAlert.id == alert_id),
    )[0]
    return alert


def open_alert(session: Session, p: Principal, alert_id: int, now: datetime) -> Opened:
    """Read an alert the principal may see (a LookupError otherwise); ledgered. Reading it
    changes nothing else: access to its cases and records is asked for (`take_access`)."""
    alert = _find(session, p, alert_id)
    network = session.get_one(Network, alert.network_id)
    record_read(session, p.actor, "network_alert", alert.id)
    until = session.scalar(
        select(func.max(NetworkAlertOpening.grants_until)).where(
            NetworkAlertOpening.alert_id == alert.id,
            NetworkAlertOpening.user_id == p.user_id,
            NetworkAlertOpening.grants_until > now,
        )
    )
    return Opened(alert, network, until)


def take_access(session: Session, p: Principal, alert_id: int, t: Thresholds, now: datetime) -> int:
    """An analyst of a force the alert touches takes need-to-know access to exactly its cases
    and records for `grant_days` (each grant ledgered as a disclosure); returns how many were
    granted, 0 while an earlier grant from the alert still runs. LookupError for an alert
    the principal may not see; PermissionError for a role that takes no access."""
    if not policy.TAKE_NETWORK_ACCESS.allows(p):
        raise PermissionError("only analysts take access from a network alert")
    alert = _find(session, p, alert_id)
    if _still_granted(session, alert.id, p.user_id, now):
        return 0
    until = now + timedelta(days=t.grant_days)
    granted = _grant(session, p, alert, now, until)
    session.execute(
        insert(NetworkAlertOpening).values(
            alert_id=alert.id, user_id=p.user_id, opened_at=now, grants_until=until
        )
    )
    return granted


def _still_granted(session: Session, alert_id: int, user_id: int, now: datetime) -> bool:
    return (
        session.scalar(
            select(NetworkAlertOpening.id).where(
                NetworkAlertOpening.alert_id == alert_id,
                NetworkAlertOpening.user_id == user_id,
                NetworkAlertOpening.grants_until > now,
            )
        )
        is not None
    )


def scope(session: Session, network_id: int) -> tuple[list[int], list[int]]:
    """Exactly the cases and person records in a network."""
    cases = session.scalars(
        select(NetworkNode.case_id)
        .where(
            NetworkNode.network_id == network_id,
            NetworkNode.case_id.is_not(None),
            NetworkNode.context.is_(False),
        )
        .distinct()
    ).all()
    records = session.scalars(
        select(NetworkEdge.person_record_id)
        .where(NetworkEdge.network_id == network_id, NetworkEdge.person_record_id.is_not(None))
        .distinct()
    ).all()
    return sorted(c for c in cases if c is not None), sorted(r for r in records if r is not None)


def _grant(
    session: Session, p: Principal, alert: NetworkAlert, now: datetime, until: datetime
) -> int:
    cases, records = scope(session, alert.network_id)
    reason = f"Need to know: network alert {alert.id} (network {alert.network_id})"
    objects = [("case", c) for c in cases] + [("record", r) for r in records]
    if objects:
        session.execute(
            insert(AccessGrant),
            [
                {
                    "user_id": p.user_id,
                    "object_type": object_type,
                    "object_id": object_id,
                    "kind": "network_alert",
                    "reason": reason,
                    "granted_at": now,
                    "expires_at": until,
                }
                for object_type, object_id in objects
            ],
        )
    for object_type, object_id in objects:
        record(session, p.actor, Action.DISCLOSE, object_type, object_id, reason=reason)
    return len(objects)
