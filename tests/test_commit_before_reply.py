"""Every route commits its transaction before its response leaves.

FastAPI's default runs a yield dependency's exit code after the response is sent. For the
unit of work that would mean a browser following a redirect can arrive before the commit (a
sign-in session not found: the "stuck at sign-in" seen in the browser tests) and a commit
that fails would come after a success already sent: a reporter shown a receipt for a report
that was never stored. So the transaction is `Transaction`, scoped to the route function.
"""

import importlib
import pkgutil
from collections.abc import Iterator

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, APIRouter

import caselink.web
from caselink.web.security import unit_of_work


def _tree(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _tree(sub)


def _routes() -> Iterator[APIRoute]:
    """Every route of every router module in caselink.web, registered or not."""
    for found in pkgutil.iter_modules(caselink.web.__path__, "caselink.web."):
        router = getattr(importlib.import_module(found.name), "router", None)
        if isinstance(router, APIRouter):
            yield from (r for r in router.routes if isinstance(r, APIRoute))


def test_every_transaction_commits_before_the_response_is_sent() -> None:
    routes = list(_routes())
    transactional = 0
    for route in routes:
        for dependant in _tree(route.dependant):
            if dependant.call is unit_of_work:
                assert dependant.scope == "function", (
                    f"{route.path} ({', '.join(sorted(route.methods))}) gets its transaction "
                    'with the default scope: use `Transaction` (scope="function")'
                )
                transactional += 1
    assert transactional > 50  # the check saw the app's routes, not an empty tree
