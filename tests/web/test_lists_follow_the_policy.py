"""Nothing about a young person reaches a list that their page would refuse (SECURITY.md 27).

The case an outside test found: a care leaver of 19 who turned off her nurse's access still appeared on that
nurse's caseload ("4 gaps", "1 correction to answer", her pack due date), and a leaving-pack batch made before
she turned it off still handed her PDF to the nurse. Here she is looked for on every list, search, filter,
report and batch download, before and after she says no, and with no answer at all.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from sqlalchemy import select

from passport import clock
from passport.extensions import db
from passport.models import Passport, PdfBatch
from passport.worker import render_leaving_packs
from tests import factories
from tests.conftest import csrf_token
from tests.html_checks import page_text

NAME = "Wren Calloway"


@pytest.fixture
def care_leaver(world):
    """19, with an account, on the nurse's and the adviser's caseload, with a correction waiting, who said
    yes to both before her birthday."""
    young = factories.create_user(role=factories.Role.YOUNG_PERSON, organisation=world.organisation)
    passport = factories.create_passport(
        organisation=world.organisation,
        team=world.team,
        legal_name=NAME,
        age=19,
        nhs_number="9990000042",
        young_person=young,
        nurse=world.nurse,
        adviser=world.adviser,
    )
    allergy = factories.create_item("allergy", passport=passport, by=world.nurse, substance="Latex")
    factories.create_correction(passport=passport, item=allergy, by=young)
    return passport


def say(passport: Passport, *, nurse: bool | None, adviser: bool | None = True) -> None:
    row = db.session.get(Passport, passport.id)
    row.nurse_access_after_18 = nurse
    row.adviser_access_after_18 = adviser
    db.session.commit()


def text_of(client, url: str, **params) -> str:
    response = client.get(url, query_string=params)
    assert response.status_code == 200, url
    return page_text(response.get_data(as_text=True))


NURSE_LISTS = (
    ("/staff/caseload", {}),
    ("/staff/caseload", {"text": "Calloway"}),
    ("/staff/caseload", {"text": "999 000 0042"}),
    ("/staff/caseload", {"age_band": "18_and_over"}),
    ("/staff/caseload", {"readiness": "gaps"}),
    ("/staff/caseload", {"care_status": "in_care"}),
    ("/staff/caseload", {"sort": "name"}),
    ("/staff/corrections", {}),
    ("/staff/leaving-packs", {}),
)


@pytest.mark.parametrize("answer", [True, False, None], ids=["said yes", "said no", "never answered"])
def test_the_nurse_sees_her_on_every_list_only_while_she_says_yes(client, world, care_leaver, answer):
    say(care_leaver, nurse=answer)
    client.sign_in_as(world.nurse)
    for url, params in NURSE_LISTS:
        if url == "/staff/leaving-packs":
            continue  # counts only: see the batch tests below
        shown = NAME in text_of(client, url, **params)
        assert shown is bool(answer), (url, params)
    assert (client.get(f"/staff/passports/{care_leaver.id}").status_code == 200) is bool(answer)


def test_the_caseload_count_and_the_batch_page_leave_her_out(client, world, care_leaver):
    client.sign_in_as(world.nurse)
    before = text_of(client, "/staff/leaving-packs")
    say(care_leaver, nurse=False)
    after = text_of(client, "/staff/leaving-packs")
    assert "3 young people are on your caseload." in before
    assert "2 young people are on your caseload." in after


def test_the_adviser_keeps_her_readiness_but_not_her_passport_without_a_yes(client, world, care_leaver):
    say(care_leaver, nurse=False, adviser=None)
    client.sign_in_as(world.adviser)
    dashboard = text_of(client, "/adviser/")
    assert NAME in dashboard  # what is missing, to 25
    page = text_of(client, f"/adviser/young-people/{care_leaver.id}")
    assert "Still missing before they leave care" in page or "Ready" in page
    assert "999 000 0042" not in page and "Latex" not in page  # never the content


def test_a_batch_made_before_she_said_no_leaves_her_file_out_and_says_so(app, client, world, care_leaver):
    client.sign_in_as(world.nurse)
    response = client.post(
        "/staff/leaving-packs", data={"csrf_token": csrf_token(client), "cohort": "everyone"}
    )
    assert response.status_code == 302
    result = app.test_cli_runner().invoke(render_leaving_packs, ["--once", "--processes", "1"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    batch = db.session.scalar(select(PdfBatch))

    def download() -> zipfile.ZipFile:
        reply = client.post(
            f"/staff/leaving-packs/{batch.id}/download", data={"csrf_token": csrf_token(client)}
        )
        assert reply.status_code == 200
        return zipfile.ZipFile(io.BytesIO(reply.data))

    assert any("Calloway" in name for name in download().namelist())
    say(care_leaver, nurse=False)
    archive = download()
    assert not any("Calloway" in name for name in archive.namelist())
    assert b"Wren" not in b"".join(archive.read(name) for name in archive.namelist())
    assert "1 leaving pack was left out" in archive.read("left-out.txt").decode()
    page = text_of(client, f"/staff/leaving-packs/{batch.id}")
    assert "1 PDF made will not be in the download" in page


def test_a_batch_asked_for_after_she_said_no_never_includes_her(app, client, world, care_leaver):
    say(care_leaver, nurse=False)
    client.sign_in_as(world.nurse)
    client.post("/staff/leaving-packs", data={"csrf_token": csrf_token(client), "cohort": "everyone"})
    batch = db.session.scalar(select(PdfBatch))
    assert batch.total == 2  # the team's passports: Robin and Morgan


def test_reports_count_her_only_while_she_lets_her_nurse_see_it(client, world, care_leaver):
    client.sign_in_as(world.admin)
    before = client.get("/admin/reports.csv").get_data(as_text=True)
    say(care_leaver, nurse=False)
    after = client.get("/admin/reports.csv").get_data(as_text=True)

    def adults(report: str) -> str:
        """The size of the "18 and over" age band: one adult shows as suppressed, none as 0."""
        rows = csv.DictReader(io.StringIO(report.lstrip("\ufeff")))
        return next(row["size"] for row in rows if row["group"] == "18 and over")

    assert adults(before).startswith("fewer than 5")  # one adult counted, too few to show
    assert adults(after) == "0"
    assert "Who is counted" in text_of(client, "/admin/reports")


def test_the_overdue_actions_list_follows_the_same_rule(client, world, care_leaver):
    factories.create_health_action(
        passport=care_leaver, by=world.nurse, due_in_days=-3, what="Collect the new inhaler"
    )
    client.sign_in_as(world.nurse)
    assert "Collect the new inhaler" in text_of(client, "/staff/overdue-actions")
    say(care_leaver, nurse=False)
    assert "Collect the new inhaler" not in text_of(client, "/staff/overdue-actions")


def test_a_15_year_old_is_not_on_the_advisers_list_and_their_page_is_refused(client, world):
    younger = factories.create_passport(
        organisation=world.organisation,
        team=world.team,
        legal_name="Rowan Fifteen",
        age=15,
        nhs_number=None,
        adviser=world.adviser,
    )
    client.sign_in_as(world.adviser)
    assert "Rowan Fifteen" not in text_of(client, "/adviser/")
    assert client.get(f"/adviser/young-people/{younger.id}").status_code == 403
    assert clock.age_on(younger.date_of_birth, clock.today()) == 15


def test_a_nurse_who_may_only_see_a_passport_is_not_told_of_its_corrections(client, world):
    """An out-of-area nurse with a "see" grant has the young person on their caseload, but answering a
    correction is for those who curate the passport: no count, no next step about it (the list asks for the
    counts of the passports the viewer curates only)."""
    client.sign_in_as(world.other_nurse)
    caseload = text_of(client, "/staff/caseload")
    assert "Robin Fairweather" in caseload
    for said in ("correction to answer", "corrections to answer", "Answer a correction request"):
        assert said not in caseload
    client.sign_in_as(world.nurse)  # the same correction, to the nurse who curates the passport
    assert "1 correction to answer" in text_of(client, "/staff/caseload")
