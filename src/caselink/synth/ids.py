"""Identifiers: unique numbers drawn from a counter through a seeded bijection.

A bijection of ``range(size)`` guarantees uniqueness without remembering what was
issued, which keeps memory flat however many records are generated.
"""

from __future__ import annotations

import random
from math import gcd, isqrt


def _is_prime(n: int) -> bool:
    if n < 2:
        return False
    return all(n % d for d in range(2, isqrt(n) + 1))


def _next_prime(n: int) -> int:
    while not _is_prime(n):
        n += 1
    return n


class Scramble:
    """A seeded permutation of ``range(size)``.

    Affine maps alone leave a visible stride between consecutive outputs (house numbers
    14, 41, 68, ...), so an affine map is followed by ``x -> x**e mod p`` (a permutation
    of the field when ``gcd(e, p - 1) == 1``) and another affine map. Values that land
    outside ``range(size)`` are walked through the permutation again ("cycle walking").
    """

    __slots__ = ("_a", "_b", "_c", "_d", "_e", "_p", "size")

    def __init__(self, size: int, rng: random.Random) -> None:
        self.size = size
        p = _next_prime(max(size, 5))
        self._p = p
        self._e = next(e for e in (3, 5, 7, 11, 13, 17, 19, 23) if gcd(e, p - 1) == 1)
        self._a = rng.randrange(1, p)
        self._b = rng.randrange(p)
        self._c = rng.randrange(1, p)
        self._d = rng.randrange(p)

    def __call__(self, k: int) -> int:
        p = self._p
        x = k
        while True:
            x = (self._c * pow((self._a * x + self._b) % p, self._e, p) + self._d) % p
            if x < self.size:
                return x


class RecordIds:
    """Record ids that are unique but do not reveal the order records were made in."""

    __slots__ = ("_next", "_scramble")

    def __init__(self, rng: random.Random) -> None:
        self._scramble = Scramble(10**9, rng)
        self._next = 0

    def issue(self) -> str:
        n = self._scramble(self._next)
        self._next += 1
        return f"R{n:09d}"
