"""Date arithmetic the domain needs in more than one place."""

from datetime import date


def age_on(born: date, day: date) -> int:
    """Whole years from `born` to `day`: a birthday not yet reached that year does not count."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
