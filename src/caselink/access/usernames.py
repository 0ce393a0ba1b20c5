"""The one spelling of a username: what is stored, looked up and throttled."""

import unicodedata


def normal_username(username: str) -> str:
    """NFKC (a no-break space becomes a space, full-width letters plain), trimmed and
    case-folded. Sign-in, the lockout count and account creation all go through here, so
    "supervisor\\u00a0", " Supervisor" and "supervisor\\t" are one account with one count of
    failures, not four."""
    return unicodedata.normalize("NFKC", username).strip().casefold()
