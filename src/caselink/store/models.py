"""The tables of caselink.

Tables listed in APPEND_ONLY_TABLES refuse UPDATE and DELETE in the database itself (triggers
created by the migrations), so a report, an event or a decision cannot be quietly changed or
removed, whatever code runs against the database.
"""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from caselink.store.sealed import SealedText

# Deterministic constraint names keep migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Columns holding special-category free text, encrypted at rest (see store/sealed.py).
SEALED_COLUMNS = (
    ("reports", "summary"),
    ("reports", "submission"),
    ("report_persons", "description"),
    ("report_actions", "note"),
    ("report_annotations", "text"),
    ("cases", "summary"),
    ("events", "detail"),
    ("review_cases", "closure_note"),
    ("users", "totp_secret"),
    ("review_requests", "reason"),
    ("review_request_steps", "reason"),
    ("survivor_explanations", "text"),
)

APPEND_ONLY_TABLES = (
    "reports",
    "report_annotations",
    "events",
    "decisions",
    "attachments",
    "imports",
    "ledger_entries",
    "ledger_nodes",
    "ledger_checkpoints",
    "login_attempts",
    "access_grants",
    "role_requests",
    "role_decisions",
    "alerts",
    "review_scores",
    "review_outcomes",
    "review_approvals",
    "report_persons",
    "report_routes",
    "report_actions",
    "escalations",
    "network_alerts",
    "network_alert_openings",
    "linkage_models",
    "linkage_runs",
    "link_candidates",
    "link_decisions",
    "victim_updates",
    "victim_update_deliveries",
    "review_requests",
    "review_request_steps",
    "review_request_escalations",
    "statistics_publications",
    "survivor_explanations",
    "sharing_decisions",
)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _now() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.current_timestamp())


class Area(Base):
    """A police force area or a local authority (which lies within one force area)."""

    __tablename__ = "areas"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))

    parent: Mapped["Area | None"] = relationship(remote_side=[id])
    __table_args__ = (CheckConstraint("kind IN ('force_area', 'local_authority')", name="kind"),)


class PostcodeDistrict(Base):
    """Routes an address to its local authority and force: the outward code (e.g. `NM4`)."""

    __tablename__ = "postcode_districts"
    district: Mapped[str] = mapped_column(String(8), primary_key=True)
    local_authority_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    force_area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))


class Agency(Base):
    __tablename__ = "agencies"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))

    area: Mapped[Area] = relationship()
    __table_args__ = (
        CheckConstraint(
            "kind IN ('police_force', 'local_authority', 'nhs_trust', 'school', 'other')",
            name="kind",
        ),
    )


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(32))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = _now()
    # Second factor: the TOTP secret is sealed like special-category text.
    totp_secret: Mapped[str | None] = mapped_column(SealedText("users.totp_secret"))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)  # refuses a replayed code
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set while an invitation is open: the hash of the one-time enrolment code.
    enrolment_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    enrolment_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    agency: Mapped[Agency | None] = relationship()
    __table_args__ = (
        CheckConstraint(
            "role IN ('reporter', 'safeguarding_officer', 'analyst', 'case_reviewer', "
            "'oversight_officer', 'survivor', 'administrator')",
            name="role",
        ),
    )


class RoleRequest(Base):
    """An administrator's request to give a user a role that reads case data (or the
    administrator role): it takes effect only when a different administrator approves it
    (a RoleDecision). Kind "invitation": a new account, sent its set-up link on approval;
    kind "change": an existing account, which keeps its old role until then. Append-only."""

    __tablename__ = "role_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    requested_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        CheckConstraint("kind IN ('invitation', 'change')", name="kind"),
        CheckConstraint("length(trim(reason)) > 0", name="reason_given"),
    )


class RoleDecision(Base):
    """A second administrator's approval or refusal of a RoleRequest: one per request (the
    unique request_id), never by the requester. Append-only."""

    __tablename__ = "role_decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("role_requests.id"), unique=True)
    approved: Mapped[bool]
    decided_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Import(Base):
    """One file loaded into the store. Written in the same transaction as the rows it loaded,
    so its presence proves the whole file is in, and a re-run of the same file is a no-op."""

    __tablename__ = "imports"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column(Integer)
    loaded_at: Mapped[datetime] = _now()
    __table_args__ = (UniqueConstraint("kind", "file_sha256"),)


class Person(Base):
    """One real individual, as decided by record linkage; holds no personal data itself."""

    __tablename__ = "persons"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_key: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = _now()


class PersonRecord(Base):
    """What one agency system holds about a person, as that system holds it (errors and all)."""

    __tablename__ = "person_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    source: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(1))
    postcode: Mapped[str | None] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(500))
    nhs_number: Mapped[str | None] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(320))
    # Recorded so the inquiry can count them; never an input to any score, link or alert.
    ethnicity: Mapped[str | None] = mapped_column(String(100))
    nationality: Mapped[str | None] = mapped_column(String(100))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))
    created_at: Mapped[datetime] = _now()

    __table_args__ = (
        UniqueConstraint("record_id"),
        CheckConstraint("sex IS NULL OR sex IN ('F', 'M', 'X')", name="sex"),
    )


class Report(Base):
    """A mandatory report. Never deleted or edited: corrections are annotations."""

    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    submitted_at: Mapped[datetime] = _now()
    reporter_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reporter_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    force_area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    local_authority_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    trigger: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(SealedText("reports.summary"))
    delay_reason: Mapped[str | None] = mapped_column(Text)
    # 'report', or 'exemption_record': the reporter's reasoning that the exemption applied,
    # kept (never silently dropped) but not routed.
    kind: Mapped[str] = mapped_column(String(20), server_default="report")
    urgent: Mapped[bool] = mapped_column(server_default=false())
    learned_on: Mapped[date | None] = mapped_column(Date)
    delay_kind: Mapped[str | None] = mapped_column(String(20))
    reporter_role: Mapped[str | None] = mapped_column(String(40))
    reporter_setting: Mapped[str | None] = mapped_column(String(200))
    # Exactly what was submitted (canonical JSON, sealed) and its SHA-256, which the receipt
    # and the ledger entry both carry.
    submission: Mapped[str | None] = mapped_column(SealedText("reports.submission"))
    content_digest: Mapped[str | None] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (
        Index("uq_reports_idempotency_key", "idempotency_key", unique=True),
        # Finds a reporter's repeat (same content within minutes) on every filing (0010).
        Index("ix_reports_reporter_user_id_content_digest", "reporter_user_id", "content_digest"),
    )


class ReportAnnotation(Base):
    __tablename__ = "report_annotations"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = _now()
    text: Mapped[str] = mapped_column(SealedText("report_annotations.text"))


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    force_area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    local_authority_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(40))
    closure_reason: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(SealedText("cases.summary"))
    origin_report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))

    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        CheckConstraint("closed_on IS NULL OR closed_on >= opened_on", name="closed_after_opened"),
    )


class CaseParticipant(Base):
    __tablename__ = "case_participants"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    person_record_id: Mapped[int] = mapped_column(ForeignKey("person_records.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))
    __table_args__ = (
        UniqueConstraint("case_id", "person_record_id", "role"),
        CheckConstraint("role IN ('victim', 'suspect', 'witness', 'reporter')", name="role"),
    )


class CaseEntity(Base):
    """A phone, vehicle, address or location named in a case, optionally tied to a person."""

    __tablename__ = "case_entities"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    person_record_id: Mapped[int | None] = mapped_column(ForeignKey("person_records.id"))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(500))
    relation: Mapped[str] = mapped_column(String(16))
    observed_on: Mapped[date | None] = mapped_column(Date)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))
    __table_args__ = (
        CheckConstraint("kind IN ('phone', 'vehicle', 'address', 'location')", name="kind"),
        Index("ix_case_entities_kind_value", "kind", "value"),
    )


class Event(Base):
    """Something that happened: a missing episode, a disclosure, an arrest, an NFA decision."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    source_ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    person_record_id: Mapped[int | None] = mapped_column(ForeignKey("person_records.id"))
    kind: Mapped[str] = mapped_column(String(32))
    occurred_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = _now()
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Disclosure narratives and health details: special category, sealed at rest.
    detail: Mapped[str | None] = mapped_column(SealedText("events.detail"))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))


class Decision(Base):
    """A decision with its reason; a decision without a reason cannot be stored."""

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = _now()
    __table_args__ = (
        CheckConstraint("length(trim(reason)) > 0", name="reason_given"),
        CheckConstraint("case_id IS NOT NULL OR report_id IS NOT NULL", name="has_subject"),
    )


class Attachment(Base):
    """Metadata of a file attached to a case or report; the bytes live in object storage."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(500))
    media_type: Mapped[str] = mapped_column(String(200))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = _now()
    __table_args__ = (
        CheckConstraint("size_bytes >= 0", name="size"),
        CheckConstraint("case_id IS NOT NULL OR report_id IS NOT NULL", name="has_subject"),
    )


class LedgerEntry(Base):
    """One entry of the accountability ledger (see caselink.ledger). Append-only.

    Holds digests of what changed, never the sensitive content itself. `leaf_hash` is the
    entry's Merkle leaf (RFC 9162); `chain_hash` chains it to the entry before.
    """

    __tablename__ = "ledger_entries"
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    recorded_at: Mapped[str] = mapped_column(String(32))  # ISO-8601 UTC, exactly as hashed
    actor: Mapped[str] = mapped_column(String(100))
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    agency: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    before_digest: Mapped[str | None] = mapped_column(String(64))
    after_digest: Mapped[str | None] = mapped_column(String(64))
    leaf_hash: Mapped[str] = mapped_column(String(64))
    chain_hash: Mapped[str] = mapped_column(String(64))
    __table_args__ = (
        Index("ix_ledger_entries_object", "object_type", "object_id"),
        Index("ix_ledger_entries_actor", "actor"),
    )


class LedgerNode(Base):
    """Root of a complete (perfect) Merkle subtree of height >= 1, kept so that proofs on a
    ledger of millions of entries take a few lookups instead of rehashing. Append-only."""

    __tablename__ = "ledger_nodes"
    height: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))


class LedgerHead(Base):
    """The ledger's current size, last chain hash and Merkle frontier: one row, updated by
    every append. It also serialises appends. Verification never trusts it."""

    __tablename__ = "ledger_head"
    id: Mapped[int] = mapped_column(primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    chain_hash: Mapped[str] = mapped_column(String(64))
    frontier: Mapped[str] = mapped_column(Text)  # hex roots of the perfect subtrees, largest first


class LedgerCheckpoint(Base):
    """A signed tree head: the ledger's size and Merkle root, signed with Ed25519."""

    __tablename__ = "ledger_checkpoints"
    id: Mapped[int] = mapped_column(primary_key=True)
    tree_size: Mapped[int] = mapped_column(Integer)
    root_hash: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[str] = mapped_column(String(32))
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(128))


class UserSession(Base):
    """A signed-in browser. The cookie holds a random token; only its hash is stored."""

    __tablename__ = "sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    second_factor_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    csrf_token: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginAttempt(Base):
    """Every sign-in attempt, kept: throttling and lockout are counted from these."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    succeeded: Mapped[bool]
    stage: Mapped[str] = mapped_column(String(16))  # password | code


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(500))  # space-separated
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CaseAssignment(Base):
    __tablename__ = "case_assignments"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_at: Mapped[datetime] = _now()
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SurvivorLink(Base):
    """Ties a survivor's (or advocate's) account to their own case."""

    __tablename__ = "survivor_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    person_record_id: Mapped[int | None] = mapped_column(ForeignKey("person_records.id"))


class AccessGrant(Base):
    """Time-limited access to one object outside a user's scope: break-glass (with a reason)
    or granted by a cross-boundary network alert. Append-only."""

    __tablename__ = "access_grants"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        CheckConstraint("kind IN ('break_glass', 'network_alert')", name="kind"),
        CheckConstraint("length(trim(reason)) > 0", name="reason_given"),
    )


class Alert(Base):
    """Something a person must see: a break-glass by someone they supervise, for example."""

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    recipient_role: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()


# --- Mandatory reporting (caselink.reporting) ---------------------------------------------


class ReportPerson(Base):
    """A person a report names: the child, a suspect, anyone else involved. Append-only."""

    __tablename__ = "report_persons"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    given_name: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    age: Mapped[int | None] = mapped_column(Integer)
    school: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(500))
    postcode: Mapped[str | None] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(40))
    vehicle: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(SealedText("report_persons.description"))
    nhs_number: Mapped[str | None] = mapped_column(String(20))  # the child's, checked (0017)
    __table_args__ = (CheckConstraint("role IN ('child', 'suspect', 'other')", name="role"),)


class ReportRoute(Base):
    """Where a report was sent: an agency's inbox, or the national triage queue when the
    child's area is unknown. A report always has at least one route. Append-only."""

    __tablename__ = "report_routes"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    queue: Mapped[str] = mapped_column(String(20))
    routed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    routed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    __table_args__ = (
        CheckConstraint("queue IN ('agency', 'national_triage')", name="queue"),
        CheckConstraint("queue = 'national_triage' OR agency_id IS NOT NULL", name="agency"),
    )


class ReportAction(Base):
    """Something an officer did with a report: acknowledged it, asked for information, linked
    it to a case, closed it (with a reason), approved a closure. A report's status is read
    from these; nothing about the report itself ever changes. Append-only."""

    __tablename__ = "report_actions"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    route_id: Mapped[int | None] = mapped_column(ForeignKey("report_routes.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    category: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(SealedText("report_actions.note"))
    __table_args__ = (
        CheckConstraint(
            "kind IN ('acknowledge', 'request_information', 'provide_information', "
            "'link_case', 'open_case', 'close', 'request_closure', 'approve_closure', "
            "'refuse_closure', 'route')",
            name="kind",
        ),
    )


class Escalation(Base):
    """One step up the chain for an unacknowledged route. (route, level) is unique, so a
    worker that crashes and runs again cannot escalate twice. Append-only."""

    __tablename__ = "escalations"
    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("report_routes.id"))
    level: Mapped[int] = mapped_column(Integer)
    escalated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("route_id", "level", name="uq_escalations_route_level"),)


class OutboundMail(Base):
    """A message waiting to be sent, written in the same transaction as what caused it (the
    outbox pattern), so a crash can delay mail but never lose it. `key` is unique, so the
    same notice is never queued twice; its Message-ID is stable across retries."""

    __tablename__ = "outbound_mail"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)


# --- Historical case review (caselink.review) ---------------------------------------------


class ReviewCase(Base):
    """A closed case imported for review, as the force's file recorded it, and where its
    review stands. The imported facts never change; status, claim, score and outcome do, and
    every such change is ledgered."""

    __tablename__ = "review_cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    force_area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    offence_from: Mapped[date | None] = mapped_column(Date)
    reported_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date] = mapped_column(Date)
    offences: Mapped[str] = mapped_column(String(500))  # ';'-separated offence codes
    victim_age: Mapped[int | None] = mapped_column(Integer)
    victim_count: Mapped[int] = mapped_column(Integer)
    closure_outcome: Mapped[str] = mapped_column(String(32))
    closure_reason: Mapped[str] = mapped_column(String(32))
    closure_note: Mapped[str | None] = mapped_column(SealedText("review_cases.closure_note"))
    suspects_interviewed: Mapped[str | None] = mapped_column(String(8))
    missing_episodes: Mapped[int | None] = mapped_column(Integer)
    # Recorded so that they can be counted; never read by scoring (see caselink.review.scoring).
    victim_ethnicity: Mapped[str | None] = mapped_column(String(100))
    victim_nationality: Mapped[str | None] = mapped_column(String(100))
    victim_religion: Mapped[str | None] = mapped_column(String(100))
    suspect_ethnicities: Mapped[str | None] = mapped_column(String(500))
    suspect_nationalities: Mapped[str | None] = mapped_column(String(500))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))
    # The review's state.
    status: Mapped[str] = mapped_column(String(20), server_default="unreviewed")
    claimed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    score_id: Mapped[int | None] = mapped_column(Integer)  # the current review_scores row
    score: Mapped[int | None] = mapped_column(Integer)
    band: Mapped[str | None] = mapped_column(String(8))
    outcome: Mapped[str | None] = mapped_column(String(32))
    __table_args__ = (
        CheckConstraint(
            "status IN ('unreviewed', 'in_review', 'awaiting_approval', 'reviewed')",
            name="status",
        ),
        CheckConstraint("closed_on >= reported_on", name="closed_after_reported"),
        CheckConstraint("victim_count >= 1", name="victim_count"),
        Index("ix_review_cases_queue", "status", "score"),
    )


class ReviewCaseItem(Base):
    """A suspect, phone, vehicle or address named in a review case, as given and as the
    normalised key that finds the same one in other cases."""

    __tablename__ = "review_case_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    review_case_id: Mapped[int] = mapped_column(ForeignKey("review_cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(500))
    key: Mapped[str] = mapped_column(String(500))
    __table_args__ = (
        CheckConstraint("kind IN ('suspect', 'phone', 'vehicle', 'address')", name="kind"),
        Index("ix_review_case_items_kind_key", "kind", "key"),
    )


class ReviewScore(Base):
    """One priority score with every factor that made it (JSON) and the version of the
    weights that produced it. Append-only: a re-score adds a row, the old one stays."""

    __tablename__ = "review_scores"
    id: Mapped[int] = mapped_column(primary_key=True)
    review_case_id: Mapped[int] = mapped_column(ForeignKey("review_cases.id"), index=True)
    score: Mapped[int] = mapped_column(Integer)
    band: Mapped[str] = mapped_column(String(8))
    weights_version: Mapped[str] = mapped_column(String(40))
    weights_digest: Mapped[str] = mapped_column(String(64))
    factors: Mapped[str] = mapped_column(Text)
    as_of: Mapped[date] = mapped_column(Date)
    scored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReviewOutcome(Base):
    """A reviewer's outcome for a case, with its reason. Append-only."""

    __tablename__ = "review_outcomes"
    id: Mapped[int] = mapped_column(primary_key=True)
    review_case_id: Mapped[int] = mapped_column(ForeignKey("review_cases.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    decided_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    score_id: Mapped[int | None] = mapped_column(ForeignKey("review_scores.id"))
    needs_approval: Mapped[bool]
    __table_args__ = (
        CheckConstraint(
            "outcome IN ('no_action', 'refer_for_reinvestigation', 'referred_to_iopc', "
            "'victim_to_be_contacted')",
            name="outcome",
        ),
        CheckConstraint("length(trim(reason)) > 0", name="reason_given"),
    )


class ReviewApproval(Base):
    """A second reviewer's approval or refusal of an outcome that needs one. Append-only."""

    __tablename__ = "review_approvals"
    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("review_outcomes.id"), index=True)
    approved: Mapped[bool]
    reason: Mapped[str] = mapped_column(Text)
    decided_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (CheckConstraint("length(trim(reason)) > 0", name="reason_given"),)


# --- Network detection (caselink.network) --------------------------------------------------


class NetworkRun(Base):
    """One run of network detection, with the thresholds it used (JSON)."""

    __tablename__ = "network_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # detect (everything) | match (one case)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    settings: Mapped[str] = mapped_column(Text)
    network_count: Mapped[int] = mapped_column(Integer, server_default="0")
    alert_count: Mapped[int] = mapped_column(Integer, server_default="0")


class Network(Base):
    """Cases connected through the same people, phones, vehicles or addresses. `signature`
    is a digest of its members and evidence, so a re-run that finds the same network reuses
    it (and its alert) instead of storing a copy."""

    __tablename__ = "networks"
    id: Mapped[int] = mapped_column(primary_key=True)
    signature: Mapped[str] = mapped_column(String(64), unique=True)
    first_run_id: Mapped[int] = mapped_column(ForeignKey("network_runs.id"))
    last_run_id: Mapped[int] = mapped_column(ForeignKey("network_runs.id"), index=True)
    method: Mapped[str] = mapped_column(String(16))
    case_count: Mapped[int] = mapped_column(Integer)
    victim_count: Mapped[int] = mapped_column(Integer)
    suspect_count: Mapped[int] = mapped_column(Integer)
    force_codes: Mapped[str] = mapped_column(String(400))  # ';'-separated, sorted
    local_authority_codes: Mapped[str] = mapped_column(String(1000))
    first_on: Mapped[date | None] = mapped_column(Date)
    last_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (CheckConstraint("method IN ('component', 'leiden', 'match')", name="method"),)


class NetworkForce(Base):
    """A force area a network's cases lie in: whose analysts it concerns."""

    __tablename__ = "network_forces"
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"), primary_key=True)
    force_area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), primary_key=True)


class NetworkNode(Base):
    """A member of a network: a case, person, phone, vehicle, address or location.
    `context` marks a common place shown for orientation but not used as evidence."""

    __tablename__ = "network_nodes"
    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"), index=True)
    key: Mapped[str] = mapped_column(String(600))
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(500))
    force_code: Mapped[str | None] = mapped_column(String(32))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    degree: Mapped[int] = mapped_column(Integer)
    betweenness: Mapped[float]
    context: Mapped[bool]


class NetworkEdge(Base):
    """One piece of evidence in a network, and the stored row it came from."""

    __tablename__ = "network_edges"
    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"), index=True)
    source_key: Mapped[str] = mapped_column(String(600))
    target_key: Mapped[str] = mapped_column(String(600))
    kind: Mapped[str] = mapped_column(String(16))
    observed_on: Mapped[date | None] = mapped_column(Date)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    person_record_id: Mapped[int | None] = mapped_column(ForeignKey("person_records.id"))
    source_table: Mapped[str] = mapped_column(String(32))
    source_row_id: Mapped[int] = mapped_column(Integer)


class NetworkAlert(Base):
    """A cross-boundary alert: a network spanning forces or local authorities, or a new
    report matching another force's case. Append-only: an alert never disappears."""

    __tablename__ = "network_alerts"
    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(64), unique=True)
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (CheckConstraint("kind IN ('cross_boundary', 'new_report')", name="kind"),)


class NetworkAlertOpening(Base):
    """An analyst who took the access an alert offers to its cases and records, and until
    when (reading the alert is in the ledger; it changes nothing)."""

    __tablename__ = "network_alert_openings"
    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("network_alerts.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    grants_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# --- Record linkage (caselink.linkage) ------------------------------------------------------


class LinkageModelVersion(Base):
    """A trained linkage model, stored as the JSON document it is saved as (see
    caselink.linkage.model). Append-only: the model that made a link can always be read back."""

    __tablename__ = "linkage_models"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    spec: Mapped[str] = mapped_column(String(64))  # digest of the comparisons it was made for
    document: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()


class LinkageRun(Base):
    """One linkage run over the stored person records and what it changed. Append-only."""

    __tablename__ = "linkage_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("linkage_models.id"))
    kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(100))
    records_read: Mapped[int] = mapped_column(Integer)
    records_linked: Mapped[int] = mapped_column(Integer)
    persons_created: Mapped[int] = mapped_column(Integer)
    candidates: Mapped[int] = mapped_column(Integer)
    finished_at: Mapped[datetime] = _now()
    __table_args__ = (CheckConstraint("kind IN ('full', 'incremental', 'relink')", name="kind"),)


class LinkCandidate(Base):
    """Two records scored between the review and link thresholds, for an analyst to decide.
    `evidence` is JSON: each comparison's level and match weight (no personal data).
    Append-only: a later run adds a new row; the newest row of a pair is the current one."""

    __tablename__ = "link_candidates"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("linkage_runs.id"))
    record_a_id: Mapped[int] = mapped_column(ForeignKey("person_records.id"), index=True)
    record_b_id: Mapped[int] = mapped_column(ForeignKey("person_records.id"), index=True)
    match_probability: Mapped[float]
    match_weight: Mapped[float]
    evidence: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()
    __table_args__ = (
        UniqueConstraint("run_id", "record_a_id", "record_b_id"),
        CheckConstraint("record_a_id < record_b_id", name="ordered_pair"),
    )


class LinkDecision(Base):
    """An analyst's confirmation or rejection of a link between two records, with the reason.
    Append-only; the newest decision on a pair is the one every later linkage run follows."""

    __tablename__ = "link_decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    record_a_id: Mapped[int] = mapped_column(ForeignKey("person_records.id"))
    record_b_id: Mapped[int] = mapped_column(ForeignKey("person_records.id"))
    decision: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text)
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("link_candidates.id"))
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = _now()
    __table_args__ = (
        CheckConstraint("decision IN ('confirm', 'reject')", name="decision"),
        CheckConstraint("length(trim(reason)) > 0", name="reason_given"),
        CheckConstraint("record_a_id < record_b_id", name="ordered_pair"),
        Index("ix_link_decisions_pair", "record_a_id", "record_b_id"),
    )


# --- Survivor portal (caselink.survivors) ---------------------------------------------------


class VictimUpdate(Base):
    """An update a victim is entitled to under the Victims' Code (an arrest, a charge, a
    decision...), in plain English that names nobody, with the time by which they must have
    been told. Append-only: whether it has been given is read from victim_update_deliveries."""

    __tablename__ = "victim_updates"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    person_record_id: Mapped[int] = mapped_column(ForeignKey("person_records.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    kind: Mapped[str] = mapped_column(String(40))
    occurred_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    enhanced: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    __table_args__ = (
        UniqueConstraint("event_id", "person_record_id", name="uq_victim_updates_event"),
        UniqueConstraint("decision_id", "person_record_id", name="uq_victim_updates_decision"),
        CheckConstraint("event_id IS NOT NULL OR decision_id IS NOT NULL", name="has_source"),
    )


class VictimUpdateDelivery(Base):
    """How a victim was given an update: the mail was sent, they read it in the portal, or
    the officer told them in person. Append-only."""

    __tablename__ = "victim_update_deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("victim_updates.id"), index=True)
    how: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    __table_args__ = (
        UniqueConstraint("update_id", "how", name="uq_victim_update_deliveries_how"),
        CheckConstraint("how IN ('mail', 'portal', 'officer')", name="how"),
    )


class ReviewRequest(Base):
    """A victim's request, under the Victims' Right to Review scheme, for a decision not to
    charge to be looked at again, with its clocks. Append-only: its progress is in
    review_request_steps."""

    __tablename__ = "review_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    person_record_id: Mapped[int] = mapped_column(ForeignKey("person_records.id"))
    requested_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(SealedText("review_requests.reason"))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    acknowledge_by: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decide_by: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        UniqueConstraint("decision_id", "person_record_id", name="uq_review_requests_decision"),
    )


class ReviewRequestStep(Base):
    """The acknowledgement or the decision (upheld / overturned, with reasons) on a review
    request. (request, kind) is unique: each happens once. Append-only."""

    __tablename__ = "review_request_steps"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("review_requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(SealedText("review_request_steps.reason"))
    actor_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        UniqueConstraint("request_id", "kind", name="uq_review_request_steps_kind"),
        CheckConstraint("kind IN ('acknowledge', 'decide')", name="kind"),
        CheckConstraint(
            "(kind = 'acknowledge' AND outcome IS NULL) OR "
            "(kind = 'decide' AND outcome IN ('upheld', 'overturned') AND reason IS NOT NULL)",
            name="outcome",
        ),
    )


class ReviewRequestEscalation(Base):
    """One step up the chain for a review request whose clock ran out. (request, clock,
    level) is unique, so a worker run twice never escalates twice. Append-only."""

    __tablename__ = "review_request_escalations"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("review_requests.id"))
    clock: Mapped[str] = mapped_column(String(16))
    level: Mapped[int] = mapped_column(Integer)
    escalated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        UniqueConstraint("request_id", "clock", "level", name="uq_review_request_escalations"),
        CheckConstraint("clock IN ('acknowledge', 'decide')", name="clock"),
    )


class SurvivorExplanation(Base):
    """What a victim is told about a decision, or a review's decision, written for them by
    the decision maker and checked to name nobody else in the case (caselink.survivors.
    explanations). The portal shows this text and never the staff's reasons. Append-only."""

    __tablename__ = "survivor_explanations"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), unique=True)
    review_step_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_request_steps.id"), unique=True
    )
    text: Mapped[str] = mapped_column(SealedText("survivor_explanations.text"))
    written_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        CheckConstraint("(decision_id IS NULL) <> (review_step_id IS NULL)", name="one_subject"),
    )


# --- Published statistics (caselink.statistics) --------------------------------------------


class StatisticsPublication(Base):
    """One publication of the official statistics: the disclosure-controlled tables exactly as
    published (JSON), their SHA-256, and the rules applied. Append-only: what was published
    can always be read back, and the public page shows the newest."""

    __tablename__ = "statistics_publications"
    id: Mapped[int] = mapped_column(primary_key=True)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    threshold: Mapped[int] = mapped_column(Integer)
    rounding: Mapped[int] = mapped_column(Integer)
    document: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    published_by: Mapped[str] = mapped_column(String(100))
    __table_args__ = (CheckConstraint("period_to >= period_from", name="period"),)


# --- Multi-agency child protection teams (caselink.people) ----------------------------------


class ChildProtectionTeam(Base):
    """A multi-agency child protection team (Children Act 2004 s.16LA): one per local
    authority area, its members the police force, children's services, health and education
    agencies that work there. Its caseload is the need-to-know unit for the joined-up record."""

    __tablename__ = "child_protection_teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    local_authority_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), unique=True)
    created_at: Mapped[datetime] = _now()


class TeamMember(Base):
    """A member agency of a team; `ended_at` set when it leaves (the row is kept)."""

    __tablename__ = "team_members"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("child_protection_teams.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CaseloadAddition(Base):
    """A person a member added to the team's caseload, with the reason; `ended_at` set when
    taken off again (the row is kept)."""

    __tablename__ = "caseload_additions"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("child_protection_teams.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    reason: Mapped[str] = mapped_column(Text)
    added_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (CheckConstraint("length(trim(reason)) > 0", name="reason_given"),)


class SharingDecision(Base):
    """The holding agency's s.16LA decision on one record: `not_shared` (sharing would be
    more detrimental to the child than not sharing), with a reason, a review date and a
    contact; or `shared` again. Append-only: the newest decision on a record is in force."""

    __tablename__ = "sharing_decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_record_id: Mapped[int] = mapped_column(ForeignKey("person_records.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    review_on: Mapped[date | None] = mapped_column(Date)
    contact: Mapped[str | None] = mapped_column(String(300))
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        CheckConstraint("decision IN ('not_shared', 'shared')", name="decision"),
        CheckConstraint("length(trim(reason)) > 0", name="reason_given"),
        CheckConstraint("decision = 'shared' OR review_on IS NOT NULL", name="review_date"),
    )


# --- Person search (caselink.people) --------------------------------------------------------


class PersonSearchKey(Base):
    """One normalised search key of a person record: a name, its nickname group or its sound,
    a date of birth, a postcode at unit, sector or district level, a phone, a vehicle, a valid
    NHS number (see caselink.people.keys). Derived from the record, so it can always be
    rebuilt; the primary key is the lookup (kind, value) and ends with the record, so a search
    reads only this index. Never ethnicity, nationality or religion."""

    __tablename__ = "person_search_keys"
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_record_id: Mapped[int] = mapped_column(
        ForeignKey("person_records.id"), primary_key=True, index=True
    )
