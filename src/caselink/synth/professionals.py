"""Professionals who report concerns: teachers, social workers and nurses.

Each force keeps a small pool of reporters so the same teacher or nurse reports
several cases over the years, as in life; the pool is bounded, so memory is too.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from caselink.synth.people import PROFESSIONAL, Person, Population
from caselink.synth.places import AUTHORITIES_BY_FORCE
from caselink.synth.records import health, hold, police, school, social_care

JOBS = ("teacher", "social worker", "school nurse", "health visitor", "GP")
_POOL_SIZE = 25


@dataclass(frozen=True, slots=True)
class Reporter:
    record_id: str  # the reporter's record in the police force's system
    job: str


class Reporters:
    def __init__(self, population: Population, rng: random.Random) -> None:
        self._population = population
        self._rng = rng
        self._pools: dict[str, list[Reporter]] = {}

    def known(self, force_code: str, reuse: float = 0.75) -> Reporter | None:
        """Somebody who has reported in this force before, most of the time once the
        force has a full pool; None means a new professional should be recruited."""
        pool = self._pools.get(force_code, [])
        if pool and (len(pool) >= _POOL_SIZE and self._rng.random() < reuse):
            return pool[int(self._rng.random() * len(pool))]
        return None

    def any_known(self, force_code: str) -> Reporter | None:
        pool = self._pools.get(force_code, [])
        return pool[int(self._rng.random() * len(pool))] if pool else None

    def recruit(self, force_code: str, on: date) -> tuple[Person, str]:
        """A new professional, planned to be held by their employer and the police."""
        rng = self._rng
        authorities = AUTHORITIES_BY_FORCE[force_code]
        la = authorities[int(rng.random() * len(authorities))]
        p = self._population.adult(
            on, self._population.address_in(la), ages=(24, 62), category=PROFESSIONAL
        )
        p.previous_address = self._population.previous_address(p.address, 0.2)
        job = JOBS[int(rng.random() * len(JOBS))]
        employer = (
            school(la, rng)
            if job == "teacher"
            else social_care(la)
            if job == "social worker"
            else health(force_code, rng)
        )
        hold(p, employer)
        hold(p, police(force_code))
        if employer.kind != "nhs_trust" and rng.random() < 0.4:
            hold(p, health(force_code, rng))
        return p, job

    def remember(self, force_code: str, p: Person, job: str) -> Reporter:
        """Add a professional whose records are written to the force's pool."""
        reporter = Reporter(p.record_ids[police(force_code).code], job)
        pool = self._pools.setdefault(force_code, [])
        if len(pool) < _POOL_SIZE:
            pool.append(reporter)
        else:
            pool[int(self._rng.random() * _POOL_SIZE)] = reporter
        return reporter
