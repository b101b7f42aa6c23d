"""The designated nurse's reports say something at any size (issue 16, 7): what staff read with 0, 3 and
12 young people counted. Hidden numbers are named in words ("fewer than 5 young people"), an average
SDQ score needs 5 scores, a section with nothing to show is a sentence, and no heading is said twice."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from passport import clock
from passport.extensions import db
from passport.models import AssessmentKind, SdqScore
from tests import factories
from tests.conftest import csrf_token
from tests.html_checks import main_text

HEADINGS = re.compile(r"<(h[1-6]|caption)\b[^>]*>(.*?)</\1>", re.S)


def headings(html: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", "", text).split()) for _tag, text in HEADINGS.findall(html)]


def report_page(client) -> tuple[str, str]:
    response = client.get("/admin/reports")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html, main_text(html)


def csv_rows(client) -> list[list[str]]:
    return list(csv.reader(io.StringIO(client.get("/admin/reports.csv").get_data(as_text=True))))


def say_nothing_misleading(html: str, text: str) -> None:
    """What every report page keeps: who is counted, no heading twice, no bare "fewer than 5" that could be
    read as a score, no average without 5 scores."""
    assert "Who is counted" in text
    found = headings(html)
    assert len(found) == len(set(found)), found
    assert not re.search(r"fewer than 5(?! (young people|of \d+ young people))", text), text
    assert "Mean SDQ" not in text


def add_young_people(world, count: int, *, age: int = 17, team=None, **values) -> list:
    return [
        factories.create_passport(
            organisation=world.organisation,
            team=team or world.team,
            legal_name=f"Counted {age} {n}",
            age=age,
            nhs_number=None,
            **values,
        )
        for n in range(count)
    ]


def give_sdq_scores(passports, world, total: int = 14) -> None:
    for passport in passports:
        db.session.add(
            SdqScore(
                passport_id=passport.id, scored_on=clock.today(), total=total, recorded_by_id=world.nurse.id
            )
        )
    db.session.commit()


class TestNoYoungPeople:
    def test_a_sentence_instead_of_empty_tables_and_charts(self, client, world):
        client.sign_in_as(world.other_nurse)  # Southvale holds no passports (it may see Robin's by a grant)
        html, text = report_page(client)
        say_nothing_misleading(html, text)
        assert "No young people are counted yet, so there are no figures to show." in text
        assert "<table" not in html and "<svg" not in html
        assert "fewer than 5" not in text

    def test_the_csv_still_has_its_rows(self, client, world):
        client.sign_in_as(world.other_admin)
        rows = csv_rows(client)
        assert rows[1][:3] == ["everyone", "Everyone", "0"]


class TestThreeYoungPeople:
    """The test organisation as it is: 3 young people, the size of a pilot."""

    def test_one_sentence_says_why_nothing_is_shown_and_when_it_will_be(self, client, world):
        client.sign_in_as(world.nurse)
        html, text = report_page(client)
        say_nothing_misleading(html, text)
        assert "Fewer than 5 young people are counted, so no figures are shown yet." in text
        assert "They will show here once 5 or more young people are counted." in text
        assert "<table" not in html and "<svg" not in html
        assert "By team" not in text and "Average SDQ score" not in text

    def test_the_csv_says_what_was_hidden_in_words(self, client, world):
        client.sign_in_as(world.admin)
        everyone = csv_rows(client)[1]
        assert everyone[:3] == ["everyone", "Everyone", "fewer than 5 young people"]
        assert everyone[3] == "fewer than 5 young people"  # registered with a GP
        assert everyone[-1] == "Not enough scores yet"


class TestTwelveYoungPeople:
    @pytest.fixture
    def twelve(self, world):
        """Robin, Jesse and Morgan, and 9 more: 5 under 16 and 4 aged 17, all in North; Jesse alone in
        South. 8 have a GP; 6 have an SDQ score."""
        younger = add_young_people(world, 5, age=15)
        older = add_young_people(world, 4, age=17)
        for passport in [*younger, *older[:3]]:
            factories.create_item("registration", passport=passport, by=world.nurse, service="gp", name="GP")
        give_sdq_scores([*younger, older[0]], world)
        return younger, older

    def test_figures_show_and_hidden_ones_say_what_they_hide(self, client, world, twelve):
        client.sign_in_as(world.nurse)
        html, text = report_page(client)
        say_nothing_misleading(html, text)
        assert "Young people counted 12" in text
        assert "67% (8/12)" in text  # registered with a GP
        # Under 16s: 5 of 5 have a GP; the 16 and 17s: 3 of 7, hidden as a count under 5.
        assert "fewer than 5 of 7 young people" in text
        assert "No one to count" in text  # leaving pack by 18: nobody is 18 yet
        # Jesse is South's only young person: the row says so once, not in every column.
        assert text.count("Fewer than 5 young people in this group, so no figures are shown.") == 1
        assert "No young people in this group." in text  # nobody is 18 or over
        assert "Average SDQ score 14.0, from the latest scores of 6 young people" in text

    def test_an_average_needs_5_scores(self, client, world):
        younger = add_young_people(world, 9, age=15)
        give_sdq_scores(younger[:4], world)
        client.sign_in_as(world.nurse)
        _html, text = report_page(client)
        assert "There are not enough SDQ scores yet to show an average." in text
        assert "An average is shown only when 5 or more young people have a score" in text
        assert "Not enough scores yet" in text  # the groups' column says the same
        give_sdq_scores(younger[4:5], world, total=9)
        _html, text = report_page(client)
        assert "There are not enough SDQ scores yet" not in text
        assert "13.0, from the latest scores of 5 young people" in text

    def test_bars_are_drawn_beside_words_never_instead_of_them(self, client, world, twelve):
        client.sign_in_as(world.nurse)
        html, _text = report_page(client)
        bars = re.findall(r'<svg class="app-bar"[^>]*>', html)
        assert bars and all('aria-hidden="true"' in bar for bar in bars)
        assert 'width="67"' in html  # 8 of 12, under "67% (8/12)"
        assert "Blue:" not in html and "Green:" not in html  # no legend by colour
        css = client.get("/static/app.css").get_data(as_text=True)
        assert '[dir="rtl"] .app-bar { transform: scaleX(-1); }' in css

    def test_the_csv_uses_the_same_words(self, client, world, twelve):
        client.sign_in_as(world.admin)
        rows = {(row[0], row[1]): row for row in csv_rows(client)[1:]}
        assert rows[("everyone", "Everyone")][2:4] == ["12", "8/12"]
        assert rows[("age band", "16 and 17")][3] == "fewer than 5 of 7 young people"
        assert rows[("team", "South")][2] == "fewer than 5 young people"
        assert rows[("everyone", "Everyone")][-1] == "14.0"

    def test_in_arabic_the_hidden_numbers_are_in_arabic(self, client, world, twelve):
        client.sign_in_as(world.nurse)
        client.post("/language", data={"locale": "ar", "csrf_token": csrf_token(client)})
        html, text = report_page(client)
        assert 'dir="rtl"' in html
        assert "fewer than 5" not in text and "Fewer than 5" not in text


class TestAssessmentsDue:
    def assessed(self, passports, world, due_in_days: int) -> None:
        for passport in passports:
            factories.create_item(
                "assessment",
                passport=passport,
                by=world.nurse,
                kind=AssessmentKind.REVIEW,
                assessed_on=clock.today() - timedelta(days=30),
                next_due_on=clock.today() + timedelta(days=due_in_days),
            )

    def test_months_each_under_5_are_one_sentence_with_the_years_total(self, client, world):
        people = add_young_people(world, 9)
        self.assessed(people[:3], world, 40)
        self.assessed(people[3:6], world, 100)
        client.sign_in_as(world.nurse)
        html, text = report_page(client)
        assert (
            "6 health assessments are due in the next 12 months. Each month has fewer than 5, so the months "
            "are not shown." in text
        )
        assert 'aria-labelledby="due"' not in html
        self.assessed(people[6:7], world, 100)  # now a month of 4 and a month of 3: the total would tell
        _html, text = report_page(client)
        assert "7 health assessments are due" in text

    def test_fewer_than_5_in_the_whole_year_is_said_so(self, client, world):
        people = add_young_people(world, 9)
        self.assessed(people[:2], world, 40)
        client.sign_in_as(world.nurse)
        _html, text = report_page(client)
        assert (
            "Fewer than 5 health assessments are due in the next 12 months, so the months are not shown."
            in text
        )

    def test_a_month_of_5_or_more_shows_with_the_others_in_words(self, client, world):
        people = add_young_people(world, 9)
        self.assessed(people[:6], world, 100)
        self.assessed(people[6:8], world, 0)
        client.sign_in_as(world.nurse)
        html, text = report_page(client)
        assert 'aria-labelledby="due"' in html
        assert "Assessments that are overdue count in this month." in text
        month = (clock.today() + timedelta(days=100)).replace(day=1)
        assert re.search(rf"{month:%B %Y} 6\b", text)
        assert re.search(rf"{clock.today():%B %Y} fewer than 5 young people", text)
