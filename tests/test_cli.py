"""The flask commands a newcomer and an operator use."""

from __future__ import annotations

from sqlalchemy import func, select

from passport import clock
from passport.cli import DEMO_PASSWORD
from passport.extensions import db
from passport.models import Organisation, Passport, Role, User
from passport.services import accounts
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
