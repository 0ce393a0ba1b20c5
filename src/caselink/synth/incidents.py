"""Households, and the single, unconnected incidents that make up most casework.

A household is planned in full (people, the systems that will hold them, any incident)
before anything is written, so the generator can see how many records it needs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from caselink.synth.cases import CaseBook, aged, conclude, days_after
from caselink.synth.entities import DECOY_PLACES_BY_FORCE, VENUES_BY_FORCE, Decoys, Vehicles
from caselink.synth.errors import format_phone
from caselink.synth.names import family_name
from caselink.synth.people import Person, Population, random_day
from caselink.synth.places import (
    AUTHORITIES_BY_FORCE,
    AUTHORITY_POOL,
    FORCE_BY_CODE,
    LocalAuthority,
)
from caselink.synth.professionals import Reporter, Reporters
from caselink.synth.records import (
    Registry,
    health,
    hold,
    police,
    school,
    social_care,
    will_hold,
)
from caselink.synth.settings import FIRST_YEAR, LAST_YEAR, TODAY

VICTIM_RATE = 0.12  # chance that a child aged 10 or over is the victim in a case

_SUMMARIES = (
    "Report that {aged} {child} was sexually assaulted by {rel}.",
    "Allegation that {rel} sent sexual messages and images to {aged} {child} online.",
    "Allegation of rape of {aged} {child} by {rel} at a house party.",
    "{Aged} {child} disclosed sexual touching by {rel}.",
    "Allegation of indecent exposure by {rel} to {aged} {child} near school.",
)
_FAMILY_RELATIONS = ("a family member", "a parent's partner", "a stepfather")
_OTHER_RELATIONS = (
    "an adult known to the family",
    "a stranger",
    "an older teenager",
    "a neighbour",
    "a sports coach",
)


@dataclass(slots=True)
class Incident:
    victim: Person
    suspect: Person
    force_code: str
    authority: LocalAuthority
    opened: date
    intrafamilial: bool
    witness: Person | None = None
    reporter: Reporter | None = None
    new_reporter: tuple[Person, str] | None = None


@dataclass(slots=True)
class Household:
    people: list[Person] = field(default_factory=list)  # everyone to enter, in order
    incidents: list[Incident] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Records the household will add when written."""
        return sum(len(p.agencies) for p in self.people)


class Households:
    def __init__(
        self,
        population: Population,
        reporters: Reporters,
        vehicles: Vehicles,
        decoys: Decoys,
        registry: Registry,
        book: CaseBook,
        rng: random.Random,
    ) -> None:
        self._population = population
        self._reporters = reporters
        self._vehicles = vehicles
        self._decoys = decoys
        self._registry = registry
        self._book = book
        self._rng = rng

    # -- planning -------------------------------------------------------------------

    def plan(self) -> Household:
        rng = self._rng
        pop = self._population
        seen = random_day(
            FIRST_YEAR + int(rng.random() * (LAST_YEAR - FIRST_YEAR + 1)), rng, last=TODAY
        )  # when the agencies first met the family
        la = AUTHORITY_POOL[int(rng.random() * len(AUTHORITY_POOL))]
        force = la.force_code
        home = pop.address_in(la)
        before = pop.previous_address(home)
        family = family_name(rng)

        first_sex = "M" if rng.random() < 0.1 else "F"
        adults = [pop.adult(seen, home, sex=first_sex, ages=(21, 50), family=family)]
        if rng.random() < 0.65:
            adults.append(
                pop.adult(
                    seen,
                    home,
                    sex="F" if first_sex == "M" else "M",
                    ages=(21, 58),
                    family=family if rng.random() < 0.8 else None,
                )
            )
        contact = next((a.phone for a in adults if a.phone), "")
        eldest = min(17, adults[0].age_on(seen) - 16)
        x = rng.random()
        count = 0 if x < 0.2 else 1 if x < 0.5 else 2 if x < 0.8 else 3 if x < 0.95 else 4
        children = [pop.child(seen, home, family, (0, eldest), contact) for _ in range(count)]

        known_to_social_care = False
        for c in children:
            c.previous_address = before  # the family moved together
            if c.age_on(seen) >= 4 and rng.random() < 0.95:
                hold(c, school(la, rng))
            if rng.random() < 0.95:
                hold(c, health(force, rng))
            if rng.random() < 0.12:
                hold(c, social_care(la))
                known_to_social_care = True
        for a in adults:
            a.previous_address = before
            if rng.random() < 0.85:
                hold(a, health(force, rng))
            if known_to_social_care and rng.random() < 0.5:
                hold(a, social_care(la))

        household = Household(people=[*adults, *children])
        for c in children:
            if c.age_on(seen) >= 10 and rng.random() < VICTIM_RATE:
                incident = self._plan_incident(c, adults, children, la, seen, household)
                if incident is not None:
                    household.incidents.append(incident)

        # Records that matter less come last, in whatever room a person has left.
        # A family that moved from another town is still on the books there.
        old = before.authority if before is not None and before.authority is not la else None
        for c in children:
            if old is not None and c.age_on(seen) >= 7 and rng.random() < 0.6:
                hold(c, school(old, rng))
            if old is not None and rng.random() < 0.4:
                hold(c, health(old.force_code, rng))
        for a in adults:
            if rng.random() < 0.35:  # seen at another trust too (a hospital stay, a clinic)
                hold(a, health(FORCE_BY_CODE[force].neighbours[int(rng.random() * 3)], rng))
            if old is not None and rng.random() < 0.5:
                hold(a, health(old.force_code, rng))
            if rng.random() < 0.04:
                hold(a, police(force))  # known to police for something in no case here
        for p in household.people:
            if not p.agencies:
                hold(p, health(p.address.authority.force_code, rng))
        return household

    def _plan_incident(
        self,
        victim: Person,
        adults: list[Person],
        children: list[Person],
        la: LocalAuthority,
        seen: date,
        household: Household,
    ) -> Incident | None:
        rng = self._rng
        pop = self._population
        force = la.force_code
        opened = days_after(seen, 0, 300, rng)
        station = police(force)
        if not will_hold(victim, station):
            return None
        if rng.random() < 0.7:
            hold(victim, social_care(la))

        men = [a for a in adults if a.sex == "M" and len(a.agencies) < 4]
        if men and rng.random() < 0.2:
            suspect, intrafamilial = men[0], True
        else:
            authorities = AUTHORITIES_BY_FORCE[force]
            home = pop.address_in(authorities[int(rng.random() * len(authorities))])
            suspect = pop.adult(
                opened, home, sex="M" if rng.random() < 0.92 else "F", ages=(16, 62)
            )
            suspect.previous_address = pop.previous_address(home)
            if rng.random() < 0.6:
                hold(suspect, health(force, rng))
            household.people.append(suspect)
            intrafamilial = False
        will_hold(suspect, station)
        if rng.random() < 0.08:  # also known to a neighbouring force
            neighbours = FORCE_BY_CODE[force].neighbours
            hold(suspect, police(neighbours[int(rng.random() * len(neighbours))]))

        incident = Incident(victim, suspect, force, la, opened, intrafamilial)
        if rng.random() < 0.3:
            others = [p for p in (*adults, *children) if p is not victim and p is not suspect]
            if others:
                witness = others[int(rng.random() * len(others))]
                if will_hold(witness, station):
                    incident.witness = witness
        if rng.random() < 0.6:
            incident.reporter = self._reporters.known(force)
            if incident.reporter is None:
                incident.new_reporter = self._reporters.recruit(force, opened)
                household.people.append(incident.new_reporter[0])
        return incident

    def plan_lone_adult(self, max_records: int = 5) -> Person:
        """An adult living alone: mostly just a GP/hospital record."""
        rng = self._rng
        pop = self._population
        seen = random_day(
            FIRST_YEAR + int(rng.random() * (LAST_YEAR - FIRST_YEAR + 1)), rng, last=TODAY
        )
        la = AUTHORITY_POOL[int(rng.random() * len(AUTHORITY_POOL))]
        p = pop.adult(seen, pop.address_in(la), ages=(18, 80))
        p.previous_address = pop.previous_address(p.address)
        if rng.random() < 0.9:
            hold(p, health(la.force_code, rng))
        if rng.random() < 0.08:
            hold(p, police(la.force_code))  # known to police, in no case here
        if rng.random() < 0.04:
            hold(p, social_care(la))
        if rng.random() < 0.3:  # treated at a neighbouring force's hospital too
            hold(p, health(FORCE_BY_CODE[la.force_code].neighbours[int(rng.random() * 3)], rng))
        if not p.agencies:
            hold(p, health(la.force_code, rng))
        del p.agencies[max_records:]
        return p

    # -- writing --------------------------------------------------------------------

    def write(self, household: Household) -> None:
        for p in household.people:
            self._registry.enter(p)
        for incident in household.incidents:
            if incident.new_reporter is not None:
                person, job = incident.new_reporter
                incident.reporter = self._reporters.remember(incident.force_code, person, job)
            self._write_case(incident)

    def _write_case(self, inc: Incident) -> None:
        rng = self._rng
        book = self._book
        r = rng.random
        conclusion = conclude(inc.opened, rng, charge=0.2, caution=0.06, poor_reasons=0.1)
        age = inc.victim.age_on(inc.opened)
        child = "girl" if inc.victim.sex == "F" else "boy"
        relations = _FAMILY_RELATIONS if inc.intrafamilial else _OTHER_RELATIONS
        summary = _SUMMARIES[int(r() * len(_SUMMARIES))].format(
            aged=aged(age),
            Aged=aged(age).capitalize(),
            child=child,
            rel=relations[int(r() * len(relations))],
        )
        ref = book.open(inc.force_code, inc.authority, inc.opened, conclusion, summary)

        station = police(inc.force_code).code
        victim = inc.victim.record_ids[station]
        suspect = inc.suspect.record_ids[station]
        book.person(ref, victim, "victim")
        book.person(ref, suspect, "suspect")
        if inc.witness is not None:
            book.person(ref, inc.witness.record_ids[station], "witness")
        if inc.reporter is not None:
            book.person(ref, inc.reporter.record_id, "reporter")

        opened = inc.opened
        if inc.suspect.phone and r() < 0.35:
            book.entity(
                ref, suspect, "phone", format_phone(inc.suspect.phone, rng), "uses_phone", opened
            )
        if r() < 0.5:
            book.entity(ref, suspect, "address", inc.suspect.address.text, "lives_at", opened)
        if r() < 0.12:
            book.entity(
                ref, suspect, "vehicle", self._vehicles.issue(inc.force_code), "drives", opened
            )
        if r() < 0.4:  # a busy public place: named in many unrelated cases
            decoys = DECOY_PLACES_BY_FORCE[inc.force_code]
            book.entity(ref, victim, "location", rng.choice(decoys), "seen_at", opened)
        if r() < 0.1:  # a takeaway or park that a network may use as well
            book.entity(
                ref,
                victim,
                "location",
                rng.choice(VENUES_BY_FORCE[inc.force_code]),
                "seen_at",
                opened,
            )
        if r() < 0.04:
            taxis = self._decoys.taxi_phones[inc.force_code]
            book.entity(
                ref,
                "",
                "phone",
                format_phone(taxis[int(r() * len(taxis))], rng),
                "named_in",
                opened,
            )

        if r() < 0.1:
            book.event(
                ref,
                victim,
                "missing_episode",
                opened - timedelta(days=1 + int(r() * 60)),
                "Reported missing from home overnight",
            )
        if inc.reporter is not None:
            book.event(ref, victim, "referral", opened, f"Referral from a {inc.reporter.job}")
        else:
            book.event(ref, victim, "disclosure", opened, "Child disclosed to a parent")
        if r() < 0.5:
            book.event(
                ref,
                "",
                "strategy_meeting",
                days_after(opened, 1, 10, rng),
                "Multi-agency strategy meeting",
            )
        if r() < 0.7:
            book.event(
                ref,
                victim,
                "interview",
                days_after(opened, 2, 30, rng),
                "Achieving Best Evidence interview with the child",
            )
        book.outcome_events(ref, suspect, opened, conclusion, rng)
