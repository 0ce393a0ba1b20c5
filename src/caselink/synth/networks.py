"""Planted organised networks: the pattern the platform exists to find.

A network is a few men (one or two organisers who appear in most of its cases) and
several children, in cases over several years, usually in more than one force. The
cases share no reference; they connect only through the same men (held as separate,
differently mistyped records in each force's system), the same phones, cars, flats and
places. Most end in no further action for reasons a review should not accept.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from caselink.synth.cases import CaseBook, aged, conclude, days_after
from caselink.synth.entities import DECOY_PLACES_BY_FORCE, VENUES_BY_FORCE, Vehicles
from caselink.synth.errors import format_phone
from caselink.synth.names import family_name
from caselink.synth.people import Person, Population, random_day
from caselink.synth.places import (
    AUTHORITIES_BY_FORCE,
    FORCE_BY_CODE,
    FORCES,
    Address,
)
from caselink.synth.professionals import Reporters
from caselink.synth.records import (
    Registry,
    health,
    hold,
    police,
    school,
    social_care,
    will_hold,
)
from caselink.synth.settings import LAST_YEAR
from caselink.synth.writer import DatasetWriter

_SUMMARIES = (
    "{Aged} {child} repeatedly reported missing; seen getting into cars with older "
    "men near {place}; given alcohol and drugs.",
    "{Aged} {child} disclosed sexual abuse by several men at a flat; an older "
    "'boyfriend' supplied alcohol and cigarettes.",
    "Concern from school that {aged} {child} is collected by different adult men "
    "in different cars.",
    "{Aged} {child} found in a hotel room with adult men; recorded as 'streetwise'.",
    "{Aged} {child} has a second phone and unexplained gifts; seen at {place} late "
    "at night with older men.",
)


@dataclass(slots=True)
class NetworkCase:
    force_code: str
    opened: date
    victims: list[Person] = field(default_factory=list)
    suspects: list[Person] = field(default_factory=list)


@dataclass(slots=True)
class Network:
    network_id: str
    forces: list[str]
    organisers: list[Person]
    suspects: list[Person]  # the organisers first
    victims: list[Person]
    phones: list[str]  # burner phones used to contact the children
    vehicles: list[tuple[str, Person]]  # registration and who drives it
    flats: list[Address]  # where the children were taken
    places: list[str]
    cases: list[NetworkCase]

    @property
    def people(self) -> list[Person]:
        return [*self.suspects, *self.victims]

    @property
    def size(self) -> int:
        return sum(len(p.agencies) for p in self.people)


def network_count(records: int) -> int:
    """About three networks per 10,000 records, and at least three from 1,000 up."""
    if records < 1000:
        return records // 400
    return max(3, round(records * 3 / 10_000))


class Networks:
    def __init__(
        self,
        population: Population,
        reporters: Reporters,
        vehicles: Vehicles,
        registry: Registry,
        book: CaseBook,
        out: DatasetWriter,
        rng: random.Random,
    ) -> None:
        self._population = population
        self._reporters = reporters
        self._vehicles = vehicles
        self._registry = registry
        self._book = book
        self._out = out
        self._rng = rng

    # -- planning -------------------------------------------------------------------

    def plan(self, number: int) -> Network:
        rng = self._rng
        pop = self._population
        network_id = f"N{number + 1:04d}"
        home = rng.choice(FORCES).code
        forces = [home]
        if number % 4 != 3:  # three networks in four cross a force boundary
            neighbours = list(FORCE_BY_CODE[home].neighbours)
            rng.shuffle(neighbours)
            forces += neighbours[: 2 if rng.random() < 0.3 else 1]
        start = random_day(rng.randint(2012, LAST_YEAR - 3), rng)

        organisers = [
            self._man(network_id, "organiser", home, start, (26, 48))
            for _ in range(1 if rng.random() < 0.6 else 2)
        ]
        others = [
            self._man(network_id, "suspect", rng.choice(forces), start, (18, 40))
            for _ in range(rng.randint(2, 5))
        ]
        suspects = [*organisers, *others]
        victims = [
            self._child(network_id, home if rng.random() < 0.6 else rng.choice(forces), start)
            for _ in range(rng.randint(4, 9))
        ]
        phones = [pop.phones.issue() for _ in range(len(organisers) + rng.randint(0, 2))]
        vehicles = [
            (self._vehicles.issue(rng.choice(forces)), rng.choice(suspects))
            for _ in range(rng.randint(1, 3))
        ]
        flats = [
            pop.address_in(rng.choice(AUTHORITIES_BY_FORCE[rng.choice(forces)]))
            for _ in range(rng.randint(1, 2))
        ]
        venues = [v for f in forces for v in VENUES_BY_FORCE[f]]
        places = [rng.choice(venues) for _ in range(rng.randint(1, 3))]
        cases = self._plan_cases(forces, start, organisers, others, victims)
        return Network(
            network_id,
            forces,
            organisers,
            suspects,
            victims,
            phones,
            vehicles,
            flats,
            places,
            cases,
        )

    def _man(
        self, network_id: str, role: str, force_code: str, on: date, ages: tuple[int, int]
    ) -> Person:
        pop = self._population
        la = self._rng.choice(AUTHORITIES_BY_FORCE[force_code])
        p = pop.adult(
            on, pop.address_in(la), sex="M" if self._rng.random() < 0.95 else "F", ages=ages
        )
        p.previous_address = pop.previous_address(p.address, 0.4)
        p.network_id, p.network_role = network_id, role
        if self._rng.random() < 0.6:
            hold(p, health(force_code, self._rng))
        return p

    def _child(self, network_id: str, force_code: str, on: date) -> Person:
        rng = self._rng
        pop = self._population
        la = rng.choice(AUTHORITIES_BY_FORCE[force_code])
        p = pop.child(
            on,
            pop.address_in(la),
            family_name(rng),
            (12, 15),
            pop.phones.issue(),
            sex="F" if rng.random() < 0.85 else "M",
        )
        p.previous_address = pop.previous_address(p.address, 0.5)  # children in care move
        p.network_id, p.network_role = network_id, "victim"
        hold(p, school(la, rng))
        hold(p, health(force_code, rng))
        if rng.random() < 0.9:
            hold(p, social_care(la))
        return p

    def _plan_cases(
        self,
        forces: list[str],
        start: date,
        organisers: list[Person],
        others: list[Person],
        victims: list[Person],
    ) -> list[NetworkCase]:
        rng = self._rng
        r = rng.random
        count = min(max(len(forces), rng.randint(2, 5)), len(victims))
        # cases over a few years; each force of the network gets at least one
        opened = sorted(days_after(start, 0, 3 * 365, rng) for _ in range(count))
        case_forces = [*forces, *(rng.choice(forces) for _ in range(count - len(forces)))]
        rng.shuffle(case_forces)
        cases = [NetworkCase(f, day) for f, day in zip(case_forces, opened, strict=True)]
        for i, victim in enumerate(victims):
            primary = cases[i % count]
            primary.victims.append(victim)
            hold(victim, police(primary.force_code))
        for victim in victims:
            for case in cases:
                # some children are abused in more than one case, but nobody holds more
                # than five records, so a third force's case may not take them
                if (
                    victim not in case.victims
                    and r() < 0.15
                    and will_hold(victim, police(case.force_code))
                ):
                    case.victims.append(victim)
        first_in_force: set[str] = set()
        for case in cases:
            # the main organiser is in the first case in every force (so a shared man
            # connects the forces) and in most of the rest: he is the hub of the network
            if case.force_code not in first_in_force or r() < 0.8:
                case.suspects.append(organisers[0])
            first_in_force.add(case.force_code)
            if len(organisers) > 1 and r() < 0.6:
                case.suspects.append(organisers[1])
            for man in others:
                if r() < 0.35:
                    case.suspects.append(man)
        for i, man in enumerate([*organisers[1:], *others]):  # everyone is in some case
            if not any(man in case.suspects for case in cases):
                cases[i % count].suspects.append(man)
        for case in cases:
            if not case.suspects:
                case.suspects.append(organisers[0])
            for man in case.suspects:
                hold(man, police(case.force_code))  # at most 3 forces + health: always fits
        return cases

    # -- writing --------------------------------------------------------------------

    def write(self, network: Network) -> None:
        for p in network.people:
            self._registry.enter(p)
        refs: list[str] = []
        named: dict[tuple[str, str], None] = {}  # (member type, value), in first-seen order
        for index, case in enumerate(network.cases):
            refs.append(self._write_case(network, case, index == len(network.cases) - 1, named))
        out = self._out
        out.row(
            "truth_networks.csv",
            (
                network.network_id,
                ";".join(sorted(network.forces)),
                str(len(refs)),
                str(len(network.victims)),
                str(len(network.suspects)),
            ),
        )
        members = [("person", p.person_id) for p in network.people]
        members += [("case", ref) for ref in refs]
        members += list(named)
        for member_type, member_id in members:
            out.row("truth_network_members.csv", (network.network_id, member_type, member_id))

    def _write_case(
        self, net: Network, case: NetworkCase, last: bool, named: dict[tuple[str, str], None]
    ) -> str:
        rng = self._rng
        r = rng.random
        book = self._book
        station = police(case.force_code).code
        opened = case.opened
        # later cases are likelier to be charged, once the pattern is finally seen
        conclusion = conclude(
            opened, rng, charge=0.45 if last else 0.12, caution=0.0, poor_reasons=0.75
        )
        first = case.victims[0]
        age = first.age_on(opened)
        place = net.places[int(r() * len(net.places))]
        summary = _SUMMARIES[int(r() * len(_SUMMARIES))].format(
            aged=aged(age),
            Aged=aged(age).capitalize(),
            child="girl" if first.sex == "F" else "boy",
            place=place,
        )
        authorities = AUTHORITIES_BY_FORCE[case.force_code]
        la = next(
            (a for a in authorities if a is first.address.authority),
            authorities[int(r() * len(authorities))],
        )
        ref = book.open(case.force_code, la, opened, conclusion, summary)

        victims = [v.record_ids[station] for v in case.victims]
        suspects = [s.record_ids[station] for s in case.suspects]
        for record_id in victims:
            book.person(ref, record_id, "victim")
        for record_id in suspects:
            book.person(ref, record_id, "suspect")
        reporter = self._reporters.any_known(case.force_code)
        if reporter is not None and r() < 0.6:
            book.person(ref, reporter.record_id, "reporter")

        def name(
            kind: str, record_id: str, value: str, canonical: str, relation: str, day: date
        ) -> None:
            book.entity(ref, record_id, kind, value, relation, day)
            named[(kind, canonical)] = None

        organiser = case.suspects[0] if case.suspects[0] in net.organisers else None
        for i, phone in enumerate(net.phones):
            holder = net.organisers[i % len(net.organisers)]
            day = days_after(opened, 0, 20, rng)
            if holder in case.suspects and (i == 0 or r() < 0.6):
                name(
                    "phone",
                    holder.record_ids[station],
                    format_phone(phone, rng),
                    phone,
                    "uses_phone",
                    day,
                )
            elif i == 0 or r() < 0.4:  # found in a child's phone, no owner identified
                name("phone", "", format_phone(phone, rng), phone, "named_in", day)
        for registration, driver in net.vehicles:
            if r() < 0.6:
                shown = registration if r() < 0.7 else registration.replace(" ", "")
                if driver in case.suspects:
                    name(
                        "vehicle",
                        driver.record_ids[station],
                        shown,
                        registration,
                        "drives",
                        days_after(opened, 0, 30, rng),
                    )
                else:
                    name("vehicle", "", shown, registration, "named_in", opened)
        for flat in net.flats:
            for record_id in victims:
                if r() < 0.5:
                    shown = flat.text if r() < 0.7 else f"{flat.abbreviated} {flat.postcode}"
                    name(
                        "address",
                        record_id,
                        shown,
                        flat.text,
                        "seen_at",
                        days_after(opened, -90, 0, rng),
                    )
        if organiser is not None and r() < 0.4:
            name(
                "address",
                suspects[0],
                organiser.address.text,
                organiser.address.text,
                "lives_at",
                opened,
            )
        for record_id in victims:
            if r() < 0.6:
                book.entity(
                    ref,
                    record_id,
                    "location",
                    net.places[int(r() * len(net.places))],
                    "seen_at",
                    days_after(opened, -60, 0, rng),
                )
        if r() < 0.2:
            decoys = DECOY_PLACES_BY_FORCE[case.force_code]
            book.entity(
                ref, victims[0], "location", decoys[int(r() * len(decoys))], "seen_at", opened
            )

        self._write_events(ref, case, victims, suspects, conclusion.closed_on, rng)
        book.outcome_events(ref, suspects[0], opened, conclusion, rng)
        return ref

    def _write_events(
        self,
        ref: str,
        case: NetworkCase,
        victims: list[str],
        suspects: list[str],
        closed: date | None,
        rng: random.Random,
    ) -> None:
        r = rng.random
        book = self._book
        opened = case.opened
        for record_id in victims:
            # repeated missing episodes in the months before anyone opens a case
            days = sorted(int(r() * 200) for _ in range(rng.randint(2, 7)))
            for back in reversed(days):
                book.event(
                    ref,
                    record_id,
                    "missing_episode",
                    opened - timedelta(days=back + 1),
                    "Reported missing; returned next day, would not say where they had been",
                )
            if r() < 0.5:
                book.event(
                    ref,
                    record_id,
                    "disclosure",
                    days_after(opened, 0, 14, rng),
                    "Child disclosed abuse by several adult men",
                )
            if r() < 0.6:
                book.event(ref, record_id, "referral", opened, "Referral from school")
            if r() < 0.6:
                book.event(
                    ref,
                    record_id,
                    "interview",
                    days_after(opened, 2, 40, rng),
                    "Achieving Best Evidence interview with the child",
                )
        if r() < 0.7:
            book.event(
                ref,
                "",
                "strategy_meeting",
                days_after(opened, 1, 14, rng),
                "Multi-agency strategy meeting",
            )
        for record_id in suspects[1:]:
            if r() < 0.3:
                arrested = days_after(opened, 5, 90, rng)
                if closed is None or arrested <= closed:
                    book.event(ref, record_id, "arrest", arrested, "Suspect arrested")
