"""schemathesis against caselink's own OpenAPI document: no 5xx and no response outside the
schema, for generated inputs on every operation, with a valid token and without one.

Driven through schemathesis's Python API with Hypothesis directly (its pytest plugin does
not yet run under pytest 9)."""

from collections import Counter
from collections.abc import Callable

import schemathesis
from hypothesis import HealthCheck, given, settings

from caselink.access import tokens
from caselink.access.principal import principal_for
from caselink.store.db import Database
from caselink.store.models import User
from caselink.web.app import create_app
from tests.support.world import build

RUNS = Counter[str]()


def _operations(db: Database) -> tuple[list[object], Callable[[], str]]:
    world = build(db)

    def token() -> str:
        """A fresh token with every scope the inspector's role can be issued (one per
        operation: a generated DELETE /api/tokens/{id} may revoke the one in use)."""
        with db.transaction() as s:
            user = s.get(User, world.users["inspector"])
            assert user is not None
            scopes = set(tokens.usable_scopes(principal_for(s, user)))
            return tokens.issue(
                s, principal_for(s, user), "schemathesis", scopes, tokens.MAX_LIFETIME
            )

    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(db))
    return [result.ok() for result in schema.get_all_operations()], token


def _conforms(operation: object, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy())  # type: ignore[attr-defined]
    @settings(
        max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def conforms(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers)
        RUNS["with token"] += 1

    conforms()


def test_every_operation_conforms_to_the_schema(db: Database) -> None:
    operations, mint = _operations(db)
    assert len(operations) >= 6
    for operation in operations:
        _conforms(operation, {"Authorization": f"Bearer {mint()}"})
    print(f"\nschemathesis calls with a token: {RUNS['with token']}")


def test_without_a_token_the_api_says_401_and_never_500(db: Database) -> None:
    operations, _ = _operations(db)
    for operation in operations:

        @given(case=operation.as_strategy())  # type: ignore[attr-defined]
        @settings(
            max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def refused(case: schemathesis.Case) -> None:
            response = case.call()
            if case.path.startswith("/api/"):
                # 404 only where the generated path matches no route at all (an empty
                # reference, say): it is refused before any data is looked at.
                assert response.status_code in (401, 404), (case.path, response.status_code)
                assert "reference" not in response.text
            else:
                assert response.status_code < 500
            RUNS["without token"] += 1

        refused()
