"""Records whose NHS number conflicts with the rest of their person, for an analyst.

The NHS number is the consistent identifier for children (Children's Wellbeing and Schools
Act 2026), so two valid, different numbers inside one linked person mean one of two things:
the link is wrong, or an agency holds the wrong number. Either way a person decides, not the
model: each such record is paired with a record of the same person holding the number most
of its records hold, and the pair goes to the link review queue with the reason. Numbers
failing their check digit are not numbers (they are missing in the prepared frame), so they
never raise a conflict.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable

import pandas as pd  # type: ignore[import-untyped]

from caselink.linkage.evidence import PRIOR, Bar, Evidence, from_prediction

REASON = "the records are linked into one person but hold different NHS numbers"


def conflicts(
    prepared: pd.DataFrame,
    person_of: dict[str, str],
    pairs: pd.DataFrame,
    touched: Iterable[str],
    decided: dict[tuple[str, str], str],
) -> list[tuple[str, str, str]]:
    """(record a, record b, evidence JSON) for each record of a `touched` person whose valid
    NHS number differs from the one most of that person's records hold."""
    persons = set(touched)
    numbers: dict[str, dict[str, str]] = defaultdict(dict)  # person -> record -> number
    for record, number in zip(prepared["unique_id"], prepared["nhs_number"], strict=True):
        person = person_of.get(record)
        if number and person in persons:
            numbers[person][record] = number
    scored = {
        (str(row["unique_id_l"]), str(row["unique_id_r"])): row for row in pairs.to_dict("records")
    }
    out = []
    for held in numbers.values():
        counts = Counter(held.values())
        if len(counts) < 2:
            continue
        # The number most records hold; a tie goes to the number of the first record.
        first = {n: min(r for r, v in held.items() if v == n) for n in counts}
        usual = min(counts, key=lambda n: (-counts[n], first[n]))
        anchor = first[usual]
        for record, number in sorted(held.items()):
            if number == usual:
                continue
            a, b = sorted((anchor, record))
            if (a, b) in decided or (b, a) in decided:
                continue  # an analyst has already looked at this pair
            row = scored.get((a, b)) or scored.get((b, a))
            if row is not None:
                found = from_prediction(row)
                evidence = Evidence(found.bars, found.match_weight, found.match_probability, REASON)
            else:  # linked through other records: this pair itself was never scored
                bars = (Bar(PRIOR, "not scored as a pair: linked through other records", 0.0),)
                evidence = Evidence(bars, 0.0, 0.5, REASON)
            out.append((a, b, evidence.to_json()))
    return out
