"""Sensitivity labels (mental health, sexual health) as a truth table over the one policy: who sees a
labelled item, in which output, for each choice the young person made. Labelled items are hidden from the
adviser unless the young person shared that label, and left out of every PDF, share link and FHIR record
unless the young person picked it for that one."""

from __future__ import annotations

import pytest

from passport.models.items import Sensitivity
from passport.policy import Output, Selection, visibility
from tests.policy.test_policy_truth_table import TODAY, VIEWERS, _passport

MENTAL, SEXUAL = Sensitivity.MENTAL_HEALTH, Sensitivity.SEXUAL_HEALTH
BOTH = frozenset({MENTAL, SEXUAL})
NONE = frozenset()
PICKED_NOTHING = Selection()
PICKED_MENTAL = Selection(labels=frozenset({MENTAL}))
PICKED_BOTH = Selection(labels=BOTH)

TABLE = [
    # (viewer, output, shared with adviser, selection, labels shown)
    ("owner", Output.PAGE, (), None, BOTH),  # their own record, all of it
    ("owner", Output.DATA_EXPORT, (), None, BOTH),  # their copy of everything held
    ("assigned_nurse", Output.PAGE, (), None, BOTH),  # the care team's nurse curates it
    ("team_nurse", Output.PAGE, (), None, BOTH),
    ("assigned_adviser", Output.PAGE, (), None, NONE),  # hidden from the adviser...
    ("assigned_adviser", Output.PAGE, ("mental_health",), None, frozenset({MENTAL})),  # ...unless shared
    ("assigned_adviser", Output.PAGE, ("sexual_health",), None, frozenset({SEXUAL})),
    ("assigned_adviser", Output.PAGE, ("mental_health", "sexual_health"), None, BOTH),
    ("other_team_nurse", Output.PAGE, (), None, NONE),  # no link, nothing
    ("other_org_nurse", Output.PAGE, (), None, NONE),
    ("admin", Output.PAGE, (), None, NONE),
    ("other_young_person", Output.PAGE, (), None, NONE),
    ("owner", Output.PDF, (), PICKED_NOTHING, NONE),  # every export: out unless picked
    ("owner", Output.PDF, (), PICKED_MENTAL, frozenset({MENTAL})),
    ("owner", Output.PDF, (), PICKED_BOTH, BOTH),
    ("owner", Output.SHARE_LINK, (), PICKED_NOTHING, NONE),
    ("owner", Output.SHARE_LINK, (), PICKED_MENTAL, frozenset({MENTAL})),
    ("owner", Output.FHIR, (), PICKED_NOTHING, NONE),
    ("owner", Output.FHIR, (), PICKED_BOTH, BOTH),
    ("owner", Output.PDF, (), None, NONE),  # no selection at all counts as nothing picked
    # A selection narrows, never widens: an adviser's PDF cannot hold a label they were not shared.
    ("assigned_adviser", Output.PDF, (), PICKED_BOTH, NONE),
    ("assigned_adviser", Output.PDF, ("mental_health",), PICKED_BOTH, frozenset({MENTAL})),
]


@pytest.mark.parametrize(
    ("viewer", "output", "shared", "selection", "expected"),
    TABLE,
    ids=[f"{v}-{o.value}-shared={'+'.join(s) or 'none'}-{i}" for i, (v, o, s, _sel, _e) in enumerate(TABLE)],
)
def test_labels_shown(viewer, output, shared, selection, expected):
    passport = _passport(17)
    passport.shared_with_adviser = list(shared)
    shown = visibility(VIEWERS[viewer], passport, TODAY, output, selection)
    assert shown.labels == expected
    for label in Sensitivity:
        assert shown.shows_item(label) == (label in expected)


def test_every_label_is_in_the_table():
    assert {label for *_rest, expected in TABLE for label in expected} == set(Sensitivity)
