"""Operators' commands for API tokens: `caselink tokens list USERNAME` and
`caselink tokens revoke USERNAME (--id N | --all)`; each revocation is ledgered with the
operator as its actor."""

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from caselink.access import tokens
from caselink.access.accounts import find_user
from caselink.access.principal import principal_for
from caselink.config import Settings
from caselink.ledger import Actor
from caselink.store.db import Database
from caselink.store.models import ApiToken

app = typer.Typer(help="API tokens: list a user's, revoke one or all of them.")
console = Console()
errors = Console(stderr=True)


@app.command("list")
def list_tokens(username: str = typer.Argument(..., help="Whose tokens.")) -> None:
    """A user's tokens: id, name, scopes and whether each still works."""
    db = Database(Settings.from_env().database_url)
    with db.transaction() as session:
        user = find_user(session, username)
        if user is None:
            errors.print(f"username: there is no user {username!r}")
            raise typer.Exit(2)
        table = Table("id", "name", "scopes", "expires", "revoked")
        for row in session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
        ):
            revoked = row.revoked_at.strftime("%-d %B %Y %H:%M") if row.revoked_at else ""
            table.add_row(
                str(row.id), row.name, row.scopes, row.expires_at.strftime("%-d %B %Y"), revoked
            )
    console.print(table)


@app.command("revoke")
def revoke(
    username: str = typer.Argument(..., help="Whose token."),
    token_id: int | None = typer.Option(None, "--id", help="The token to revoke."),
    every: bool = typer.Option(False, "--all", help="Revoke every live token of the user."),
) -> None:
    """Revoke a token at once: the next request with it is refused."""
    if (token_id is None) != every:  # exactly one of the two
        errors.print("Give either --id N or --all.")
        raise typer.Exit(2)
    db = Database(Settings.from_env().database_url)
    with db.transaction() as session:
        user = find_user(session, username)
        if user is None:
            errors.print(f"username: there is no user {username!r}")
            raise typer.Exit(2)
        if every:
            count = tokens.revoke_all(session, user.id, Actor.operator(), "revoked by an operator")
        else:
            assert token_id is not None
            owner = principal_for(session, user)
            count = int(tokens.revoke(session, owner, token_id, by=Actor.operator()))
            if not count:
                errors.print(f"--id: {user.username} has no live token {token_id}")
                raise typer.Exit(2)
    console.print(f"Revoked {count} token(s) of {user.username}.")
