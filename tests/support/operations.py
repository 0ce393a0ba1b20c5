"""An empty database of either kind (no schema at all), for restore and migration tests."""

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

_numbers = itertools.count()


@contextmanager
def empty_database(kind_of: str, folder: Path, admin_url: str | None) -> Iterator[str]:
    """The URL of a new, empty database of the same kind as `kind_of` (a database URL)."""
    if kind_of.startswith("sqlite"):
        yield f"sqlite:///{folder / f'empty-{next(_numbers)}.db'}"
        return
    assert admin_url is not None
    name = f"caselink_empty_{os.getpid()}_{next(_numbers)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
