"""Working days (Monday to Friday, not a bank holiday) and calendar months: the units the
Victims' Code and the Right to Review scheme set their clocks in.

A clock runs out at the end of its last day, UK time is approximated by UTC (at most an hour
early in summer, never late)."""

import calendar
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta


def is_working_day(day: date, bank_holidays: Collection[date]) -> bool:
    return day.weekday() < 5 and day not in bank_holidays


def add_working_days(start: date, days: int, bank_holidays: Collection[date]) -> date:
    """The `days`-th working day after `start` (`start` itself never counts). Zero days: the
    same day if it is a working day, else the next working day."""
    day = start
    if days == 0:
        while not is_working_day(day, bank_holidays):
            day += timedelta(days=1)
        return day
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, bank_holidays):
            counted += 1
    return day


def add_months(start: date, months: int) -> date:
    """The same day `months` later; the month's last day when it is shorter (31 Jan + 1 month
    is 28 or 29 February)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def end_of(day: date) -> datetime:
    """The moment a clock whose last day is `day` runs out."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


def last_day(deadline: datetime) -> date:
    """The last day of a clock that runs out at `deadline` (the inverse of `end_of`); a
    naive datetime (SQLite hands them back) is UTC."""
    moment = deadline if deadline.tzinfo else deadline.replace(tzinfo=UTC)
    return (moment.astimezone(UTC) - timedelta(microseconds=1)).date()


def due_on(deadline: datetime) -> str:
    """The day a clock's work is due, as everyone is told it: the survivor's page, the
    officer's queue and request page, and the mail all say this (the deadline itself is the
    midnight after it, which would read as the next day)."""
    return spoken(last_day(deadline))


def spoken(day: date) -> str:
    """`3 March 2026`: how GOV.UK writes dates."""
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"
