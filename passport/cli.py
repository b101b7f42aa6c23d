"""Flask commands: demo data, organisations and users. Migrations come from Flask-Migrate (`flask db …`)."""

from __future__ import annotations

from datetime import date, timedelta

import click
from flask import Flask, current_app
from sqlalchemy import select

from passport import clock
from passport.extensions import db
from passport.models import (
    Allergy,
    AllergySeverity,
    AssessmentKind,
    Assignment,
    AssignmentRole,
    BirthHistory,
    BirthParentConsent,
    CareStatus,
    Condition,
    Contact,
    ContactRole,
    HealthAssessment,
    ImmunisationDose,
    Medication,
    NhsNumberRecord,
    Organisation,
    Passport,
    Registration,
    RegistrationService,
    Role,
    Source,
    Team,
    User,
)
from passport.services import ServiceError, accounts, health_cards, two_factor

DEMO_ORGANISATION = "Northbridge Children in Care Health Team"
# Invented demo accounts; the password is printed on purpose by seed-demo.
DEMO_PASSWORD = "demo passport 2026"  # noqa: S105  # nosec B105
# Invented authenticator-app keys for the demo staff, printed by seed-demo on purpose. `flask demo-code EMAIL`
# prints the current code for one, and only for these keys.
DEMO_TOTP_SECRETS = {
    "nurse@example.org": "DEMONURSETOTPKEYFORHEALTHPASSPT2",
    "adviser@example.org": "DEMOADVISERTOTPKEYFORHEALTHPASS3",
    "admin@example.org": "DEMOADMINTOTPKEYFORHEALTHPASSPT4",
}

# Invented people. NHS numbers pass the Modulus 11 check but belong to nobody we know of; they are built
# from the 999 prefix range the NHS reserves for testing.
DEMO_STAFF = (
    ("nurse@example.org", "Nia Okafor", Role.NURSE),
    ("adviser@example.org", "Tom Reyes", Role.ADVISER),
    ("admin@example.org", "Priya Shah", Role.ADMIN),
)
DEMO_YOUNG_PEOPLE = (
    # email (None: no account yet), legal name, preferred name, age in years, extra days, NHS number
    (None, "Jordan Ellis", None, 15, 40, "9990000018"),
    (None, "Samira Haddad", "Sami", 16, 100, "9990000026"),
    ("young.person@example.org", "Kai Morgan", None, 17, 200, "9990000034"),
    ("care.leaver@example.org", "Ruth Bekele", None, 19, 75, "9990000042"),
)


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(demo_code)
    app.cli.add_command(users)
    app.cli.add_command(organisations)
    from passport.backup import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    from passport.worker import render_leaving_packs

    app.cli.add_command(render_leaving_packs)
    from passport.reminder_commands import send_reminders

    app.cli.add_command(send_reminders)


def _born(age: int, extra_days: int, today: date) -> date:
    """A date of birth that makes someone `age` years and `extra_days` (< 365) days old today."""
    return clock.birthday(today, -age) - timedelta(days=extra_days)


@click.command("seed-demo")
def seed_demo() -> None:
    """Add the invented demo organisation, staff and young people (safe to run again)."""
    existing = db.session.scalar(select(Organisation).where(Organisation.name == DEMO_ORGANISATION))
    if existing is None:
        _create_demo()
        click.echo("Demo data added.")
    else:
        click.echo("Demo data is already there.")
    _set_up_demo_authenticator_apps()
    from passport.reminder_commands import set_up_demo_messages

    set_up_demo_messages()
    demo = db.session.scalar(select(Organisation).where(Organisation.name == DEMO_ORGANISATION))
    if health_cards.active_key(demo.id) is None:  # so the demo can make signed offline cards
        health_cards.new_signing_key(demo)
    click.echo(f"\nSign in at /sign-in with any of these (password: {DEMO_PASSWORD!r}):")
    for email, name, role in DEMO_STAFF:
        click.echo(f"  {role.value:<13} {email:<28} {name}")
    for email, name, _preferred, age, _days, _nhs in DEMO_YOUNG_PEOPLE:
        if email:
            click.echo(f"  {'young person':<13} {email:<28} {name}, {age}")
    click.echo(
        "\nKai gets reminders by text and email, and the nurse and adviser a weekly email. With no Notify"
        "\nkeys nothing is sent: run flask --app wsgi send-reminders, then sign in and open Messages."
    )
    click.echo(
        "\nStaff then give a security code from an authenticator app. Add the key below to an app, or print"
        "\nthe current code with: flask --app wsgi demo-code EMAIL"
    )
    for email, _name, _role in DEMO_STAFF:
        click.echo(f"  {email:<28} key {two_factor.secret_for_typing(DEMO_TOTP_SECRETS[email])}")


def _set_up_demo_authenticator_apps() -> None:
    """Give the demo staff their invented keys (also in a demo database made before staff used apps)."""
    for email, secret in DEMO_TOTP_SECRETS.items():
        user = accounts.find_user_by_email(email)
        if user is not None and user.totp_confirmed_at is None:
            user.totp_secret = secret
            user.totp_confirmed_at = clock.now()
    db.session.commit()


@click.command("demo-code")
@click.argument("email")
def demo_code(email: str) -> None:
    """Print the current authenticator-app code for a demo member of staff (development only)."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException(
            "demo-code is for development only; it does not run when PASSPORT_ENV=production."
        )
    user = accounts.find_user_by_email(email)
    secret = DEMO_TOTP_SECRETS.get(user.email) if user is not None else None
    if secret is None or user.totp_secret != secret:
        raise click.ClickException(
            f"{email} is not a demo member of staff with the demo key. Run flask seed-demo."
        )
    # A code works once: if this step's code has been used, the next step's is accepted too.
    now_step = two_factor.current_step(secret)
    step = max(now_step, (user.totp_last_step or -1) + 1)
    if step > now_step + two_factor.DRIFT_STEPS:
        raise click.ClickException("The last two codes have been used. Wait 30 seconds and run this again.")
    click.echo(two_factor.code_for_step(secret, step))


def _create_demo() -> None:
    today = clock.today()
    organisation = Organisation(name=DEMO_ORGANISATION)
    north = Team(name="North team", organisation=organisation)
    south = Team(name="South team", organisation=organisation)
    db.session.add_all([organisation, north, south])
    db.session.flush()
    staff = {}
    for email, name, role in DEMO_STAFF:
        staff[role] = accounts.new_user(
            email=email,
            display_name=name,
            role=role,
            organisation=organisation,
            team=None if role is Role.ADMIN else north,
            password=DEMO_PASSWORD,
        )
    for email, legal, preferred, age, extra_days, nhs in DEMO_YOUNG_PEOPLE:
        passport = Passport(
            organisation_id=organisation.id,
            team_id=north.id,
            legal_name=legal,
            preferred_name=preferred,
            pronouns="they/them" if legal.startswith("Kai") else None,
            date_of_birth=_born(age, extra_days, today),
            languages="English, Arabic" if preferred == "Sami" else "English",
            interpreter_needed=False,
            care_status=CareStatus.LEFT_CARE if age >= 18 else CareStatus.IN_CARE,
            # Ruth (19) said yes to both before her 18th birthday; the younger ones have not been asked yet.
            nurse_access_after_18=True if age >= 18 else None,
            adviser_access_after_18=True if age >= 18 else None,
        )
        db.session.add(passport)
        db.session.flush()
        db.session.add(NhsNumberRecord(passport_id=passport.id, number=nhs, reason="first_recorded"))
        db.session.add(
            Assignment(passport_id=passport.id, staff_id=staff[Role.NURSE].id, role=AssignmentRole.NURSE)
        )
        if age >= 16:
            db.session.add(
                Assignment(
                    passport_id=passport.id,
                    staff_id=staff[Role.ADVISER].id,
                    role=AssignmentRole.ADVISER,
                )
            )
        _add_demo_items(passport, staff[Role.NURSE], today, age)
        if email:
            young_person = accounts.new_user(
                email=email,
                display_name=preferred or legal,
                role=Role.YOUNG_PERSON,
                organisation=organisation,
                password=DEMO_PASSWORD,
            )
            passport.young_person_id = young_person.id
            if age == 17:
                _add_demo_own_things(passport, young_person, today)
    _add_demo_local_help(organisation, staff[Role.ADMIN], today)
    db.session.commit()


# Invented services for the demo area's "Help near you". Phone numbers are in Ofcom's range for drama
# (01632 960xxx); websites are example.org.
DEMO_LOCAL_HELP = (
    (
        "sexual_health",
        "Northbridge Sexual Health Clinic",
        "Free condoms, tests for infections, contraception and advice. Under 25s can drop in.",
        "01632 960 101",
        "https://sexual-health.example.org",
        "Monday to Friday 9am to 6pm. Drop-in for under 25s Wednesday 3pm to 7pm.",
        13,
        None,
        "not_needed",
    ),
    (
        "sexual_health",
        "C-Card condom scheme",
        "Free condoms from chemists and youth centres, with a card you get after a short chat.",
        None,
        "https://ccard.example.org",
        None,
        13,
        24,
        "not_needed",
    ),
    (
        "mental_health",
        "Talking Space Northbridge",
        "Free talking therapy for anxiety, low mood and stress. You can refer yourself online.",
        "01632 960 202",
        "https://talking-space.example.org",
        "Monday to Friday 8am to 8pm",
        16,
        None,
        "not_needed",
    ),
    (
        "mental_health",
        "Young Minds Drop-in (invented)",
        "A youth worker to talk to, no appointment needed.",
        "01632 960 203",
        None,
        "Tuesdays and Thursdays 4pm to 7pm, Northbridge Youth Centre",
        11,
        25,
        "not_needed",
    ),
    (
        "dentist",
        "Northbridge Community Dental Service",
        "Dentist for people who find it hard to get one, including care leavers. Free for under 18s.",
        "01632 960 303",
        "https://dental.example.org",
        "Monday to Friday 8:30am to 5pm",
        None,
        None,
        "sometimes",
    ),
    (
        "drugs_and_alcohol",
        "Change Grow Live Northbridge (invented)",
        "Confidential help if you are worried about drugs or alcohol, yours or someone else's.",
        "01632 960 404",
        "https://cgl.example.org",
        "Monday to Saturday 9am to 5pm",
        11,
        25,
        "not_needed",
    ),
    (
        "money_and_housing",
        "Care Leavers' Money Advice",
        "Help with benefits, bills, debts and setting up your first home. For care leavers to 25.",
        "01632 960 505",
        None,
        "Monday to Friday 10am to 4pm",
        16,
        25,
        "not_needed",
    ),
    (
        "money_and_housing",
        "Northbridge Housing Options",
        "If you are homeless or might be soon: a place to stay and help to find a home.",
        "01632 960 506",
        "https://housing.example.org",
        "Monday to Friday 9am to 5pm. Out of hours: 01632 960 599",
        16,
        None,
        "not_needed",
    ),
    (
        "helplines",
        "Night Line for young people (invented)",
        "Someone to talk to, any time, about anything.",
        "0300 000 9990",
        None,
        "Every day, day and night",
        None,
        25,
        "not_needed",
    ),
)


def _add_demo_local_help(organisation: Organisation, admin: User, today: date) -> None:
    from passport.models import LocalService

    for number, (category, name, helps, phone, website, hours, low, high, referral) in enumerate(
        DEMO_LOCAL_HELP
    ):
        db.session.add(
            LocalService(
                organisation_id=organisation.id,
                category=category,
                name=name,
                helps_with=helps,
                phone=phone,
                website=website,
                opening_times=hours,
                min_age=low,
                max_age=high,
                referral=referral,
                # One not checked for 8 months, so the admin's "over 6 months" list has something in it.
                last_checked_on=today - timedelta(days=240 if number == 6 else 20 + number),
                updated_by_id=admin.id,
            )
        )


def _add_demo_own_things(passport: Passport, young_person: User, today: date) -> None:
    """Robin's own appointment and note, and a photo of an (invented) appointment letter."""
    import io
    from datetime import time

    from PIL import Image, ImageDraw

    from passport import uploads
    from passport.models import Appointment, Attachment, PrivateNote

    db.session.add(
        Appointment(
            passport_id=passport.id,
            what="Dentist check-up",
            place="Northbridge Community Dental Service",
            on_date=today + timedelta(days=6),
            at_time=time(10, 30),
        )
    )
    db.session.add(
        PrivateNote(
            passport_id=passport.id,
            title="Questions for the dentist",
            body="Ask about the tooth that hurts when I drink cold things.",
        )
    )
    letter = Image.new("RGB", (900, 1200), "white")
    draw = ImageDraw.Draw(letter)
    for row, text in enumerate(
        ("Northbridge Community Dental Service", "APPOINTMENT LETTER (INVENTED)", "Dentist check-up", "10:30")
    ):
        draw.text((60, 80 + row * 90), text, fill="#212b32", font_size=40)
    raw = io.BytesIO()
    letter.save(raw, "JPEG")
    cleaned = uploads.clean(raw.getvalue())
    db.session.add(
        Attachment(
            passport_id=passport.id,
            description="Letter about my dentist appointment",
            original_name="dentist-letter.jpg",
            content_type=cleaned.content_type,
            size_bytes=len(cleaned.data) + len(cleaned.thumbnail),
            width=cleaned.width,
            height=cleaned.height,
            data=cleaned.data,
            thumbnail=cleaned.thumbnail,
            added_by_id=young_person.id,
        )
    )


def _add_demo_items(passport: Passport, nurse: User, today: date, age: int) -> None:
    """Believable, invented health history: a GP, an allergy, an inhaler, contacts who change at 18."""
    now = clock.now()

    def add(model, **values):
        db.session.add(
            model(
                passport_id=passport.id,
                source=Source.NURSE_VERIFIED,
                recorded_by_id=nurse.id,
                updated_by_id=nurse.id,
                verified_by_id=nurse.id,
                recorded_at=now,
                updated_at=now,
                verified_at=now,
                **values,
            )
        )

    add(
        Registration,
        service=RegistrationService.GP,
        name="Riverside Medical Centre",
        ods_code="Y00001",
        address="12 Mill Lane, Northbridge",
        postcode="M1 1AE",
        phone="0300 000 1000",
        registered_on=today - timedelta(days=700),
    )
    add(Allergy, substance="Penicillin", reaction="Itchy rash", severity=AllergySeverity.MODERATE)
    add(Condition, name="Asthma", since=passport.date_of_birth + timedelta(days=365 * 6))
    add(Medication, name="Salbutamol inhaler", dose="2 puffs", how_often="When needed")
    add(
        HealthAssessment,
        kind=AssessmentKind.REVIEW,
        assessed_on=today - timedelta(days=200),
        assessed_by="Nia Okafor, LAC nurse",
        next_due_on=today + timedelta(days=165),
    )
    # Someone to call in an emergency, who is also one of their contacts: the foster carer while in care.
    add(
        Contact,
        role=ContactRole.CARER,
        name="Sam Whitfield" if age < 18 else "Dee Whitfield",
        organisation="Foster carer" if age < 18 else "Former foster carer",
        phone="07700 900 111",
        emergency_contact=True,
    )
    add(
        Contact,
        role=ContactRole.NURSE,
        name="Nia Okafor",
        organisation="Northbridge Children in Care Health Team",
        phone="0300 000 2000",
    )
    if age >= 16:
        add(
            Contact,
            role=ContactRole.PERSONAL_ADVISER,
            name="Tom Reyes",
            organisation="Northbridge Leaving Care Team",
            phone="0300 000 3000",
            notes="Weekdays 9am to 5pm. Text first if you prefer.",
        )
        eighteenth = clock.birthday(passport.date_of_birth, 18)
        add(
            Contact,
            role=ContactRole.CAMHS,
            name="Northbridge CAMHS",
            phone="0300 000 4000",
            until_on=eighteenth - timedelta(days=1),
        )
        add(
            Contact,
            role=ContactRole.ADULT_MENTAL_HEALTH,
            name="Northbridge Adult Mental Health Team",
            phone="0300 000 5000",
            from_on=eighteenth,
        )
    born = passport.date_of_birth
    if age >= 17:
        # Invented birth history. Kai's birth mother consented (so Kai may choose to see it); Ruth's record
        # has no consent, so only the curating nurse sees it.
        db.session.add(
            BirthHistory(
                passport_id=passport.id,
                place_of_birth="Northbridge General Hospital (invented)",
                birth_weight_grams=3150 if age == 17 else 2870,
                gestation_weeks=39 if age == 17 else 37,
                delivery="vaginal",
                condition_at_birth="Well at birth.",
                neonatal_care="Went home after two days.",
                feeding="Bottle fed.",
                early_development="Walked at 13 months. Talked at the usual age.",
                family_health_history="Asthma in the birth mother's family.",
                updated_by_id=nurse.id,
            )
        )
        if age == 17:
            db.session.add(
                BirthParentConsent(
                    passport_id=passport.id,
                    given_by="birth_mother",
                    given_on=today - timedelta(days=400),
                    covers=["birth_details", "family_health"],
                    young_person_may_see=True,
                    may_include_in_pdf=True,
                    may_include_in_share_links=False,
                    may_include_in_fhir=True,
                    evidence="CoramBAAF Consent Form, invented reference DEMO-001",
                    recorded_by_id=nurse.id,
                )
            )
    if age == 17:
        # A UK childhood record, missing the teenage booster and MenACWY: the catch-up the page explains.
        passport.immunisation_records = "documented"
        for vaccine_id, days in (
            ("dtap_ipv_hib", 58),
            ("dtap_ipv_hib", 88),
            ("dtap_ipv_hib", 118),
            ("pcv", 58),
            ("pcv", 118),
            ("menc", 88),
            ("hib_menc", 368),
            ("mmr", 370),
            ("pcv", 370),
            ("dtap_ipv", 1220),
            ("mmr", 1220),
            ("hpv", 4500),
        ):
            add(
                ImmunisationDose,
                vaccine_id=vaccine_id,
                given_on=born + timedelta(days=days),
                where_given="uk_gp",
            )
    elif age == 19:
        # Arrived with no reliable record: a full catch-up plan, one dose remembered from home.
        passport.immunisation_records = "none"
        passport.languages = "Tigrinya, some English"
        passport.interpreter_needed = True
    add(
        Contact,
        role=ContactRole.HELPLINE,
        name="Out-of-hours support line (invented)",
        phone="0300 000 9999",
        notes="Any time, day or night.",
    )


@click.group("organisations")
def organisations() -> None:
    """Organisations and teams."""


@organisations.command("create")
@click.argument("name")
@click.option("--team", "teams", multiple=True, help="A team to create in it (repeatable).")
def create_organisation(name: str, teams: tuple[str, ...]) -> None:
    if db.session.scalar(select(Organisation).where(Organisation.name == name)):
        raise click.ClickException(f"An organisation called {name!r} already exists.")
    organisation = Organisation(name=name)
    db.session.add(organisation)
    for team in teams:
        db.session.add(Team(name=team, organisation=organisation))
    db.session.commit()
    click.echo(f"Created {name} with {len(teams)} team(s).")


@organisations.command("new-signing-key")
@click.argument("name")
def new_signing_key(name: str) -> None:
    """Make the key that signs the organisation's offline health cards, or rotate it: run it again and the
    new key signs from then on, while older keys stay published so cards already made still check out."""
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == name))
    if organisation is None:
        raise click.ClickException(f"No organisation called {name!r}.")
    older = len(health_cards.organisation_keys(organisation))
    key = health_cards.new_signing_key(organisation)
    click.echo(f"New signing key {key.kid} for {name}.")
    if older:
        click.echo(f"{older} older key(s) stay published at /.well-known/jwks.json and no longer sign.")


@click.group("users")
def users() -> None:
    """Staff accounts (young people join through an invite from their nurse)."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role if r is not Role.YOUNG_PERSON]),
    required=True,
)
@click.option("--organisation", "organisation_name", required=True)
@click.option("--team", "team_name", default=None)
@click.password_option(help="Prompted for, and typed twice, when not given.")
def create_user(
    email: str,
    display_name: str,
    role: str,
    organisation_name: str,
    team_name: str | None,
    password,
) -> None:
    """Create a staff account, for example the first admin of a new organisation."""
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == organisation_name))
    if organisation is None:
        raise click.ClickException(f"No organisation called {organisation_name!r}.")
    team = None
    if team_name:
        team = db.session.scalar(
            select(Team).where(Team.organisation_id == organisation.id, Team.name == team_name)
        )
        if team is None:
            raise click.ClickException(f"No team called {team_name!r} in {organisation_name}.")
    try:
        accounts.new_user(
            email=email,
            display_name=display_name,
            role=Role(role),
            organisation=organisation,
            team=team,
            password=password,
        )
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from error
    click.echo(f"Created {role} account for {accounts.normalise_email(email)}.")


@users.command("reset-two-factor")
@click.argument("email")
@click.option("--reason", required=True, help="Why, for the audit log (for example: only admin lost phone).")
def reset_two_factor(email: str, reason: str) -> None:
    """Clear a member of staff's authenticator app when no admin can: an organisation's only admin who
    lost their phone and recovery codes. Check who they are first, outside this service."""
    user = db.session.scalar(select(User).where(User.email == accounts.normalise_email(email)))
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    try:
        two_factor.reset_by_operator(user, reason)
    except ServiceError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(f"Cleared the authenticator app for {user.email}. They set it up again at their next sign-in.")


@users.command("list")
def list_users() -> None:
    for user in db.session.scalars(select(User).order_by(User.email)):
        state = "active" if user.active else "inactive"
        click.echo(f"{user.email:<32} {user.role:<13} {state}")
