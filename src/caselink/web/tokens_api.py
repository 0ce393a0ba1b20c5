"""API tokens through the API: list your own, and revoke one at once (from a script that
suspects its token leaked, say). Any live token of yours, or your signed-in browser with
the CSRF header, may do either; nobody reaches another person's tokens."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from caselink.access import policy, tokens
from caselink.access.sessions import aware
from caselink.store.models import ApiToken
from caselink.web.permissions import Allowed, require
from caselink.web.security import Transaction

router = APIRouter(prefix="/api", tags=["tokens"])
OWN_TOKENS = Depends(require(policy.OWN_TOKENS))


class Detail(BaseModel):
    detail: str


SIGN_IN: dict[int | str, dict[str, Any]] = {
    401: {"model": Detail, "description": "No valid token or session"},
    403: {"model": Detail, "description": "A cookie write without the X-CSRF-Token header"},
}


class TokenOut(BaseModel):
    id: int
    name: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


@router.get("/tokens", response_model=list[TokenOut], responses=SIGN_IN)
def list_tokens(current: Allowed = OWN_TOKENS, db_session: Session = Transaction) -> list[TokenOut]:
    """Your API tokens, newest first (never their values: only their hashes are kept)."""
    mine = ApiToken.user_id == current.principal.user_id
    rows = db_session.scalars(select(ApiToken).where(mine).order_by(ApiToken.id.desc()))
    return [
        TokenOut(
            id=r.id,
            name=r.name,
            scopes=r.scopes.split(),
            created_at=aware(r.created_at),  # SQLite hands back naive UTC datetimes
            expires_at=aware(r.expires_at),
            revoked_at=aware(r.revoked_at) if r.revoked_at else None,
        )
        for r in rows
    ]


@router.delete(
    "/tokens/{token_id}",
    status_code=204,
    response_class=Response,
    responses={**SIGN_IN, 404: {"model": Detail, "description": "No live token of yours"}},
)
def revoke_token(
    token_id: int = Path(ge=1, le=2**31 - 1),
    current: Allowed = OWN_TOKENS,
    db_session: Session = Transaction,
) -> Response:
    """Revoke one of your tokens; it is refused from the next request on. Ledgered."""
    if not tokens.revoke(db_session, current.principal, token_id):
        return JSONResponse({"detail": "No live token of yours has that id"}, status_code=404)
    return Response(status_code=204)
