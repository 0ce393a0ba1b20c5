"""True people: who somebody really is, before any agency records them.

Ethnicity and nationality are drawn here, once per person, from population-wide
weights and independently of everything else, so they cannot correlate with any role.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from caselink.domain.dates import age_on
from caselink.synth.agencies import Agency
from caselink.synth.entities import PhoneNumbers
from caselink.synth.names import family_name, given_name
from caselink.synth.nhs import NhsNumbers
from caselink.synth.places import AUTHORITIES, Address, AddressBook, LocalAuthority

# A person's category is what they were when the agencies met them: a network victim
# from 2013 is a "child" although an adult by 2026 (the pinned today).
CHILD = "child"
ADULT = "adult"
PROFESSIONAL = "professional"

# Roughly the England and Wales 2021 census shares (per mille), in the census' groups.
_ETHNICITY_WEIGHTS = (
    ("White British", 744),
    ("White Irish", 9),
    ("White Gypsy or Irish Traveller", 1),
    ("White Roma", 2),
    ("White Other", 62),
    ("Mixed White and Black Caribbean", 10),
    ("Mixed White and Black African", 5),
    ("Mixed White and Asian", 8),
    ("Mixed Other", 8),
    ("Asian Indian", 31),
    ("Asian Pakistani", 27),
    ("Asian Bangladeshi", 11),
    ("Asian Chinese", 7),
    ("Asian Other", 16),
    ("Black African", 25),
    ("Black Caribbean", 10),
    ("Black Other", 5),
    ("Arab", 6),
    ("Other ethnic group", 10),
)
_NATIONALITY_WEIGHTS = (
    ("British", 900),
    ("Irish", 6),
    ("Polish", 12),
    ("Romanian", 10),
    ("Indian", 6),
    ("Pakistani", 4),
    ("Italian", 5),
    ("Portuguese", 4),
    ("Nigerian", 3),
    ("Lithuanian", 3),
    ("Other", 47),
)
ETHNICITY_POOL = tuple(name for name, w in _ETHNICITY_WEIGHTS for _ in range(w))
NATIONALITY_POOL = tuple(name for name, w in _NATIONALITY_WEIGHTS for _ in range(w))
_EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
_EMAIL_UNSAFE = str.maketrans("", "", "'- ")


@dataclass(slots=True)
class Person:
    person_id: str
    category: str
    sex: str
    given: str
    family: str
    dob: date
    address: Address
    nhs: str
    ethnicity: str
    nationality: str
    previous_family: str = ""  # a maiden name, or a child's name before a step-parent's
    previous_address: Address | None = None
    phone: str = ""  # own mobile, canonical 07xxxxxxxxx
    contact_phone: str = ""  # a parent's number, which schools and social care record
    email: str = ""
    network_id: str = ""
    network_role: str = ""
    agencies: list[Agency] = field(default_factory=list)  # systems that will hold a record
    record_ids: dict[str, str] = field(default_factory=dict)  # agency code -> record_id

    def age_on(self, day: date) -> int:
        return age_on(self.dob, day)


def random_day(year: int, rng: random.Random, last: date | None = None) -> date:
    """A day in ``year``, not after ``last`` if given."""
    start = date(year, 1, 1).toordinal()
    end = date(year, 12, 31).toordinal()
    if last is not None:
        end = min(end, last.toordinal())
    return date.fromordinal(start + int(rng.random() * (end - start + 1)))


def born_aged(age: int, on: date, rng: random.Random) -> date:
    """A date of birth that makes someone ``age`` years old on ``on``."""
    latest = (
        on.replace(year=on.year - age)
        if (on.month, on.day) != (2, 29)
        else on.replace(year=on.year - age, day=28)
    )
    return latest - timedelta(days=int(rng.random() * 365))


class Population:
    """Makes true people one at a time; holds only counters and id issuers."""

    def __init__(
        self, rng: random.Random, addresses: AddressBook, nhs: NhsNumbers, phones: PhoneNumbers
    ) -> None:
        self._rng = rng
        self.addresses = addresses
        self._nhs = nhs
        self.phones = phones
        self._next_id = 0

    def person(
        self,
        category: str,
        sex: str,
        age: int,
        on: date,
        address: Address,
        family: str | None = None,
    ) -> Person:
        rng = self._rng
        self._next_id += 1
        return Person(
            person_id=f"P{self._next_id:08d}",
            category=category,
            sex=sex,
            given=given_name(sex, rng),
            family=family if family is not None else family_name(rng),
            dob=born_aged(age, on, rng),
            address=address,
            nhs=self._nhs.issue(),
            ethnicity=ETHNICITY_POOL[int(rng.random() * len(ETHNICITY_POOL))],
            nationality=NATIONALITY_POOL[int(rng.random() * len(NATIONALITY_POOL))],
        )

    def adult(
        self,
        on: date,
        address: Address,
        *,
        sex: str | None = None,
        ages: tuple[int, int] = (20, 60),
        family: str | None = None,
        category: str = ADULT,
    ) -> Person:
        rng = self._rng
        if sex is None:
            r = rng.random()
            sex = "X" if r < 0.002 else ("F" if r < 0.5 else "M")
        p = self.person(category, sex, rng.randint(*ages), on, address, family)
        if sex == "F" and family is not None and rng.random() < 0.45:
            p.previous_family = family_name(rng)  # recorded under her maiden name before
        p.phone = self.phones.issue() if rng.random() < 0.9 else ""
        if rng.random() < 0.6:
            p.email = self.email(p)
        return p

    def child(
        self,
        on: date,
        address: Address,
        family: str,
        ages: tuple[int, int],
        contact_phone: str,
        *,
        sex: str | None = None,
    ) -> Person:
        rng = self._rng
        if sex is None:
            sex = "F" if rng.random() < 0.5 else "M"
        p = self.person(CHILD, sex, rng.randint(*ages), on, address, family)
        if rng.random() < 0.08:
            p.previous_family = family_name(rng)  # took a step-parent's family name
        p.contact_phone = contact_phone
        age = p.age_on(on)
        if age >= 12 and rng.random() < 0.6:
            p.phone = self.phones.issue()
        if age >= 14 and rng.random() < 0.3:
            p.email = self.email(p)
        return p

    def previous_address(self, current: Address, rate: float = 0.3) -> Address | None:
        """Where someone lived before, if they moved: usually the same town."""
        rng = self._rng
        if rng.random() >= rate:
            return None
        la = current.authority
        if rng.random() < 0.4:
            la = AUTHORITIES[int(rng.random() * len(AUTHORITIES))]
        return self.addresses.allocate(la)

    def email(self, p: Person) -> str:
        rng = self._rng
        local = f"{p.given}.{p.family}".lower().translate(_EMAIL_UNSAFE)
        if rng.random() < 0.6:
            local += str(int(rng.random() * 100))
        return f"{local}@{_EMAIL_DOMAINS[int(rng.random() * 3)]}"

    def address_in(self, authority: LocalAuthority) -> Address:
        return self.addresses.allocate(authority)
