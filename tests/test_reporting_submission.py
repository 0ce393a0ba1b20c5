"""What a reporter sends is checked field by field, in words they can act on."""

import pytest

from caselink.reporting.submission import Rejected
from tests.support.reporting import checked


def problems(**changes: object) -> dict[str, str]:
    with pytest.raises(Rejected) as rejected:
        checked(**changes)
    return rejected.value.problems


def test_a_complete_report_is_accepted_and_cleaned() -> None:
    report = checked()
    assert report.child.postcode == "NO1 2AB"
    assert report.suspects[0].vehicle == "AB12 CDE"
    assert report.child_age() == 14
    assert len(report.digest()) == 64


def test_missing_required_fields_are_each_named() -> None:
    found = problems(reporter_role="", what_happened="  ", trigger=None, immediate_danger="")
    assert found["reporter_role"] == "Select your role"
    assert found["what_happened"] == "Enter what you know or saw"
    assert found["trigger"] == "Select how you know about the abuse"
    assert "immediate danger" in found["immediate_danger"]


def test_dates_in_the_future_are_refused() -> None:
    found = problems(learned_on="2027-01-01", child__date_of_birth="2030-01-01")
    assert found["learned_on"] == "The date you found out must be today or in the past"
    assert "today or in the past" in found["child.date_of_birth"]


def test_a_date_of_birth_that_makes_the_child_40_is_refused() -> None:
    found = problems(child__date_of_birth="1986-11-01")
    assert "makes the child 40" in found["child.date_of_birth"]


def test_not_a_date_says_what_a_date_looks_like() -> None:
    assert "real date" in problems(learned_on="31/02/2026")["learned_on"]


def test_oversized_text_is_refused_with_its_length() -> None:
    found = problems(what_happened="x" * 10_001)
    assert found["what_happened"] == (
        "What you know or saw must be 10,000 characters or fewer (it is 10,001)"
    )


def test_control_characters_are_refused_but_html_is_kept_as_text() -> None:
    assert "not text" in problems(what_happened="hello\x00world")["what_happened"]
    report = checked(what_happened="<script>alert(1)</script> she said")
    assert report.what_happened.startswith("<script>")  # escaped when shown, never run


def test_a_child_must_be_named_or_described() -> None:
    found = problems(child={"postcode": "NO1 2AB"})
    assert "describe them" in found["child.given_name"]
    assert checked(child={"description": "Girl of about 12 in a red coat"}).child.description


def test_bad_postcode_phone_and_age_name_their_fields() -> None:
    found = problems(
        child__postcode="not a postcode", suspects__0__phone="call me", child__age="17a"
    )
    assert "postcode" in found["child.postcode"]
    assert "phone number" in found["suspects.0.phone"]
    assert "whole number" in found["child.age"]


def test_a_late_report_must_say_why() -> None:
    found = problems(learned_on="2026-11-10")
    assert "more than a day ago" in found["delay_kind"]
    assert found["delay_reason"] == "Explain why the report was not made sooner"
    late = checked(
        learned_on="2026-11-20",
        delay_kind="child_at_risk",
        delay_reason="The suspect lives with the child; a safe place was arranged first.",
    )
    assert late.delay_kind == "child_at_risk"


def test_the_exemption_never_applies_under_13() -> None:
    found = problems(child__date_of_birth="2014-06-01", exemption={"claimed": "yes"})
    assert "never applies to a child under 13" in found["exemption.claimed"]


def test_the_exemption_does_not_apply_with_coercion_or_a_big_age_gap() -> None:
    claim = {
        "claimed": "yes",
        "other_age": "19",
        "consensual": "yes",
        "coercion": "yes",
        "significant_gap": "no",
        "reasoning": "They said they are in a relationship.",
    }
    message = problems(exemption=claim)["exemption.claimed"]
    assert "the other person is an adult" in message
    assert "coercion" in message
    assert "you must make the report" in message


def test_a_valid_exemption_is_recorded_with_its_reasoning() -> None:
    claim = {
        "claimed": "yes",
        "other_age": "15",
        "consensual": "yes",
        "coercion": "no",
        "significant_gap": "no",
        "reasoning": "Both 14 and 15, same class, no pressure, no gap in maturity.",
    }
    report = checked(exemption=claim)
    assert report.exemption is not None
    assert report.exemption.reasoning.startswith("Both 14")


def test_wrong_types_from_the_api_are_problems_not_crashes() -> None:
    found = problems(child=["not", "an", "object"], suspects="Carl", what_happened=42)
    assert "what_happened" in found
    assert "suspects" in found


def test_the_childs_nhs_number_is_checked_on_entry() -> None:
    assert checked(child__nhs_number="943 476 5919").child.nhs_number == "9434765919"
    assert problems(child__nhs_number="943 476 5918") == {
        "child.nhs_number": "The child's NHS number 943 476 5918 fails its check digit: "
        "check it was copied correctly"
    }
    assert problems(child__nhs_number="12345") == {
        "child.nhs_number": "The child's NHS number must be 10 digits, like 943 476 5919"
    }
    # A report without one has exactly the content, and so the digest, it had before.
    assert "nhs_number" not in checked().canonical()["child"]
    assert "nhs_number" in checked(child__nhs_number="9434765919").canonical()["child"]
