"""Time-based one-time codes (RFC 6238) as the second factor, with the QR code for
enrolment drawn here (SVG) rather than by any outside service."""

import time

import pyotp
import segno

ISSUER = "caselink"
STEP = 30


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG markup (no script, no external request)."""
    return str(segno.make(uri, error="m").svg_inline(scale=5, dark="#0b0c0c", light="#ffffff"))


def matching_step(
    secret: str, code: str, last_step: int | None, at: float | None = None
) -> int | None:
    """The time step `code` belongs to (allowing one step of clock drift), or None. A step at
    or before `last_step` is refused, so a code seen over someone's shoulder cannot be
    replayed."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now_step = int((time.time() if at is None else at) // STEP)
    for step in (now_step, now_step - 1, now_step + 1):
        if last_step is not None and step <= last_step:
            continue
        if totp.at(step * STEP) == code:
            return step
    return None
