"""The consent dimension of the policy, as a truth table: who sees which part of the birth history, in
which output, for each state of consent and of the young person's choice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from passport.models import BirthParentConsent, BirthPart
from passport.policy import Output, birth_history_parts
from tests.policy.test_policy_truth_table import TODAY, VIEWERS, _passport

BIRTH, FAMILY = BirthPart.BIRTH_DETAILS, BirthPart.FAMILY_HEALTH
BOTH = frozenset({BIRTH, FAMILY})
NONE = frozenset()


def consent(covers=(BIRTH, FAMILY), may_see=True, pdf=False, share=False, fhir=False, withdrawn=False):
    return BirthParentConsent(
        covers=[str(c) for c in covers],
        young_person_may_see=may_see,
        may_include_in_pdf=pdf,
        may_include_in_share_links=share,
        may_include_in_fhir=fhir,
        withdrawn_on=TODAY if withdrawn else None,
    )


def passport_with(consents, opened=True, in_pdf=True, in_shares=True):
    passport = _passport(17)
    passport.birth_parent_consents = list(consents)
    passport.birth_history_opened_at = datetime(2026, 1, 1, tzinfo=UTC) if opened else None
    passport.birth_history_in_pdf = in_pdf
    passport.birth_history_in_share_links = in_shares
    return passport


FULL = consent(pdf=True, share=True, fhir=True)

TABLE = [
    # (viewer, output, consents, young person's choices, expected parts)
    ("owner", Output.PAGE, [], {}, NONE),
    ("owner", Output.PAGE, [FULL], {}, BOTH),
    ("owner", Output.PAGE, [FULL], {"opened": False}, NONE),  # not until they choose to look
    ("owner", Output.PAGE, [consent(withdrawn=True)], {}, NONE),
    ("owner", Output.PAGE, [consent(may_see=False)], {}, NONE),
    ("owner", Output.PAGE, [consent(covers=(FAMILY,))], {}, frozenset({FAMILY})),
    (
        "owner",
        Output.PAGE,
        [consent(covers=(FAMILY,)), consent(covers=(BIRTH,), withdrawn=True)],
        {},
        frozenset({FAMILY}),
    ),
    ("owner", Output.PDF, [consent()], {}, NONE),  # the consent does not cover PDFs
    ("owner", Output.PDF, [FULL], {}, BOTH),
    ("owner", Output.PDF, [FULL], {"in_pdf": False}, NONE),  # covered, but they chose not to
    ("owner", Output.FHIR, [consent(pdf=True)], {}, NONE),
    ("owner", Output.FHIR, [FULL], {}, BOTH),
    ("owner", Output.SHARE_LINK, [consent(share=True)], {}, BOTH),
    ("owner", Output.SHARE_LINK, [consent(share=True)], {"in_shares": False}, NONE),
    ("owner", Output.SHARE_LINK, [consent(share=True, withdrawn=True)], {}, NONE),
    # A share link's files as a SMART Health Link are FHIR leaving for any app: both consents are needed.
    ("owner", Output.SHARE_LINK_FHIR, [FULL], {}, BOTH),
    ("owner", Output.SHARE_LINK_FHIR, [consent(share=True)], {}, NONE),
    ("owner", Output.SHARE_LINK_FHIR, [consent(fhir=True)], {}, NONE),
    ("owner", Output.SHARE_LINK_FHIR, [consent(share=True), consent(fhir=True)], {}, NONE),  # not one consent
    ("owner", Output.SHARE_LINK_FHIR, [FULL], {"in_shares": False}, NONE),
    ("owner", Output.SHARE_LINK_FHIR, [FULL], {"opened": False}, NONE),
    ("owner", Output.SHARE_LINK_FHIR, [consent(share=True, fhir=True, withdrawn=True)], {}, NONE),
    ("assigned_nurse", Output.SHARE_LINK_FHIR, [FULL], {}, NONE),
    ("owner", Output.DATA_EXPORT, [FULL], {}, BOTH),
    ("owner", Output.DATA_EXPORT, [FULL], {"opened": False}, NONE),
    ("owner", Output.DATA_EXPORT, [consent()], {}, NONE),  # the consent allows no exports
    ("owner", Output.DATA_EXPORT, [consent(pdf=True)], {}, BOTH),  # a file they keep, like their PDF
    ("owner", Output.DATA_EXPORT, [consent(pdf=True, withdrawn=True)], {}, NONE),
    ("owner", Output.CURATION, [FULL], {}, NONE),
    ("assigned_nurse", Output.CURATION, [], {}, BOTH),  # curates it, with or without consent
    ("assigned_nurse", Output.PAGE, [FULL], {}, NONE),  # but sees it nowhere else
    ("assigned_nurse", Output.PDF, [FULL], {}, NONE),
    ("team_nurse", Output.CURATION, [], {}, BOTH),
    ("other_team_nurse", Output.CURATION, [FULL], {}, NONE),
    ("other_org_nurse", Output.CURATION, [FULL], {}, NONE),
    ("assigned_adviser", Output.PAGE, [FULL], {}, NONE),
    ("assigned_adviser", Output.CURATION, [FULL], {}, NONE),
    ("admin", Output.PAGE, [FULL], {}, NONE),
    ("other_young_person", Output.PAGE, [FULL], {}, NONE),
]


@pytest.mark.parametrize(
    ("viewer", "output", "consents", "choices", "expected"),
    TABLE,
    ids=[f"{v}-{o}-{len(c)}consents-{ch}->{sorted(e)}" for v, o, c, ch, e in TABLE],
)
def test_birth_history_parts(viewer, output, consents, choices, expected):
    passport = passport_with(consents, **choices)
    assert birth_history_parts(VIEWERS[viewer], passport, TODAY, output) == expected


def test_the_nurse_loses_curation_at_18_without_the_young_persons_grant():
    passport = passport_with([FULL])
    passport.date_of_birth = TODAY.replace(year=TODAY.year - 19)
    passport.nurse_access_after_18 = False
    assert birth_history_parts(VIEWERS["assigned_nurse"], passport, TODAY, Output.CURATION) == NONE
