"""The linkage model as data: its comparisons, blocking rules and parameters.

The comparisons are defined once here, without a SQL dialect, so DuckDB and Spark run the
very same model. A trained model is a versioned JSON file holding the parameters (m and u
for every level), the prior, the thresholds and, for Splink users, the full Splink settings;
it is reloaded by rebuilding the comparisons for the backend in use and applying the
parameters, after checking that the comparisons are still the ones it was trained with.

The prior is kept as the expected number of other records of the same person per record,
not as Splink's `probability_two_random_records_match`: the latter falls as a data set
grows (pairs grow with its square, matches only linearly), so it is derived for each data
set from its size.
"""

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator

MODEL_FORMAT = 1
FILE_PATTERN = re.compile(r"^linkage-model-v(\d+)\.json$")
DEFAULT_LINK_THRESHOLD = 0.9
DEFAULT_REVIEW_THRESHOLD = 0.5
# Specs (spec_digest) of earlier caselink versions whose comparisons have the same levels
# with the same meaning, so that their trained parameters still apply: only blocking rules
# were added, or a level tests its meaning better. Their models load as the current spec.
COMPATIBLE_SPECS = frozenset(
    {
        # Before the blocking rules for a missing date of birth and a mistyped family name,
        # a names-swapped test that also takes one-letter typos and nicknames, and a
        # same-address test that reads a house number left out as missing (November 2026).
        "8e5e3d8abc7fb32776689afbe23e32a4d32a6be3899eeb4f7ac696dcc9e86e02",
    }
)


@dataclass(frozen=True)
class Level:
    label: str
    make: Callable[[], Any]  # builds a fresh Splink ComparisonLevelCreator
    m: float  # prior: how often the same person's records agree this way
    u: float  # prior: how often two different people's records do
    # Training never puts m below this: data in which nobody ever moved house or changed
    # phone must not teach the model that a person never does.
    min_m: float = 0.001
    # ...nor above this: EM on a block full of namesakes (a father and son at one address)
    # can mistake them for one person and learn that identifiers often disagree.
    max_m: float = 1.0
    # For home levels: read given that the family names agree (True) or differ (False).
    given_family: bool | None = None


@dataclass(frozen=True)
class Comparison:
    name: str
    description: str
    null: Callable[[], Any]
    levels: tuple[Level, ...]


class _DialectLevel(ComparisonLevelCreator):
    """A level written once for every dialect: `{jaro_winkler}` and `{damerau_levenshtein}`
    in the template become the backend's function names."""

    def __init__(self, template: str) -> None:
        self.template = template

    def create_sql(self, sql_dialect: Any) -> str:
        return self.template.format(
            jaro_winkler=sql_dialect.jaro_winkler_function_name,
            damerau_levenshtein=sql_dialect.damerau_levenshtein_function_name,
        )

    def create_label_for_charts(self) -> str:
        return self.template


def _custom(sql: str) -> Callable[[], Any]:
    # Plain identifiers and functions common to DuckDB and Spark SQL.
    return lambda: _DialectLevel(sql)


_NUMBER_LEFT_OUT = (
    "(address_number_l is null and address_number_r is not null"
    " and address_key_l = substr(address_key_r, length(address_number_r) + 2))"
    " or (address_number_r is null and address_number_l is not null"
    " and address_key_r = substr(address_key_l, length(address_number_l) + 2))"
)


def _same_address() -> Any:
    """The same house: street key and postcode agree (or a postcode is missing or one
    character out), or so do the street and postcode of a record without a house number,
    or the postcode agrees and the street key nearly does, or the house number agrees and
    the street key nearly does."""
    postcode_fits = cll.Or(
        cll.ExactMatchLevel("postcode"),
        _DialectLevel("postcode_l is null or postcode_r is null"),
        cll.DamerauLevenshteinLevel("postcode", 1),
    )
    return cll.Or(
        cll.And(cll.ExactMatchLevel("address_key"), postcode_fits),
        # The house number left out of one record ('outtrim avenue', '2 outtrim avenue'):
        # missing, not different; a postcode (not a missing one) must then place the street.
        cll.And(
            _DialectLevel(_NUMBER_LEFT_OUT),
            cll.Or(cll.ExactMatchLevel("postcode"), cll.DamerauLevenshteinLevel("postcode", 1)),
        ),
        cll.And(cll.ExactMatchLevel("postcode"), cll.JaroWinklerLevel("address_key", 0.88)),
        # A typo in the street ('12 hihg street'): the house number must agree exactly, as
        # next door differs from it by one character too.
        cll.And(
            cll.ExactMatchLevel("address_number"),
            cll.JaroWinklerLevel("address_key", 0.9),
            postcode_fits,
        ),
    )


def _names_swapped() -> Any:
    """Given and family names in each other's boxes, one or both perhaps mistyped. Both
    name comparisons score it, as both names agree; one name alone in the wrong box (which
    a sibling's swapped record also shows) is no swap."""
    return cll.Or(
        cll.ColumnsReversedLevel("given_first", "family"),
        _DialectLevel(
            "(given_first_l = family_r and {jaro_winkler}(family_l, given_first_r) >= 0.88) "
            "or (family_l = given_first_r and {jaro_winkler}(given_first_l, family_r) >= 0.88)"
            # ...or the given name written as a nickname in the other box ('rebecca white',
            # 'white becky')...
            " or (family_l = given_first_r and given_key_l = family_key_r)"
            " or (given_first_l = family_r and family_key_l = given_key_r)"
            # ...or both, each with a typo as the typo levels define one ('whiet ethgn',
            # 'ethan white').
            " or (({damerau_levenshtein}(given_first_l, family_r) <= 1"
            " or {jaro_winkler}(given_first_l, family_r) >= 0.92)"
            " and ({damerau_levenshtein}(family_l, given_first_r) <= 1"
            " or {jaro_winkler}(family_l, given_first_r) >= 0.92))"
        ),
    )


def _family_agrees() -> Any:
    """Family names agree, nearly agree, or one is missing (then a shared home may still
    be a family's, so it is read as if they agreed)."""
    return cll.Or(
        _DialectLevel("family_l is null or family_r is null"),
        _DialectLevel("family_l = given_first_r or given_first_l = family_r"),
        cll.ExactMatchLevel("family"),
        cll.ExactMatchLevel("family_mp"),
        cll.DamerauLevenshteinLevel("family", 2),
        cll.ArrayIntersectLevel("family_parts", 1),
    )


# Levels of family_name that count as agreeing, as _family_agrees() tests it.
FAMILY_AGREEMENT_LEVELS = (
    "same family name",
    "family name with a typo",
    "one part of a double-barrelled name agrees",
    "family names sound alike",
)


COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "given_name",
        "First given name: exact, swapped with family name, nickname, typo, initial",
        lambda: cll.NullLevel("given_first"),
        (
            Level(
                "same given name",
                lambda: cll.ExactMatchLevel("given_first").configure(
                    tf_adjustment_column="given_first", tf_minimum_u_value=0.001
                ),
                0.80,
                0.01,
            ),
            Level(
                "given and family names swapped",
                _names_swapped,
                0.005,
                0.00002,
            ),
            Level(
                "nickname or other spelling of the same name",
                lambda: cll.ArrayIntersectLevel("given_forms", 1),
                0.08,
                0.002,
            ),
            Level(
                "given name with a typo",
                lambda: cll.Or(
                    cll.DamerauLevenshteinLevel("given_first", 1),
                    cll.JaroWinklerLevel("given_first", 0.92),
                ),
                0.05,
                0.002,
            ),
            Level(
                "initial only, and it agrees",
                _custom(
                    "(length(given_first_l) = 1 or length(given_first_r) = 1) "
                    "and substr(given_first_l, 1, 1) = substr(given_first_r, 1, 1)"
                ),
                0.005,
                0.003,
            ),
            Level(
                "a middle name agrees",
                lambda: cll.ArrayIntersectLevel("given_tokens", 1),
                0.01,
                0.001,
            ),
            Level(
                "given names sound alike",
                lambda: cll.Or(
                    cll.ExactMatchLevel("given_mp"), cll.JaroWinklerLevel("given_first", 0.8)
                ),
                0.03,
                0.02,
            ),
            Level("given names differ", lambda: cll.ElseLevel(), 0.02, 0.96198),
        ),
    ),
    Comparison(
        "family_name",
        "Family name: exact, swapped, typo, one part of a double-barrelled name, sound",
        lambda: cll.NullLevel("family"),
        (
            Level(
                "same family name",
                lambda: cll.ExactMatchLevel("family").configure(
                    tf_adjustment_column="family", tf_minimum_u_value=0.001
                ),
                0.78,
                0.005,
            ),
            Level(
                "family and given names swapped",
                _names_swapped,
                0.005,
                0.00002,
            ),
            Level(
                "family name with a typo",
                lambda: cll.Or(
                    cll.DamerauLevenshteinLevel("family", 1),
                    cll.JaroWinklerLevel("family", 0.92),
                ),
                0.05,
                0.002,
            ),
            Level(
                "one part of a double-barrelled name agrees",
                lambda: cll.ArrayIntersectLevel("family_parts", 1),
                0.03,
                0.0005,
            ),
            Level(
                "family names sound alike",
                lambda: cll.Or(
                    cll.ExactMatchLevel("family_mp"), cll.JaroWinklerLevel("family", 0.8)
                ),
                0.02,
                0.01,
            ),
            Level("family names differ", lambda: cll.ElseLevel(), 0.115, 0.98248, min_m=0.02),
        ),
    ),
    Comparison(
        "date_of_birth",
        "Date of birth: exact, day and month swapped, one slip, same month, two slips",
        lambda: cll.NullLevel("dob"),
        (
            Level("same date of birth", lambda: cll.ExactMatchLevel("dob"), 0.90, 0.0003),
            Level(
                "day and month swapped",
                _custom("dob_l = dob_swapped_r"),
                0.01,
                0.00005,
            ),
            Level(
                "one digit wrong or two digits transposed",
                lambda: cll.DamerauLevenshteinLevel("dob", 1),
                0.05,
                0.005,
            ),
            Level(
                "same year and month",
                _custom("substr(dob_l, 1, 7) = substr(dob_r, 1, 7)"),
                0.01,
                0.01,
            ),
            Level(
                "two digits wrong",
                lambda: cll.DamerauLevenshteinLevel("dob", 2),
                0.01,
                0.03,
            ),
            Level("dates of birth differ", lambda: cll.ElseLevel(), 0.02, 0.95465, max_m=0.1),
        ),
    ),
    Comparison(
        "sex",
        "Recorded sex",
        lambda: cll.NullLevel("sex"),
        (
            Level("same sex", lambda: cll.ExactMatchLevel("sex"), 0.97, 0.5),
            Level("sex differs", lambda: cll.ElseLevel(), 0.03, 0.5, min_m=0.005),
        ),
    ),
    Comparison(
        "home",
        "Address, postcode and phone, read together with whether the family names agree: "
        "a home is shared by a family, so sharing one says less when the names agree",
        _custom(
            "(postcode_l is null and address_key_l is null and phone_l is null) "
            "or (postcode_r is null and address_key_r is null and phone_r is null)"
        ),
        (
            Level(
                "same address, family names agree",
                lambda: cll.And(_same_address(), _family_agrees()),
                0.60,
                0.0002,
                given_family=True,
            ),
            Level(
                "same address, family names differ",
                _same_address,
                0.05,
                0.00001,
                given_family=False,
            ),
            Level(
                "same phone number, family names agree",
                lambda: cll.And(cll.ExactMatchLevel("phone"), _family_agrees()).configure(
                    tf_adjustment_column="phone", tf_minimum_u_value=0.00001
                ),
                0.10,
                0.0002,
                given_family=True,
            ),
            Level(
                "same phone number, family names differ",
                lambda: cll.ExactMatchLevel("phone").configure(
                    tf_adjustment_column="phone", tf_minimum_u_value=0.00001
                ),
                0.02,
                0.00001,
                given_family=False,
            ),
            Level(
                "same postcode, the addresses share two words, family names agree",
                lambda: cll.And(
                    cll.ExactMatchLevel("postcode"),
                    cll.ArrayIntersectLevel("address_tokens", 2),
                    _family_agrees(),
                ),
                0.05,
                0.0001,
                given_family=True,
            ),
            Level(
                "same postcode, family names agree",
                lambda: cll.And(cll.ExactMatchLevel("postcode"), _family_agrees()),
                0.05,
                0.0003,
                given_family=True,
            ),
            Level(
                "same postcode, family names differ",
                lambda: cll.ExactMatchLevel("postcode"),
                0.01,
                0.0003,
                given_family=False,
            ),
            Level(
                "postcode one character different, or same postcode sector",
                lambda: cll.Or(
                    cll.DamerauLevenshteinLevel("postcode", 1),
                    cll.ExactMatchLevel("postcode_sector"),
                ),
                0.03,
                0.01,
            ),
            Level(
                "same postcode district, or the address shares two words",
                lambda: cll.Or(
                    cll.ExactMatchLevel("postcode_district"),
                    cll.ArrayIntersectLevel("address_tokens", 2),
                ),
                0.05,
                0.05,
            ),
            Level("homes differ", lambda: cll.ElseLevel(), 0.09, 0.9393, min_m=0.05),
        ),
    ),
    Comparison(
        "nhs_number",
        "NHS number; one failing its check digit counts as missing",
        lambda: cll.NullLevel("nhs_number"),
        (
            Level("same NHS number", lambda: cll.ExactMatchLevel("nhs_number"), 0.97, 0.000001),
            Level("NHS numbers differ", lambda: cll.ElseLevel(), 0.03, 0.999999, max_m=0.05),
        ),
    ),
    Comparison(
        "email",
        "Email address, lower-cased",
        lambda: cll.NullLevel("email"),
        (
            Level(
                "same email address",
                # A shared family or generic address is weaker evidence than a unique one.
                lambda: cll.ExactMatchLevel("email").configure(
                    tf_adjustment_column="email", tf_minimum_u_value=0.00001
                ),
                0.7,
                0.00001,
            ),
            Level(
                "same user name at another domain",
                lambda: cll.ExactMatchLevel("email_user"),
                0.05,
                0.0001,
            ),
            Level(
                "similar email address",
                lambda: cll.JaroWinklerLevel("email", 0.88),
                0.05,
                0.001,
            ),
            Level("email addresses differ", lambda: cll.ElseLevel(), 0.2, 0.99889, min_m=0.05),
        ),
    ),
)

# Columns whose agreement counts for less when the value is common (term frequencies).
TF_COLUMNS = ("given_first", "family", "phone", "email")

# Candidate pairs: a pair is scored if any rule finds it. Each rule tolerates the errors
# the others cannot (a changed family name, a wrong date of birth, a nickname, a move), so
# recall stays high while no rule compares everyone born on one day with each other.
BLOCKING_RULES: tuple[str, ...] = (
    "l.nhs_number = r.nhs_number",
    "l.dob = r.dob and l.given_key = r.given_key",
    "l.dob = r.dob and l.family_mp = r.family_mp",
    "l.given_key = r.given_key and l.family_mp = r.family_mp",
    "l.dob = r.dob_swapped and l.given_key = r.given_key",
    "l.dob = r.dob and l.postcode_district = r.postcode_district",
    "l.dob = r.dob and l.address_key = r.address_key",
    "l.postcode = r.postcode and l.address_key = r.address_key",
    "l.postcode = r.postcode and l.given_initial = r.given_initial",
    "l.postcode = r.postcode and l.family_mp = r.family_mp",
    "l.address_key = r.address_key and l.given_initial = r.given_initial",
    "l.phone = r.phone",
    "l.email = r.email",
    # Names in each other's boxes, with or without the other name mistyped. Dedupe pairs
    # are ordered by id, so a one-sided condition needs both orientations.
    "l.given_first = r.family and l.family = r.given_first",
    "l.dob = r.dob and l.given_first = r.family",
    "l.dob = r.dob and l.family = r.given_first",
    # Both names mistyped (a typo seldom changes a name's first letter): the date of birth
    # and one initial. Cheap, as a date of birth is shared by few.
    "l.dob = r.dob and l.given_initial = r.given_initial",
    "l.dob = r.dob and l.family_initial = r.family_initial",
    "l.dob = r.dob and l.given_initial = r.family_initial and l.family_initial = r.given_initial",
    # A date of birth missing or wrong, and a name mistyped past its sound: the same given
    # name and the first three letters of the family name ('maynard', 'maymard'); the
    # family name's sound and the house number when the postcode and street are mistyped
    # too; the date of birth and the house number when both names are wrong; names in each
    # other's boxes, the other one mistyped or a nickname, by its first letters, by its
    # nickname key, or within one postcode.
    "l.given_key = r.given_key and substr(l.family, 1, 3) = substr(r.family, 1, 3)",
    "l.given_first = r.family and substr(l.family, 1, 3) = substr(r.given_first, 1, 3)",
    "l.given_first = r.family and l.family_key = r.given_key",
    "l.family = r.given_first and l.given_key = r.family_key",
    "l.family = r.given_first and substr(l.given_first, 1, 3) = substr(r.family, 1, 3)",
    "l.family_mp = r.family_mp and l.address_number = r.address_number",
    "l.dob = r.dob and l.address_number = r.address_number",
    "l.postcode = r.postcode and l.given_first = r.family",
    "l.postcode = r.postcode and l.family = r.given_first",
)

# Pairs almost certainly the same person, to estimate how many matches the data hold.
DETERMINISTIC_RULES: tuple[str, ...] = (
    "l.nhs_number = r.nhs_number",
    "l.given_first = r.given_first and l.family = r.family and l.dob = r.dob",
)

# Expectation-maximisation sessions: each fixes the comparisons whose columns its blocking
# uses and trains the others; every comparison is trained in at least two, and Splink keeps
# the median. Blocks must use the compared columns themselves (given_first, not given_key),
# or a comparison would be trained on pairs selected for agreeing on it.
TRAINING_BLOCKS: tuple[str, ...] = (
    "l.dob = r.dob",
    "l.given_first = r.given_first and l.family = r.family",
    "l.nhs_number = r.nhs_number",
    # Names and date of birth also learnt among pairs picked by their home alone: among
    # pairs picked by their exact names, the records with a wrong date of birth are also
    # the ones EM takes for namesakes, so that session alone underrates such errors.
    "l.postcode = r.postcode and l.address_key = r.address_key",
)


def effective_parameters(
    parameters: dict[str, list[list[float]]] | None,
) -> dict[str, list[list[float]]]:
    """The [m, u] Splink scores with: trained (or prior) values, with the home levels made
    conditional on whether the family names agree.

    Splink multiplies the comparisons' likelihood ratios as if independent. A family shares
    its name and its home, so a sibling agrees on both: counting both in full made brothers
    and sisters one person. P(name, home) = P(name) * P(home | name) removes the double
    count: a home level read "given the family names agree" has its m and u divided by the
    chance that the family names agree among matches and among non-matches.
    """
    values = {c.name: [list(p) for p in (parameters or {}).get(c.name, [])] for c in COMPARISONS}
    for comparison in COMPARISONS:
        if not values[comparison.name]:
            values[comparison.name] = [[level.m, level.u] for level in comparison.levels]
    family = dict(
        zip(
            (lv.label for lv in _comparison("family_name").levels),
            values["family_name"],
            strict=True,
        )
    )
    m_agree = min(max(sum(family[label][0] for label in FAMILY_AGREEMENT_LEVELS), 1e-6), 1 - 1e-6)
    u_agree = min(max(sum(family[label][1] for label in FAMILY_AGREEMENT_LEVELS), 1e-9), 1 - 1e-6)
    home = _comparison("home")
    for index, level in enumerate(home.levels):
        if level.given_family is None:
            continue
        m, u = values["home"][index]
        m_share = m_agree if level.given_family else 1 - m_agree
        u_share = u_agree if level.given_family else 1 - u_agree
        values["home"][index] = [min(m / m_share, 1.0), min(u / u_share, 1.0)]
    return values


def _comparison(name: str) -> Comparison:
    return next(c for c in COMPARISONS if c.name == name)


def comparison_creators(parameters: dict[str, list[list[float]]] | None = None) -> list[Any]:
    """Splink comparison creators, with `parameters` ([m, u] per non-null level) or priors."""
    effective = effective_parameters(parameters)
    creators = []
    for comparison in COMPARISONS:
        levels = [comparison.null().configure(is_null_level=True)]
        for index, level in enumerate(comparison.levels):
            m, u = effective[comparison.name][index]
            levels.append(
                level.make().configure(
                    label_for_charts=level.label, m_probability=m, u_probability=u
                )
            )
        creators.append(
            cl.CustomComparison(
                comparison_levels=levels,
                output_column_name=comparison.name,
                comparison_description=comparison.description,
            )
        )
    return creators


def probability_two_random_records_match(expected_matches: float, records: int) -> float:
    """Splink's prior for a data set of `records` rows."""
    if records < 2:
        return 0.5
    return min(max(expected_matches / (records - 1), 1e-12), 0.5)


def settings_creator(
    parameters: dict[str, list[list[float]]] | None,
    expected_matches: float,
    records: int,
    *,
    explain: bool = False,
) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparison_creators(parameters),
        blocking_rules_to_generate_predictions=[{"blocking_rule": r} for r in BLOCKING_RULES],
        probability_two_random_records_match=probability_two_random_records_match(
            expected_matches, records
        ),
        retain_matching_columns=explain,
        retain_intermediate_calculation_columns=explain,
        additional_columns_to_retain=[],
        max_iterations=50,
        # Small m (a level seen in a few per cent of matches) moves by less than 0.001 per
        # iteration long before it has converged: a coarser test stopped EM early.
        em_convergence=0.0001,
    )


def spec_digest() -> str:
    """Digest of what the comparisons and blocking rules do (not their parameters): a model
    trained with other comparisons cannot be applied to these."""
    settings = settings_creator(None, 1.0, 1000).create_settings_dict("duckdb")
    spec = {
        "comparisons": [
            {
                "name": c["output_column_name"],
                "levels": [
                    [level["sql_condition"], level.get("label_for_charts")]
                    for level in c["comparison_levels"]
                ],
            }
            for c in settings["comparisons"]
        ],
        "blocking": [
            b["blocking_rule"] for b in settings["blocking_rules_to_generate_predictions"]
        ],
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def prior_parameters() -> dict[str, list[list[float]]]:
    return {c.name: [[level.m, level.u] for level in c.levels] for c in COMPARISONS}


@dataclass
class LinkageModel:
    """A model that can be saved, diffed, reloaded and applied on any backend."""

    parameters: dict[str, list[list[float]]] = field(default_factory=prior_parameters)
    expected_matches_per_record: float = 1.0
    link_threshold: float = DEFAULT_LINK_THRESHOLD
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD
    trained_on_records: int = 0  # 0: the priors, never trained
    training: dict[str, Any] = field(default_factory=dict)
    version: int = 0  # assigned when saved
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    spec: str = field(default_factory=spec_digest)

    def settings(self, records: int, *, explain: bool = False) -> SettingsCreator:
        return settings_creator(
            self.parameters, self.expected_matches_per_record, records, explain=explain
        )

    def level_labels(self) -> dict[str, list[str]]:
        return {c.name: [level.label for level in c.levels] for c in COMPARISONS}

    def as_dict(self) -> dict[str, Any]:
        document = asdict(self)
        document["format"] = MODEL_FORMAT
        document["levels"] = self.level_labels()
        # The same model in Splink's own form (DuckDB dialect), for Splink's tools.
        document["splink_settings"] = self.settings(
            max(self.trained_on_records, 2)
        ).create_settings_dict("duckdb")
        return document

    @classmethod
    def from_dict(cls, document: dict[str, Any]) -> "LinkageModel":
        if document.get("format") != MODEL_FORMAT:
            raise ValueError(f"unknown model format {document.get('format')!r}")
        model = cls(
            parameters={
                k: [list(map(float, p)) for p in v] for k, v in document["parameters"].items()
            },
            expected_matches_per_record=float(document["expected_matches_per_record"]),
            link_threshold=float(document["link_threshold"]),
            review_threshold=float(document["review_threshold"]),
            trained_on_records=int(document["trained_on_records"]),
            training=dict(document.get("training", {})),
            version=int(document["version"]),
            created_at=str(document["created_at"]),
            spec=str(document["spec"]),
        )
        if model.spec in COMPATIBLE_SPECS:
            model.spec = spec_digest()
        if model.spec != spec_digest():
            raise ValueError(
                f"model v{model.version} was trained with other comparisons or blocking rules "
                "than this version of caselink uses; train a new model"
            )
        expected = {c.name: len(c.levels) for c in COMPARISONS}
        found = {k: len(v) for k, v in model.parameters.items()}
        if found != expected:
            raise ValueError(
                f"model v{model.version} has parameters for {found}, expected {expected}"
            )
        return model


def model_files(models_dir: Path) -> list[tuple[int, Path]]:
    if not models_dir.is_dir():
        return []
    found = []
    for path in models_dir.iterdir():
        match = FILE_PATTERN.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found)


def save_model(model: LinkageModel, models_dir: Path) -> Path:
    """Write the model as the next version in `models_dir`; earlier versions are kept."""
    models_dir.mkdir(parents=True, exist_ok=True)
    existing = model_files(models_dir)
    model.version = (existing[-1][0] if existing else 0) + 1
    path = models_dir / f"linkage-model-v{model.version:04d}.json"
    temporary = path.with_suffix(".json.partial")
    temporary.write_text(json.dumps(model.as_dict(), indent=2, sort_keys=True) + "\n")
    temporary.replace(path)  # a reader never sees half a model
    return path


def load_model(path: Path) -> LinkageModel:
    """A model file, or the newest version in a models directory."""
    if path.is_dir():
        files = model_files(path)
        if not files:
            raise FileNotFoundError(f"no linkage-model-v*.json in {path}")
        path = files[-1][1]
    return LinkageModel.from_dict(json.loads(path.read_text()))


def describe_levels(names: Sequence[str] | None = None) -> list[str]:
    """One line per comparison level, for the docs and `--help`."""
    lines = []
    for comparison in COMPARISONS:
        if names and comparison.name not in names:
            continue
        labels = "; ".join(level.label for level in comparison.levels)
        lines.append(f"{comparison.name}: {labels}")
    return lines
