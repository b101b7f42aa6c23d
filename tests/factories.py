"""Test data factories: plain keyword-only functions that build invented people and passports.

Every name and number here is invented. NHS numbers come from the 999 range reserved for testing.
"""

from __future__ import annotations

import itertools
import time
from datetime import date

import pyotp

from passport import clock
from passport.extensions import db
from passport.models import (
    Assignment,
    AssignmentRole,
    CareStatus,
    NhsNumberRecord,
    Organisation,
    Passport,
    Role,
    Team,
    User,
)
from passport.services.passwords import hash_password

PASSWORD = "correct horse battery"
# Every test member of staff has set up an authenticator app with this invented secret, unless a test says
# otherwise (create_user(totp_secret=None)). security_code() gives a code for it.
TOTP_SECRET = "JBSWY3DPEHPK3PXPTESTSTAFFAPP2345"
_counter = itertools.count(1)
_password_hash_cache: dict[str, str] = {}


def _hash(password: str) -> str:
    # argon2 is slow on purpose; hash each test password once per run.
    if password not in _password_hash_cache:
        _password_hash_cache[password] = hash_password(password)
    return _password_hash_cache[password]


def create_organisation(*, name: str | None = None) -> Organisation:
    organisation = Organisation(name=name or f"Test Organisation {next(_counter)}")
    db.session.add(organisation)
    db.session.commit()
    return organisation


def create_team(*, organisation: Organisation, name: str | None = None) -> Team:
    team = Team(organisation_id=organisation.id, name=name or f"Team {next(_counter)}")
    db.session.add(team)
    db.session.commit()
    return team


def create_user(
    *,
    role: Role,
    organisation: Organisation,
    team: Team | None = None,
    email: str | None = None,
    name: str | None = None,
    password: str | None = PASSWORD,
    active: bool = True,
    totp_secret: str | None = TOTP_SECRET,
) -> User:
    n = next(_counter)
    enrolled = role is not Role.YOUNG_PERSON and totp_secret is not None
    user = User(
        email=email or f"{role.value}.{n}@example.org",
        display_name=name or f"{role.value.replace('_', ' ').title()} {n}",
        role=role,
        organisation_id=organisation.id,
        team_id=team.id if team else None,
        password_hash=_hash(password) if password else None,
        active=active,
        totp_secret=totp_secret if enrolled else None,
        totp_confirmed_at=clock.now() if enrolled else None,
    )
    db.session.add(user)
    db.session.commit()
    return user


def security_code(user: User, *, secret: str = TOTP_SECRET) -> str:
    """A code from the test authenticator app that `user` has not used yet: this time step's, or the next
    one's (one step of drift is accepted), waiting for the step after when both are used."""
    totp = pyotp.TOTP(secret)
    db.session.refresh(user)
    while True:
        now_step = totp.timecode(clock.now())
        step = max(now_step, (user.totp_last_step or -1) + 1)
        if step <= now_step + 1:
            return totp.generate_otp(step)
        time.sleep(1)


def date_of_birth_for_age(age: int, *, extra_days: int = 30, today: date | None = None) -> date:
    from datetime import timedelta

    today = today or clock.today()
    return clock.birthday(today, -age) - timedelta(days=extra_days)


def create_passport(
    *,
    organisation: Organisation,
    team: Team | None = None,
    legal_name: str = "Alex Testperson",
    preferred_name: str | None = None,
    date_of_birth: date | None = None,
    age: int = 17,
    nhs_number: str | None = "9990000018",
    young_person: User | None = None,
    nurse: User | None = None,
    adviser: User | None = None,
    care_status: CareStatus = CareStatus.IN_CARE,
    nurse_access_after_18: bool = True,
    adviser_access_after_18: bool = True,
) -> Passport:
    passport = Passport(
        organisation_id=organisation.id,
        team_id=team.id if team else None,
        legal_name=legal_name,
        preferred_name=preferred_name,
        date_of_birth=date_of_birth or date_of_birth_for_age(age),
        young_person_id=young_person.id if young_person else None,
        care_status=care_status,
        nurse_access_after_18=nurse_access_after_18,
        adviser_access_after_18=adviser_access_after_18,
    )
    db.session.add(passport)
    db.session.flush()
    if nhs_number:
        db.session.add(NhsNumberRecord(passport_id=passport.id, number=nhs_number, reason="first_recorded"))
    for staff, role in ((nurse, AssignmentRole.NURSE), (adviser, AssignmentRole.ADVISER)):
        if staff is not None:
            db.session.add(Assignment(passport_id=passport.id, staff_id=staff.id, role=role))
    db.session.commit()
    return passport


ITEM_MODELS = {
    "registration": "Registration",
    "condition": "Condition",
    "allergy": "Allergy",
    "medication": "Medication",
    "assessment": "HealthAssessment",
    "contact": "Contact",
    "immunisation": "ImmunisationDose",
}


def create_item(item_kind: str, /, *, passport: Passport, by: User, sensitivity=None, **values):
    """An item as the app would record it: nurse-verified when a nurse adds it, self-reported otherwise."""
    from passport import models

    model = getattr(models, ITEM_MODELS[item_kind])
    by_nurse = by.role != Role.YOUNG_PERSON
    now = clock.now()
    item = model(
        passport_id=passport.id,
        source=models.Source.NURSE_VERIFIED if by_nurse else models.Source.SELF_REPORTED,
        recorded_by_id=by.id,
        updated_by_id=by.id,
        recorded_at=now,
        updated_at=now,
        verified_by_id=by.id if by_nurse else None,
        verified_at=now if by_nurse else None,
        sensitivity=sensitivity,
        **values,
    )
    db.session.add(item)
    db.session.commit()
    return item


def create_correction(*, passport: Passport, item, by: User, what_is_wrong: str = "It was amoxicillin"):
    from passport.models import CorrectionRequest

    kind = next(k for k, name in ITEM_MODELS.items() if type(item).__name__ == name)
    request = CorrectionRequest(
        passport_id=passport.id,
        item_kind=kind,
        item_id=item.id,
        what_is_wrong=what_is_wrong,
        requested_by_id=by.id,
    )
    db.session.add(request)
    db.session.commit()
    return request


def create_consent(
    *,
    passport: Passport,
    by: User,
    covers=("birth_details", "family_health"),
    given_on: date | None = None,
    young_person_may_see: bool = True,
    pdf: bool = False,
    share_links: bool = False,
    fhir: bool = False,
    given_by: str = "birth_mother",
):
    from passport.models import BirthParentConsent

    consent = BirthParentConsent(
        passport_id=passport.id,
        given_by=given_by,
        given_by_name=None,
        given_on=given_on or clock.today(),
        covers=list(covers),
        young_person_may_see=young_person_may_see,
        may_include_in_pdf=pdf,
        may_include_in_share_links=share_links,
        may_include_in_fhir=fhir,
        evidence="CoramBAAF Consent Form, invented reference T-0001",
        recorded_by_id=by.id,
    )
    db.session.add(consent)
    db.session.commit()
    return consent


WORLD_SHARE_TOKEN = "invented-share-token-for-tests-0000000000000"


def create_share_link(
    *, passport: Passport, by: User, token: str = WORLD_SHARE_TOKEN, sections=("about_me",)
):
    from datetime import timedelta

    from passport.models import ShareLink
    from passport.services.sharing import token_hash

    link = ShareLink(
        passport_id=passport.id,
        token_hash=token_hash(token),
        label="Test GP",
        sections=list(sections),
        labels=[],
        include_birth_history=False,
        created_by_id=by.id,
        expires_at=clock.now() + timedelta(days=30),
    )
    db.session.add(link)
    db.session.commit()
    return link


def create_grant(*, passport: Passport, grantee: User, by: User, scope: str = "see", starts=-1, ends=30):
    from datetime import timedelta

    from passport.models import AccessGrant

    grant = AccessGrant(
        passport_id=passport.id,
        grantee_id=grantee.id,
        scope=scope,
        starts_on=clock.today() + timedelta(days=starts),
        ends_on=clock.today() + timedelta(days=ends),
        granted_by_id=by.id,
    )
    db.session.add(grant)
    db.session.commit()
    return grant


def create_health_action(
    *,
    passport: Passport,
    by: User,
    what="Book a dentist check-up at Smile Dental",
    owner="young_person",
    due_in_days=14,
):
    from datetime import timedelta

    from passport.models import HealthAction

    action = HealthAction(
        passport_id=passport.id,
        what=what,
        owner=owner,
        due_on=clock.today() + timedelta(days=due_in_days),
        created_by_id=by.id,
        updated_by_id=by.id,
    )
    db.session.add(action)
    db.session.commit()
    return action


def jpeg_bytes(*, size=(64, 48), colour="#005eb8", exif=None) -> bytes:
    """A small invented photo, as a phone would save it (optionally with EXIF)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def create_attachment(
    *,
    passport: Passport,
    by: User,
    content: bytes | None = None,
    description: str | None = "Invented vaccination card",
    item=None,
    birth_part: str | None = None,
    sensitivity=None,
    filename: str = "card.jpg",
):
    """An attachment as the app stores it: the file cleaned by passport/uploads.py first."""
    from passport import uploads
    from passport.models import Attachment

    cleaned = uploads.clean(content if content is not None else jpeg_bytes())
    kind = next((k for k, name in ITEM_MODELS.items() if type(item).__name__ == name), None)
    attachment = Attachment(
        passport_id=passport.id,
        item_kind=kind,
        item_id=item.id if item is not None else None,
        birth_part=birth_part,
        sensitivity=sensitivity,
        description=description,
        original_name=filename,
        content_type=cleaned.content_type,
        size_bytes=len(cleaned.data) + len(cleaned.thumbnail or b""),
        width=cleaned.width,
        height=cleaned.height,
        pages=cleaned.pages,
        data=cleaned.data,
        thumbnail=cleaned.thumbnail,
        added_by_id=by.id,
    )
    db.session.add(attachment)
    db.session.commit()
    return attachment


def create_appointment(*, passport: Passport, what="Dentist check-up", in_days=5, at=(10, 30), **values):
    from datetime import time, timedelta

    from passport.models import Appointment

    appointment = Appointment(
        passport_id=passport.id,
        what=what,
        on_date=clock.today() + timedelta(days=in_days),
        at_time=time(*at) if at else None,
        **values,
    )
    db.session.add(appointment)
    db.session.commit()
    return appointment


def create_note(*, passport: Passport, body="Ask about the hay fever tablets", **values):
    from passport.models import PrivateNote

    note = PrivateNote(passport_id=passport.id, body=body, **values)
    db.session.add(note)
    db.session.commit()
    return note


def create_local_service(
    *, organisation: Organisation, name="Riverside Sexual Health Clinic", checked_days_ago=0, **values
):
    from datetime import timedelta

    from passport.models import LocalService

    service = LocalService(
        organisation_id=organisation.id,
        category=values.pop("category", "sexual_health"),
        name=name,
        helps_with=values.pop("helps_with", "Free condoms, tests and advice. Invented for tests."),
        phone=values.pop("phone", "01632 960 001"),
        referral=values.pop("referral", "not_needed"),
        last_checked_on=clock.today() - timedelta(days=checked_days_ago),
        **values,
    )
    db.session.add(service)
    db.session.commit()
    return service
