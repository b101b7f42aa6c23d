"""Birth history behind a birth parent's consent. The leak test puts a unique marker in every field and
fetches every page of every role: without an active consent covering it, no marker appears anywhere."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from passport.extensions import db
from passport.models import AuditEvent, BirthHistory, BirthParentConsent, Passport
from tests import factories
from tests.conftest import csrf_token, seen_version
from tests.html_checks import page_text
from tests.web.test_route_permissions import MATRIX, PERSONAS

MARKERS = {
    "place_of_birth": "MARKER-PLACE-7Q2",
    "condition_at_birth": "MARKER-CONDITION-7Q2",
    "neonatal_care": "MARKER-NEONATAL-7Q2",
    "feeding": "MARKER-FEEDING-7Q2",
    "health_in_pregnancy": "MARKER-PREGNANCY-7Q2",
    "substance_exposure": "MARKER-SUBSTANCE-7Q2",
    "early_development": "MARKER-DEVELOPMENT-7Q2",
    "family_health_history": "MARKER-FAMILY-7Q2",
    "notes": "MARKER-NOTES-7Q2",
}
WEIGHT = 2963  # shown as "2,963 grams": a number no other page shows


def write_birth_history(passport, nurse):
    record = BirthHistory(
        passport_id=passport.id,
        birth_weight_grams=WEIGHT,
        gestation_weeks=38,
        delivery="caesarean",
        updated_by_id=nurse.id,
        **MARKERS,
    )
    db.session.add(record)
    db.session.commit()
    return record


def leaks(html: str) -> set[str]:
    found = {marker for marker in MARKERS.values() if marker in html}
    # The weight as it is shown ("2,963 grams"). A bare "2963" could turn up by chance inside a random
    # token or UUID on any page, so it is not looked for.
    if "2,963" in html or "2963 grams" in html:
        found.add("weight")
    return found


def every_page(client, world) -> dict[tuple[str, str], str]:
    """Every GET page in the route matrix, as every persona: {(persona, url): html}."""
    urls = [
        template.format(**vars(world))
        for (method, _rule), (template, _e) in MATRIX.items()
        if method == "GET"
    ]
    pages = {}
    # Each persona signs in once and reads every page (signing in for each page was 40 % of the time).
    for persona in PERSONAS:
        if persona == "anonymous":
            client.get("/")  # a fresh start: nobody signed in
            with client.session_transaction() as session:
                session.clear()
        else:
            client.sign_in_as(getattr(world, persona))
        for url in urls:
            # Photos and files come back as bytes: read as text too, so a marker in them would show.
            pages[(persona, url)] = client.get(url).get_data().decode("utf-8", errors="replace")
        with client.session_transaction() as session:  # no page signed them out part way through
            assert (persona == "anonymous") != bool(session.get("_user_id")), persona
    return pages


def open_as_young_person(client, world, *, pdf=True, shares=True):
    client.sign_in_as(world.young_person)
    version = seen_version(client, "/my-passport/birth", "/my-passport/birth/open")
    client.post("/my-passport/birth/open", data={"csrf_token": csrf_token(client), "version": version})
    if 'action="/my-passport/birth/choices"' not in client.get("/my-passport/birth").get_data(as_text=True):
        return  # the consent lets it reach no PDF or link: there is nothing to choose
    version = seen_version(client, "/my-passport/birth", "/my-passport/birth/choices")
    data = {"csrf_token": csrf_token(client), "version": version}
    if pdf:
        data["in_pdf"] = "y"
    if shares:
        data["in_share_links"] = "y"
    client.post("/my-passport/birth/choices", data=data)


ALLOWED_WITH_CONSENT = {
    ("young_person", "/my-passport/birth"),
}


def curation_url(world) -> str:
    return f"/staff/passports/{world.passport.id}/birth-history"


class TestLeaks:
    def test_without_any_consent_nothing_leaks_except_the_nurses_curation_screen(self, client, world):
        write_birth_history(world.passport, world.nurse)
        pages = every_page(client, world)
        leaked = {key: leaks(html) for key, html in pages.items() if leaks(html)}
        assert set(leaked) == {("nurse", curation_url(world))}
        curation = page_text(pages[("nurse", curation_url(world))])
        assert "Not visible to the young person" in curation and "No consent recorded" in curation

    def test_a_withdrawn_consent_closes_everything_at_once(self, client, world):
        write_birth_history(world.passport, world.nurse)
        consent = factories.create_consent(
            passport=world.passport, by=world.nurse, pdf=True, share_links=True
        )
        open_as_young_person(client, world)
        assert leaks(client.get("/my-passport/birth").get_data(as_text=True))  # visible while consented
        consent = db.session.get(BirthParentConsent, consent.id)
        client.sign_in_as(world.nurse)
        response = client.post(
            f"/staff/passports/{world.passport.id}/birth-history/consents/{consent.id}/withdraw",
            data={
                "csrf_token": csrf_token(client),
                "withdrawn_on-day": str(date.today().day),
                "withdrawn_on-month": str(date.today().month),
                "withdrawn_on-year": str(date.today().year),
                "reason": "The birth mother asked for it to stop",
            },
        )
        assert response.status_code == 302
        pages = every_page(client, world)
        leaked = {key for key, html in pages.items() if leaks(html)}
        assert leaked == {("nurse", curation_url(world))}
        client.sign_in_as(world.young_person)
        assert "There is no information about your birth" in client.get("/my-passport/birth").get_data(
            as_text=True
        )

    def test_with_consent_and_the_young_persons_choice_it_shows_exactly_where_allowed(self, client, world):
        write_birth_history(world.passport, world.nurse)
        factories.create_consent(
            passport=world.passport, by=world.nurse, pdf=True, share_links=True, fhir=True
        )
        open_as_young_person(client, world)
        pages = every_page(client, world)
        leaked = {key for key, html in pages.items() if leaks(html)}
        assert leaked == ALLOWED_WITH_CONSENT | {("nurse", curation_url(world))}
        assert leaks(pages[("young_person", "/my-passport/birth")]) == set(MARKERS.values()) | {"weight"}

    def test_a_consent_for_family_history_only_shows_only_that(self, client, world):
        write_birth_history(world.passport, world.nurse)
        factories.create_consent(
            passport=world.passport, by=world.nurse, covers=("family_health",), given_by="birth_father"
        )
        open_as_young_person(client, world)
        found = leaks(client.get("/my-passport/birth").get_data(as_text=True))
        assert found == {MARKERS["family_health_history"]}

    def test_the_audit_log_never_holds_birth_history(self, client, world):
        write_birth_history(world.passport, world.nurse)
        client.sign_in_as(world.nurse)
        client.post(
            curation_url(world),
            data={
                "csrf_token": csrf_token(client),
                "version": "1",
                "place_of_birth": "MARKER-PLACE-CHANGED",
                **{k: v for k, v in MARKERS.items() if k != "place_of_birth"},
            },
        )
        details = " ".join(str(e.details) for e in db.session.scalars(select(AuditEvent)))
        assert "MARKER" not in details


class TestTheYoungPersonsChoice:
    def test_with_consent_they_are_asked_before_they_see_it(self, client, world):
        write_birth_history(world.passport, world.nurse)
        factories.create_consent(passport=world.passport, by=world.nurse)
        client.sign_in_as(world.young_person)
        overview = page_text(client.get("/my-passport/").get_data(as_text=True))
        assert "There is some information about your birth" in overview
        page = client.get("/my-passport/birth").get_data(as_text=True)
        assert "Do you want to see it now?" in page and "with your nurse or personal adviser" in page
        assert not leaks(page)
        version = seen_version(client, "/my-passport/birth", "/my-passport/birth/open")
        client.post("/my-passport/birth/open", data={"csrf_token": csrf_token(client), "version": version})
        assert leaks(client.get("/my-passport/birth").get_data(as_text=True))
        version = seen_version(client, "/my-passport/birth", "/my-passport/birth/close")
        client.post("/my-passport/birth/close", data={"csrf_token": csrf_token(client), "version": version})
        assert not leaks(client.get("/my-passport/birth").get_data(as_text=True))

    def test_every_view_is_audited(self, client, world):
        write_birth_history(world.passport, world.nurse)
        factories.create_consent(passport=world.passport, by=world.nurse)
        open_as_young_person(client, world)
        client.get("/my-passport/birth")
        client.sign_in_as(world.nurse)
        client.get(curation_url(world))
        views = db.session.scalars(
            select(AuditEvent).where(AuditEvent.event_type == "birth_history_viewed")
        ).all()
        assert {(e.actor_id, e.details["where"]) for e in views} >= {
            (world.young_person.id, "young_person_page"),
            (world.nurse.id, "curation"),
        }

    def test_no_record_and_no_consent_read_the_same(self, client, world):
        client.sign_in_as(world.young_person)
        without_record = page_text(client.get("/my-passport/birth").get_data(as_text=True))
        write_birth_history(world.passport, world.nurse)
        with_record = page_text(client.get("/my-passport/birth").get_data(as_text=True))
        assert without_record == with_record


class TestConsentRecords:
    def consent_form(self, **overrides):
        today = date.today()
        data = {
            "given_by": "birth_mother",
            "given_by_name": "",
            "given_on-day": str(today.day),
            "given_on-month": str(today.month),
            "given_on-year": str(today.year),
            "covers": ["birth_details"],
            "young_person_may_see": "y",
            "evidence": "CoramBAAF Consent Form ref INVENTED-12",
        }
        data.update(overrides)
        return data

    def test_the_nurse_records_a_consent_and_it_shows_as_not_recorded_name(self, client, world):
        client.sign_in_as(world.nurse)
        response = client.post(
            f"/staff/passports/{world.passport.id}/birth-history/consents/new",
            data={"csrf_token": csrf_token(client), **self.consent_form()},
        )
        assert response.status_code == 302
        text = page_text(client.get(curation_url(world)).get_data(as_text=True))
        assert "Birth mother (name not recorded)" in text and "INVENTED-12" in text

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"covers": []}, "covers", "Choose what the consent covers"),
            ({"evidence": ""}, "evidence", "Enter the evidence"),
            ({"given_by": ""}, "given_by", "Choose who gave consent"),
            ({"given_on-year": str(date.today().year + 1)}, "given_on", "must be today or in the past"),
        ],
    )
    def test_bad_consent_input_is_explained_and_nothing_saved(self, client, world, overrides, field, message):
        client.sign_in_as(world.nurse)
        before = len(db.session.scalars(select(BirthParentConsent)).all())
        response = client.post(
            f"/staff/passports/{world.passport.id}/birth-history/consents/new",
            data={"csrf_token": csrf_token(client), **self.consent_form(**overrides)},
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert f'id="{field}-error"' in html and message in html
        assert len(db.session.scalars(select(BirthParentConsent)).all()) == before

    def test_consents_are_withdrawn_not_deleted_and_the_history_stays(self, client, world):
        consent = factories.create_consent(
            passport=world.passport, by=world.nurse, given_on=date.today() - timedelta(days=30)
        )
        client.sign_in_as(world.nurse)
        url = f"/staff/passports/{world.passport.id}/birth-history/consents/{consent.id}/withdraw"
        missing_reason = client.post(
            url,
            data={
                "csrf_token": csrf_token(client),
                "withdrawn_on-day": "1",
                "withdrawn_on-month": "1",
                "withdrawn_on-year": "2000",
                "reason": "",
            },
        )
        html = missing_reason.get_data(as_text=True)
        assert "Enter why consent was withdrawn" in html
        assert db.session.get(BirthParentConsent, consent.id).withdrawn_on is None
        today = date.today()
        client.post(
            url,
            data={
                "csrf_token": csrf_token(client),
                "withdrawn_on-day": str(today.day),
                "withdrawn_on-month": str(today.month),
                "withdrawn_on-year": str(today.year),
                "reason": "Changed their mind",
            },
        )
        withdrawn = db.session.get(BirthParentConsent, consent.id)
        assert withdrawn is not None and withdrawn.withdrawn_on == today
        text = page_text(client.get(curation_url(world)).get_data(as_text=True))
        assert "Withdrawn" in text and "Changed their mind" in text
        assert client.get(url).status_code == 200  # the page opens, but a second withdrawal is refused
        again = client.post(
            url,
            data={
                "csrf_token": csrf_token(client),
                "withdrawn_on-day": str(today.day),
                "withdrawn_on-month": str(today.month),
                "withdrawn_on-year": str(today.year),
                "reason": "again",
            },
        )
        assert "already been withdrawn" in again.get_data(as_text=True)

    def test_the_code_cannot_delete_a_consent_even_by_mistake(self, world):
        """No page offers deletion, and the models refuse it too: a row at a time or in bulk."""
        from sqlalchemy import delete

        from passport.models.birth import ConsentsAreNeverDeleted

        consent = db.session.get(BirthParentConsent, world.consent.id)
        db.session.delete(consent)
        with pytest.raises(ConsentsAreNeverDeleted):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(ConsentsAreNeverDeleted):
            db.session.execute(delete(BirthParentConsent).where(BirthParentConsent.id == world.consent.id))
        db.session.rollback()
        assert db.session.get(BirthParentConsent, world.consent.id) is not None

    def test_birth_weight_out_of_range_is_refused(self, client, world):
        client.sign_in_as(world.nurse)
        response = client.post(
            curation_url(world),
            data={"csrf_token": csrf_token(client), "version": "0", "birth_weight_grams": "99"},
        )
        html = response.get_data(as_text=True)
        assert 'id="birth_weight_grams-error"' in html
        assert db.session.get(Passport, world.passport.id).birth_history is None


class TestANewConsentAsksAgain:
    """After a withdrawal, a later consent does not show itself (issue #15): the young person's opened state
    and choices were cleared, so they are asked again; a share link includes birth history only if it did
    when it was made and it is still allowed — never one made while nothing allowed it."""

    def withdraw(self, client, world, consent_id):
        client.sign_in_as(world.nurse)
        today = date.today()
        response = client.post(
            f"/staff/passports/{world.passport.id}/birth-history/consents/{consent_id}/withdraw",
            data={
                "csrf_token": csrf_token(client),
                "withdrawn_on-day": str(today.day),
                "withdrawn_on-month": str(today.month),
                "withdrawn_on-year": str(today.year),
                "reason": "The birth mother asked for it to stop",
            },
        )
        assert response.status_code == 302

    def make_link(self, client, world, *, birth_history: bool):
        from passport.services import sharing

        young = db.session.get(type(world.young_person), world.young_person.id)
        passport = db.session.get(Passport, world.passport.id)
        created = sharing.create(
            young,
            passport,
            label="New GP",
            sections=["about_me"],
            labels=[],
            include_birth_history=birth_history,
            expires_on=date.today() + timedelta(days=10),
            passcode=None,
        )
        return created.token, created.link.id

    def shared_page(self, client, token):
        client.get("/")
        with client.session_transaction() as session:
            session.clear()
        return client.get(f"/s/{token}").get_data(as_text=True)

    def test_a_later_consent_is_offered_afresh_and_old_links_never_widen(self, client, world):
        from passport.models import ShareLink

        write_birth_history(world.passport, world.nurse)
        # A link asked for with birth history while no consent allowed it: made without it.
        no_consent_token, no_consent_link = self.make_link(client, world, birth_history=True)
        assert db.session.get(ShareLink, no_consent_link).include_birth_history is False

        first = factories.create_consent(passport=world.passport, by=world.nurse, pdf=True, share_links=True)
        open_as_young_person(client, world)
        with_token, with_link = self.make_link(client, world, birth_history=True)
        assert leaks(self.shared_page(client, with_token))  # allowed, chosen, made with it

        self.withdraw(client, world, first.id)
        passport = db.session.get(Passport, world.passport.id)
        assert passport.birth_history_opened_at is None
        assert (passport.birth_history_in_pdf, passport.birth_history_in_share_links) == (False, False)
        assert db.session.get(ShareLink, with_link).include_birth_history is False

        # A new consent, as wide as the first: nothing the young person chose before carries over.
        factories.create_consent(passport=world.passport, by=world.nurse, pdf=True, share_links=True)
        client.sign_in_as(world.young_person)
        page = client.get("/my-passport/birth").get_data(as_text=True)
        assert not leaks(page)  # offered, not shown: they choose again
        for token in (no_consent_token, with_token):
            assert not leaks(self.shared_page(client, token))
        pdf_page = every_page(client, world)
        assert {key for key, html in pdf_page.items() if leaks(html)} == {("nurse", curation_url(world))}

        # Once they open it again, their own page shows it; the old links still do not.
        open_as_young_person(client, world)
        assert leaks(client.get("/my-passport/birth").get_data(as_text=True))
        for token in (no_consent_token, with_token):
            assert not leaks(self.shared_page(client, token))
