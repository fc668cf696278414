"""The intake state machine, without Telegram or a database."""

from __future__ import annotations

import pytest

from bot.domain import intake
from bot.domain.intake import ContactMode, Draft, Evidence, IntakeError, Step

KEYS = {"drugs", "theft"}
COMMUNE_PATH = ["17", "1710", "171001"]


def filled() -> Draft:
    draft = intake.choose_category(Draft(), "drugs", KEYS)
    draft = intake.choose_place(draft, "171001", COMMUNE_PATH)
    draft = intake.add_description(draft, "Someone sells drugs next to the school every evening.")
    draft = intake.finish_description(draft)
    draft = intake.finish_evidence(draft)
    return intake.set_contact(draft, ContactMode.ANONYMOUS)


def test_walks_through_every_step_to_the_review():
    draft = Draft()
    assert draft.step == Step.CATEGORY
    draft = intake.choose_category(draft, "drugs", KEYS)
    assert draft.step == Step.PROVINCE
    draft = intake.choose_place(draft, "17", ["17"])
    assert (draft.step, draft.province) == (Step.DISTRICT, "17")
    draft = intake.choose_place(draft, "1710", ["17", "1710"])
    assert draft.step == Step.COMMUNE
    draft = intake.choose_place(draft, "171001", COMMUNE_PATH)
    assert draft.step == Step.DESCRIPTION and draft.commune == "171001"
    draft = intake.add_description(draft, "First part.")
    draft = intake.add_description(draft, "Second part, with more detail.")
    assert draft.description_text == "First part.\n\nSecond part, with more detail."
    draft = intake.finish_description(draft)
    assert draft.step == Step.EVIDENCE
    draft = intake.finish_evidence(draft)
    draft = intake.set_contact(draft, ContactMode.TYPED, "+85512345678")
    assert draft.step == Step.REVIEW and draft.missing() == []
    intake.ready_to_submit(draft)


def test_a_typed_commune_fills_all_levels_and_a_new_province_clears_them():
    draft = intake.choose_category(Draft(), "drugs", KEYS)
    draft = intake.choose_place(draft, "171001", COMMUNE_PATH)
    assert (draft.province, draft.district, draft.commune) == ("17", "1710", "171001")
    draft = intake.back(intake.back(draft))  # back to the commune, then the district level
    draft = intake.choose_place(draft, "02", ["02"])
    assert (draft.province, draft.district, draft.commune, draft.step) == ("02", None, None, Step.DISTRICT)


def test_back_walks_backwards_and_leaves_the_intake_on_the_first_step():
    draft = filled()
    steps = []
    while draft is not None:
        steps.append(draft.step)
        draft = intake.back(draft)
    assert steps == list(reversed(intake.ORDER))


def test_editing_from_the_review_returns_to_the_review():
    draft = intake.edit(filled(), Step.DESCRIPTION)
    assert draft.step == Step.DESCRIPTION and draft.editing
    draft = intake.add_description(draft, "More.")
    draft = intake.finish_description(draft)
    assert draft.step == Step.REVIEW and not draft.editing
    # Back while editing returns to the review too, nothing lost.
    draft = intake.back(intake.edit(draft, Step.CONTACT))
    assert draft.step == Step.REVIEW and draft.contact_mode == ContactMode.ANONYMOUS


def test_editing_the_place_cannot_leave_it_half_answered():
    draft = intake.edit(filled(), Step.PROVINCE)
    draft = intake.choose_place(draft, "02", ["02"])
    assert draft.step == Step.DISTRICT and draft.commune is None
    draft = intake.back(draft)
    assert draft.step == Step.PROVINCE  # not the review: the place is incomplete
    draft = intake.choose_place(draft, "171001", COMMUNE_PATH)
    assert draft.step == Step.REVIEW


def test_description_needs_letters_and_respects_the_limit():
    at_description = intake.choose_place(intake.choose_category(Draft(), "drugs", KEYS), "171001", COMMUNE_PATH)
    with pytest.raises(IntakeError) as error:
        intake.finish_description(intake.add_description(at_description, "😀😀😀 !!! 123"))
    assert error.value.reason == "description_too_short"
    long_text = "x" * intake.DESCRIPTION_MAX_CHARS
    full = intake.add_description(at_description, long_text)
    with pytest.raises(IntakeError) as error:
        intake.add_description(full, "one more")
    assert error.value.reason == "description_too_long" and error.value.details["left"] == 0
    assert intake.fit_description(full, "one more") == ("", len("one more"))


def test_a_long_message_is_kept_as_far_as_it_fits_cut_at_a_word():
    at_description = intake.choose_place(intake.choose_category(Draft(), "drugs", KEYS), "171001", COMMUNE_PATH)
    nearly = intake.add_description(at_description, "x" * (intake.DESCRIPTION_MAX_CHARS - 52))
    kept, cut = intake.fit_description(nearly, "first second third fourth fifth sixth seventh eighth")  # 50 of room
    assert (kept, cut) == ("first second third fourth fifth sixth seventh", len(" eighth"))
    assert len(intake.add_description(nearly, kept).description_text) <= intake.DESCRIPTION_MAX_CHARS
    almost_full = intake.add_description(at_description, "x" * (intake.DESCRIPTION_MAX_CHARS - 30))
    assert intake.fit_description(almost_full, "a few more words") == ("a few more words", 0)  # it fits
    assert intake.fit_description(almost_full, "a few more words " * 3) == ("", len("a few more words " * 3) - 1)


def test_evidence_limit_and_duplicates():
    draft = Draft()
    for i in range(intake.EVIDENCE_MAX):
        draft = intake.add_evidence(draft, Evidence("photo", f"f{i}", f"u{i}", i))
    assert intake.add_evidence(draft, Evidence("photo", "f0", "u0", 99)) is draft  # same file again
    with pytest.raises(IntakeError) as error:
        intake.add_evidence(draft, Evidence("photo", "new", "new", 100))
    assert error.value.reason == "evidence_full"


def test_stale_inputs_are_refused():
    with pytest.raises(IntakeError) as error:
        intake.choose_category(filled(), "drugs", KEYS)
    assert error.value.reason == "stale"
    with pytest.raises(IntakeError):
        intake.choose_category(Draft(), "not_a_category", KEYS)
    with pytest.raises(IntakeError):
        intake.ready_to_submit(Draft())


def test_json_round_trip_keeps_everything():
    draft = intake.set_location(filled(), 13.36, 103.86)
    draft = intake.add_evidence(draft, Evidence("voice", "fid", "uid", 7, caption="<b>& ហ", file_name=None))
    assert Draft.from_json(draft.to_json()) == draft
