"""The flask commands a newcomer and an operator use."""

from __future__ import annotations

from sqlalchemy import func, select

from passport import clock, create_app
from passport.cli import DEMO_PASSWORD, DEMO_TOTP_SECRETS
from passport.extensions import db
from passport.models import AuditEvent, LoginSession, Organisation, Passport, Role, User
from passport.services import accounts, health_cards, two_factor
from passport.validation import nhs_number_is_valid


def test_seed_demo_adds_invented_people_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "nurse@example.org" in first.output and "young.person@example.org" in first.output
    counts = (
        db.session.scalar(select(func.count()).select_from(User)),
        db.session.scalar(select(func.count()).select_from(Passport)),
    )
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "already there" in second.output
    assert counts == (
        db.session.scalar(select(func.count()).select_from(User)),
        db.session.scalar(select(func.count()).select_from(Passport)),
    )


def test_seed_demo_has_young_people_aged_15_17_and_19_with_valid_nhs_numbers(app):
    app.test_cli_runner().invoke(args=["seed-demo"])
    today = clock.today()
    passports = db.session.scalars(select(Passport)).all()
    ages = sorted(clock.age_on(p.date_of_birth, today) for p in passports)
    assert {15, 17, 19} <= set(ages)
    assert all(nhs_number_is_valid(p.current_nhs_number) for p in passports)
    # The printed sign-ins work.
    for email in ("nurse@example.org", "young.person@example.org", "care.leaver@example.org"):
        assert accounts.authenticate(email, DEMO_PASSWORD) is not None


def test_users_create_makes_a_staff_account(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["organisations", "create", "Eastmoor Health", "--team", "East"]).exit_code == 0
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "First.Admin@Example.org",
            "--name",
            "First Admin",
            "--role",
            "admin",
            "--organisation",
            "Eastmoor Health",
            "--password",
            "a long admin password",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "first.admin@example.org"))
    assert user.role == Role.ADMIN
    assert user.organisation_id == db.session.scalar(
        select(Organisation.id).where(Organisation.name == "Eastmoor Health")
    )


def test_users_create_explains_a_bad_password_or_organisation(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["organisations", "create", "Eastmoor Health"])
    base = ["users", "create", "--email", "a@example.org", "--name", "A", "--role", "nurse"]
    weak = runner.invoke(args=[*base, "--organisation", "Eastmoor Health", "--password", "short"])
    assert weak.exit_code != 0 and "at least 8 characters" in weak.output
    missing = runner.invoke(args=[*base, "--organisation", "Nowhere", "--password", "a long password here"])
    assert missing.exit_code != 0 and "No organisation called 'Nowhere'" in missing.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_seed_demo_sets_up_the_demo_staffs_authenticator_apps_and_prints_the_keys(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    for email, secret in DEMO_TOTP_SECRETS.items():
        user = accounts.find_user_by_email(email)
        assert user.totp_secret == secret and user.totp_confirmed_at is not None
        assert two_factor.secret_for_typing(secret) in result.output
    assert "demo-code" in result.output


def test_demo_code_prints_a_code_the_second_step_accepts(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])
    result = runner.invoke(args=["demo-code", "Nurse@Example.org"])
    assert result.exit_code == 0, result.output
    code = result.output.strip()
    nurse = accounts.find_user_by_email("nurse@example.org")
    accounts.start_session(nurse)
    two_factor.check_security_code(nurse, code)
    assert accounts.current_login_session(nurse).second_factor_at is not None
    # That code is used now; the command gives the next one, which also works.
    again = runner.invoke(args=["demo-code", "nurse@example.org"]).output.strip()
    assert again != code
    accounts.start_session(nurse)
    two_factor.check_security_code(nurse, again)


def test_demo_code_is_only_for_demo_staff(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])
    for email in ("young.person@example.org", "nobody@example.org"):
        result = runner.invoke(args=["demo-code", email])
        assert result.exit_code != 0 and "not a demo member of staff" in result.output


def test_demo_code_refuses_to_run_in_production(tmp_path):
    production = create_app(
        "production",
        SECRET_KEY="a-production-secret-key-that-is-long-enough-0123456789",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        ALLOW_SQLITE_IN_PRODUCTION=True,
        SHC_ISSUER="https://passport.example.org",
    )
    with production.app_context():  # the suite's own test app is current otherwise
        result = production.test_cli_runner().invoke(args=["demo-code", "nurse@example.org"])
    assert result.exit_code != 0
    assert "development only" in result.output


def test_users_reset_two_factor_lets_an_only_admin_set_up_their_app_again(app):
    """An organisation with one admin, who lost their phone and recovery codes: the operator clears the app,
    with a reason in the audit log, and every session of theirs ends."""
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])
    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    accounts.start_session(admin)
    assert two_factor.is_set_up(admin)

    refused = runner.invoke(args=["users", "reset-two-factor", "admin@example.org", "--reason", "  "])
    assert refused.exit_code != 0 and "Say why" in refused.output
    result = runner.invoke(
        args=["users", "reset-two-factor", "Admin@Example.org", "--reason", "only admin, lost phone"]
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    admin = db.session.get(User, admin.id)
    assert not two_factor.is_set_up(admin)
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(LoginSession)
            .where(LoginSession.user_id == admin.id, LoginSession.revoked_at.is_(None))
        )
        == 0
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "two_factor_reset"))
    assert event.actor_id is None and event.organisation_id == admin.organisation_id
    assert event.details["reason"] == "only admin, lost phone" and event.details["by"] == "operator"

    young = runner.invoke(args=["users", "reset-two-factor", "young.person@example.org", "--reason", "x"])
    assert young.exit_code != 0 and "do not use an authenticator app" in young.output
    unknown = runner.invoke(args=["users", "reset-two-factor", "nobody@example.org", "--reason", "x"])
    assert unknown.exit_code != 0 and "No account" in unknown.output


def test_new_signing_key_makes_the_first_key_and_rotates_it(app, client):
    """Offline cards need the organisation's key: the command makes it, and run again it rotates it, with
    the old key still published so cards already made still check out."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["organisations", "create", "Eastmoor Health"]).exit_code == 0
    first = runner.invoke(args=["organisations", "new-signing-key", "Eastmoor Health"])
    assert first.exit_code == 0, first.output
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == "Eastmoor Health"))
    (key,) = health_cards.organisation_keys(organisation)
    assert key.kid in first.output and key.retired_at is None

    second = runner.invoke(args=["organisations", "new-signing-key", "Eastmoor Health"])
    assert second.exit_code == 0 and "1 older key(s) stay published" in second.output
    db.session.expire_all()
    newest, oldest = health_cards.organisation_keys(organisation)
    assert oldest.kid == key.kid and oldest.retired_at is not None and newest.retired_at is None
    assert health_cards.active_key(organisation.id).kid == newest.kid
    published = {k["kid"] for k in client.get("/.well-known/jwks.json").get_json()["keys"]}
    assert {newest.kid, oldest.kid} <= published
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.event_type == "signing_key_created"))
    assert {e.details["kid"] for e in events} == {newest.kid, oldest.kid}


def test_new_signing_key_names_an_unknown_organisation(app):
    result = app.test_cli_runner().invoke(args=["organisations", "new-signing-key", "Nowhere Health"])
    assert result.exit_code != 0 and "No organisation called 'Nowhere Health'" in result.output


def test_seed_demo_gives_the_demo_organisation_a_key_for_offline_cards(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])
    runner.invoke(args=["seed-demo"])
    (organisation,) = db.session.scalars(select(Organisation)).all()
    assert len(health_cards.organisation_keys(organisation)) == 1  # made once, not on every run
