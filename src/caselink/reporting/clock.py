"""Time, the one way: aware UTC datetimes (SQLite hands back naive ones; they are UTC)."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def describe(delta_seconds: float) -> str:
    """`3 h 20 min`, `2 days 4 h`, `45 min` — for clocks on the inbox."""
    minutes = int(abs(delta_seconds) // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''} {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"
