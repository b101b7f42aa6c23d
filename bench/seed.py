"""Fill a fresh database with invented passports, fast, for the benchmarks.

    python bench/seed.py --size 10k --database sqlite        # bench/data/passport-10k.sqlite3
    python bench/seed.py --size 100k --database postgresql   # database passport_bench_100k

The schema comes from the migrations (flask_migrate.upgrade on an empty database), never from create_all.
Rows go in with bulk inserts: SQLAlchemy Core insert() with executemany on SQLite, COPY on PostgreSQL,
a few thousand passports at a time.

The shape of the data (all invented; NHS numbers from the 999 test range; e-mail addresses on .invalid):

- organisations of about 4,000 passports each (1k: one; 10k: three; 100k: twenty-five), each with LAC
  health teams of about 120 passports and two nurses, a leaving-care team of personal advisers (about 40
  young people each, aged 15 and over), and an admin;
- ages 10 to 21; those 16 and over have mostly claimed their passport (a young-person account);
- per passport: about 30 immunisation doses, 10 contacts (some past, some from the 18th birthday), 5
  conditions, 2 to 5 GP/dentist/optician/pharmacy registrations (some ended), 0 to 3 allergies, 0 to 4
  medicines, 2 to 6 health assessments, 1 to 3 SDQ scores, one NHS number (a tenth also hold an older,
  superseded one), a current nurse assignment (a fifth also an ended one), a leaving pack for half of those
  16 and over, three audit events, and an open correction request for one in fifty.

It writes a manifest (bench/data/manifest-<database>-<size>.json) naming the people the benchmarks sign
in as: a 17-year-old with a full passport, their nurse and their adviser, and search terms that match.
"""

from __future__ import annotations

import argparse
import json
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta

from common import PASSWORD, SIZES, WORK, database_url, emit, manifest_path

SEED = 20260601
PASSPORTS_PER_ORGANISATION = 4_000
PASSPORTS_PER_TEAM = 120
NURSES_PER_TEAM = 2
YOUNG_PEOPLE_PER_ADVISER = 40
RANDOM_PAGE_COST = 1.1  # docs/deploy.md
CHUNK = 2_000  # passports per batch of inserts

FIRST_NAMES = [
    "Aaliyah",
    "Abdi",
    "Adam",
    "Ade",
    "Aisha",
    "Alex",
    "Amara",
    "Amir",
    "Ava",
    "Ben",
    "Bilal",
    "Caleb",
    "Chloe",
    "Daniel",
    "Dara",
    "Eden",
    "Elif",
    "Ellie",
    "Emeka",
    "Erin",
    "Ezra",
    "Fatima",
    "Finn",
    "Freya",
    "Grace",
    "Hamza",
    "Harper",
    "Idris",
    "Isla",
    "Jack",
    "Jade",
    "Jamal",
    "Jordan",
    "Kai",
    "Kayla",
    "Kofi",
    "Layla",
    "Leo",
    "Liam",
    "Lily",
    "Luca",
    "Maya",
    "Mia",
    "Milan",
    "Nadia",
    "Nia",
    "Noah",
    "Omar",
    "Oscar",
    "Priya",
    "Quinn",
    "Rafi",
    "Riley",
    "Rosa",
    "Ruby",
    "Sami",
    "Sara",
    "Theo",
    "Tyler",
    "Yusuf",
    "Zara",
    "Zain",
]
SURNAMES = [
    "Abbott",
    "Achebe",
    "Ahmed",
    "Ali",
    "Allen",
    "Asante",
    "Bailey",
    "Baker",
    "Banda",
    "Barker",
    "Bello",
    "Bennett",
    "Boateng",
    "Brooks",
    "Campbell",
    "Carter",
    "Chen",
    "Clarke",
    "Collins",
    "Cooper",
    "Davies",
    "Dlamini",
    "Edwards",
    "Ellis",
    "Evans",
    "Fairweather",
    "Fisher",
    "Fofanah",
    "Foster",
    "Gordon",
    "Green",
    "Haddad",
    "Hall",
    "Harris",
    "Hassan",
    "Hughes",
    "Hussain",
    "Ibrahim",
    "Jackson",
    "James",
    "Jones",
    "Kamara",
    "Kaur",
    "Kelly",
    "Khan",
    "King",
    "Kowalski",
    "Lewis",
    "Mahmoud",
    "Marsh",
    "Martin",
    "Mensah",
    "Miller",
    "Mitchell",
    "Moore",
    "Morgan",
    "Morris",
    "Murphy",
    "Nowak",
    "Obi",
    "Okafor",
    "Osei",
    "Owusu",
    "Palmer",
    "Patel",
    "Phillips",
    "Price",
    "Rahman",
    "Reid",
    "Roberts",
    "Robinson",
    "Rossi",
    "Scott",
    "Shah",
    "Singh",
    "Smith",
    "Stewart",
    "Taylor",
    "Thomas",
    "Thompson",
    "Turner",
    "Walker",
    "Ward",
    "Watson",
    "White",
    "Williams",
    "Wilson",
    "Wood",
    "Wright",
    "Young",
]
CONDITIONS = (
    "Asthma",
    "Eczema",
    "Hay fever",
    "Migraine",
    "Iron deficiency anaemia",
    "Type 1 diabetes",
    "Epilepsy",
    "ADHD",
    "Autism",
    "Dyslexia",
    "Acne",
    "Glue ear (resolved)",
    "Short-sightedness",
    "Constipation",
    "Coeliac disease",
)
MENTAL_HEALTH = ("Anxiety", "Low mood", "Post-traumatic stress")
ALLERGIES = (
    ("Penicillin", "Rash"),
    ("Peanuts", "Anaphylaxis: carries an adrenaline pen"),
    ("Latex", "Itching and redness"),
    ("House dust mite", "Sneezing"),
    ("Eggs", "Hives"),
    ("Ibuprofen", "Wheeze"),
)
MEDICINES = (
    ("Salbutamol 100 micrograms inhaler", "Two puffs", "When needed"),
    ("Beclometasone 100 micrograms inhaler", "Two puffs", "Twice a day"),
    ("Cetirizine 10 mg tablets", "One tablet", "Once a day in summer"),
    ("Emollient cream", "Apply thinly", "Twice a day"),
    ("Methylphenidate 18 mg tablets", "One tablet", "Every morning"),
    ("Ferrous fumarate 210 mg tablets", "One tablet", "Twice a day"),
    ("Sertraline 50 mg tablets", "One tablet", "Every morning"),
)
PRACTICES = ("Northbridge Medical Centre", "Riverside Surgery", "Castle Street Practice", "Meadow Health")
CONTACT_PLAN = (
    # role, organisation, starts (None: always), ends (None: open)
    ("social_worker", "Children's services", None, "18"),
    ("nurse", "LAC health team", None, "18"),
    ("personal_adviser", "Leaving care service", "16", None),
    ("leaving_care_team", "Leaving care service", "18", None),
    ("camhs", "CAMHS", None, "past"),
    ("paediatrics", "Community paediatrics", None, "past"),
    ("sexual_health", "Sexual health clinic", None, None),
    ("helpline", "Become (care leavers' helpline)", None, None),
    ("emergency_contact", None, None, None),
    ("other", "Youth club", None, None),
)


def _years(born: date, years: int, days: int = 0) -> date:
    try:
        moved = born.replace(year=born.year + years)
    except ValueError:  # 29 February
        moved = date(born.year + years, 3, 1)
    return moved + timedelta(days=days)


def _nhs_number(serial: int) -> str:
    """A 10-digit NHS number in the 999 test range that passes the Modulus 11 check; skips serials whose
    check digit would be 10."""
    while True:
        body = f"999{serial:06d}"
        total = sum(int(d) * w for d, w in zip(body, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check != 10:
            return body + str(check)
        serial += 500_000  # a different, unused serial (serials stay below 500,000)


class Generator:
    """Invents rows, table by table, as plain dicts with the same keys for every row of a table."""

    def __init__(self, count: int, today: date, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.count = count
        self.today = today
        self.now = datetime.combine(today, datetime.min.time(), UTC) + timedelta(hours=9)
        self.password_hash = _argon2(PASSWORD)
        self.tables: dict[str, list[dict]] = {}
        self.nhs_serial = 0

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def add(self, table: str, **row) -> dict:
        self.tables.setdefault(table, []).append(row)
        return row

    def take(self) -> dict[str, list[dict]]:
        tables, self.tables = self.tables, {}
        return tables

    def moment(self, on: date) -> datetime:
        return datetime.combine(on, datetime.min.time(), UTC) + timedelta(
            minutes=self.rng.randrange(600, 1000)
        )

    # -- people and places -----------------------------------------------------------------------------

    def user(self, role: str, email: str, name: str, organisation_id, team_id=None) -> dict:
        return self.add(
            "user_account",
            id=self.uuid(),
            email=email,
            display_name=name,
            role=role,
            password_hash=self.password_hash,
            organisation_id=organisation_id,
            team_id=team_id,
            active=True,
            preferred_locale=None,
            created_at=self.now - timedelta(days=400),
            last_signed_in_at=None,
            # Staff have no authenticator app here: the benchmarks sign staff in directly (as the tests do).
            totp_secret=None,
            totp_confirmed_at=None,
            totp_last_step=None,
        )

    def organisations(self) -> list[dict]:
        """Organisations, teams and staff; returns a plan of where each passport goes."""
        organisation_count = max(1, round(self.count / PASSPORTS_PER_ORGANISATION))
        plan = []
        base, extra = divmod(self.count, organisation_count)
        for o in range(organisation_count):
            size = base + (1 if o < extra else 0)
            organisation = self.add(
                "organisation",
                id=self.uuid(),
                name=f"Bench Council {o + 1} Children in Care Health",
                ods_code=f"RBN{o:02d}",
                created_at=self.now - timedelta(days=800),
            )
            oid = organisation["id"]
            self.user("admin", f"admin.{o + 1}@bench.invalid", f"Admin {o + 1}", oid)
            leaving_care = self.add(
                "team", id=self.uuid(), organisation_id=oid, name="Leaving care", created_at=self.now
            )
            teams = []
            for t in range(max(1, round(size / PASSPORTS_PER_TEAM))):
                team = self.add(
                    "team",
                    id=self.uuid(),
                    organisation_id=oid,
                    name=f"LAC health {t + 1}",
                    created_at=self.now,
                )
                nurses = [
                    self.user(
                        "nurse",
                        f"nurse.{o + 1}.{t + 1}.{n + 1}@bench.invalid",
                        f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(SURNAMES)}",
                        oid,
                        team["id"],
                    )["id"]
                    for n in range(NURSES_PER_TEAM)
                ]
                teams.append((team["id"], nurses))
            # Advisers: one per 40 young people aged 15 and over (about 55% of the passports).
            advisers = [
                self.user(
                    "adviser",
                    f"adviser.{o + 1}.{a + 1}@bench.invalid",
                    f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(SURNAMES)}",
                    oid,
                    leaving_care["id"],
                )["id"]
                for a in range(max(1, round(size * 0.55 / YOUNG_PEOPLE_PER_ADVISER)))
            ]
            for i in range(size):
                team_id, nurses = teams[i * len(teams) // size]
                plan.append((oid, team_id, nurses, advisers))
        return plan

    # -- one passport ----------------------------------------------------------------------------------

    def passport(self, index: int, organisation_id, team_id, nurses, advisers) -> dict:
        rng, today = self.rng, self.today
        # Ages 10 to 21, evenly spread.
        born = _years(today, -22) + timedelta(days=rng.randrange(1, 12 * 365))
        age = (today.year - born.year) - ((today.month, today.day) < (born.month, born.day))
        nurse_id = nurses[index % len(nurses)]
        first, surname = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        young_person_id = None
        if age >= 16 and rng.random() < 0.8:
            young_person_id = self.user("young_person", f"yp.{index}@bench.invalid", first, organisation_id)[
                "id"
            ]
        created = self.moment(today - timedelta(days=rng.randrange(30, 900)))
        passport = self.add(
            "passport",
            id=self.uuid(),
            organisation_id=organisation_id,
            team_id=team_id,
            young_person_id=young_person_id,
            legal_name=f"{first} {surname}",
            preferred_name=rng.choice(FIRST_NAMES) if rng.random() < 0.1 else None,
            pronouns=rng.choice(("she/her", "he/him", "they/them")) if rng.random() < 0.3 else None,
            date_of_birth=born,
            sex_registered_at_birth=rng.choice(("female", "male")),
            languages=rng.choice(("English", "English", "English, Arabic", "Tigrinya, English", "Dari")),
            interpreter_needed=rng.random() < 0.05,
            communication_needs=None,
            care_status="left_care" if age >= 18 else "in_care",
            date_left_care=_years(born, 18) if age >= 18 else None,
            planned_leaving_date=None,
            local_reference=f"B{index:07d}",
            nurse_access_after_18=rng.random() < 0.8,
            adviser_access_after_18=rng.random() < 0.9,
            shared_with_adviser=[],
            immunisation_records=rng.choice(
                ("documented", "documented", "documented", "not_checked", "none")
            ),
            birth_history_opened_at=None,
            birth_history_in_pdf=False,
            birth_history_in_share_links=False,
            about_me_updated_at=None,
            about_me_updated_by_id=None,
            created_at=created,
            updated_at=created,
            version=1,
        )
        pid = passport["id"]
        self._nhs_numbers(pid, nurse_id, created)
        self._assignments(pid, nurse_id, nurses, advisers if age >= 15 else (), created)
        self._registrations(pid, nurse_id, born)
        self._health(pid, nurse_id, young_person_id, born, age)
        self._immunisations(pid, nurse_id, born)
        self._contacts(pid, nurse_id, born)
        self._care(pid, nurse_id, age)
        for event in ("passport_created", "passport_viewed", "item_added"):
            self.add(
                "audit_event",
                id=self.uuid(),
                occurred_at=created + timedelta(days=rng.randrange(0, 30)),
                event_type=event,
                actor_id=nurse_id,
                actor_role="nurse",
                organisation_id=organisation_id,
                passport_id=pid,
                details={"view": "staff_page"} if event == "passport_viewed" else {},
            )
        return passport

    def _item(self, table: str, pid, by, on: date, **values) -> dict:
        at = self.moment(on)
        return self.add(
            table,
            id=self.uuid(),
            passport_id=pid,
            source=values.pop("source", "nurse_verified"),
            sensitivity=values.pop("sensitivity", None),
            recorded_at=at,
            updated_at=at,
            verified_at=at,
            archived_at=None,
            version=1,
            recorded_by_id=by,
            updated_by_id=by,
            verified_by_id=by,
            **values,
        )

    def _nhs_numbers(self, pid, nurse_id, created) -> None:
        if self.rng.random() < 0.1:  # an older number, re-issued on adoption
            self.nhs_serial += 1
            self.add(
                "nhs_number_record",
                id=self.uuid(),
                passport_id=pid,
                number=_nhs_number(self.nhs_serial),
                reason="first_recorded",
                recorded_at=created - timedelta(days=700),
                recorded_by_id=nurse_id,
                superseded_at=created,
            )
        self.nhs_serial += 1
        self.add(
            "nhs_number_record",
            id=self.uuid(),
            passport_id=pid,
            number=_nhs_number(self.nhs_serial),
            reason="first_recorded",
            recorded_at=created,
            recorded_by_id=nurse_id,
            superseded_at=None,
        )

    def _assignments(self, pid, nurse_id, nurses, advisers, created) -> None:
        def assign(staff_id, role, started, ended=None):
            self.add(
                "assignment",
                id=self.uuid(),
                passport_id=pid,
                staff_id=staff_id,
                role=role,
                started_at=started,
                ended_at=ended,
            )

        if self.rng.random() < 0.2:
            other = nurses[(nurses.index(nurse_id) + 1) % len(nurses)]
            assign(other, "nurse", created - timedelta(days=500), created - timedelta(days=10))
        assign(nurse_id, "nurse", created)
        if advisers:
            assign(self.rng.choice(advisers), "adviser", created + timedelta(days=1))

    def _registrations(self, pid, by, born) -> None:
        rng = self.rng
        since = _years(born, rng.randrange(8, 12))
        plan = [("gp", rng.choice(PRACTICES))] if rng.random() < 0.95 else []
        if rng.random() < 0.3:
            plan.append(("gp_ended", rng.choice(PRACTICES)))
        if rng.random() < 0.7:
            plan.append(("dentist", "Smile Dental Care"))
        if rng.random() < 0.4:
            plan.append(("optician", "Clear View Opticians"))
        if rng.random() < 0.3:
            plan.append(("pharmacy", "High Street Pharmacy"))
        for service, name in plan:
            ended = service == "gp_ended"
            self._item(
                "registration",
                pid,
                by,
                since,
                service="gp" if ended else service,
                name=name,
                ods_code=f"B{rng.randrange(10000, 99999)}",
                address="1 High Street, Northbridge",
                postcode="NB1 2AB",
                phone="01632 960 123",
                registered_on=since - timedelta(days=900) if ended else since,
                ended_on=since - timedelta(days=1) if ended else None,
            )

    def _health(self, pid, nurse_id, young_person_id, born, age) -> None:
        rng, today = self.rng, self.today
        for name in [*rng.sample(CONDITIONS, 4), rng.choice(CONDITIONS + MENTAL_HEALTH)]:
            own = young_person_id is not None and rng.random() < 0.15
            self._item(
                "health_condition",
                pid,
                young_person_id if own else nurse_id,
                today - timedelta(days=rng.randrange(10, 1500)),
                source="self_reported" if own else "nurse_verified",
                sensitivity="mental_health" if name in MENTAL_HEALTH else None,
                name=name,
                since=_years(born, rng.randrange(2, max(3, age))),
                notes="Reviewed every year; care plan agreed." if rng.random() < 0.5 else None,
            )
        for substance, reaction in rng.sample(ALLERGIES, rng.choice((0, 1, 1, 2, 3))):
            self._item(
                "allergy",
                pid,
                nurse_id,
                today - timedelta(days=rng.randrange(10, 1500)),
                substance=substance,
                reaction=reaction,
                severity=rng.choice(("mild", "moderate", "severe", "unknown")),
            )
        for name, dose, how_often in rng.sample(MEDICINES, rng.choice((0, 1, 2, 2, 3, 4))):
            started = today - timedelta(days=rng.randrange(30, 1500))
            self._item(
                "medication",
                pid,
                nurse_id,
                started,
                name=name,
                dose=dose,
                how_often=how_often,
                started_on=started,
                stopped_on=started + timedelta(days=200) if rng.random() < 0.3 else None,
            )
        assessed = today - timedelta(days=rng.randrange(20, 330))
        for n in range(rng.randrange(2, 7)):
            on = assessed - timedelta(days=365 * n)
            self._item(
                "health_assessment",
                pid,
                nurse_id,
                on,
                kind="review" if n < 5 else "initial",
                assessed_on=on,
                assessed_by="LAC nurse",
                next_due_on=on + timedelta(days=365) if n == 0 else None,
            )

    def _immunisations(self, pid, by, born) -> None:
        rng, today = self.rng, self.today
        # The routine UK schedule for the cohort (about 20 doses), then catch-up and extra doses up to ~30.
        plan = [("dtap_ipv_hib", born + timedelta(weeks=w)) for w in (8, 12, 16)]
        plan += [("menb", born + timedelta(weeks=8)), ("menb", born + timedelta(weeks=16))]
        plan += [("rotavirus", born + timedelta(weeks=8)), ("rotavirus", born + timedelta(weeks=12))]
        plan += [
            ("pcv", born + timedelta(weeks=12)),
            ("pcv", _years(born, 1, 7)),
            ("menb", _years(born, 1, 7)),
        ]
        plan += [("hib_menc", _years(born, 1, 7)), ("mmr", _years(born, 1, rng.randrange(0, 40)))]
        plan += [("dtap_ipv", _years(born, 3, 125)), ("mmr", _years(born, 3, 125))]
        plan += [("hpv", _years(born, 12, rng.randrange(30, 300)))]
        plan += [("td_ipv", _years(born, 14, rng.randrange(0, 200)))]
        plan += [("menacwy", _years(born, 14, rng.randrange(0, 200)))]
        plan += [("hepb", born + timedelta(days=d)) for d in (1, 30, 60, 365)]
        plan += [("bcg", born + timedelta(days=28))]
        plan += [("varicella", _years(born, 1, 60)), ("varicella", _years(born, 1, 150))]
        plan += [("ipv", _years(born, 9, 20)), ("mr", _years(born, 6, 10)), ("menc", _years(born, 11, 10))]
        plan += [("dtp", _years(born, 10, 30)), ("td", _years(born, 13, 30)), ("tt", _years(born, 15, 30))]
        for number, (vaccine, when) in enumerate(plan, start=1):
            if when > today or rng.random() < 0.04:
                continue
            self._item(
                "immunisation_dose",
                pid,
                by,
                when,
                source=rng.choice(("nurse_verified", "imported")),
                vaccine_id=vaccine,
                given_on=when,
                dose_number=None if number % 3 else 1,
                where_given=rng.choice(("uk_gp", "uk_gp", "school", "abroad")),
                batch=f"AB{rng.randrange(1000, 9999)}",
            )

    def _contacts(self, pid, by, born) -> None:
        rng = self.rng
        eighteen = _years(born, 18)
        for role, organisation, starts, ends in CONTACT_PLAN:
            from_on = {"16": _years(born, 16), "18": eighteen}.get(starts)
            until_on = {"18": eighteen - timedelta(days=1), "past": _years(born, 14)}.get(ends)
            self._item(
                "transition_contact",
                pid,
                by,
                self.today - timedelta(days=rng.randrange(10, 700)),
                role=role,
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}",
                organisation=organisation,
                phone=f"07700 900 {rng.randrange(100, 999)}",
                email=None,
                notes=None,
                from_on=from_on,
                until_on=until_on,
            )

    def _care(self, pid, nurse_id, age) -> None:
        rng, today = self.rng, self.today
        for n in range(rng.randrange(1, 4)):
            self.add(
                "sdq_score",
                id=self.uuid(),
                passport_id=pid,
                scored_on=today - timedelta(days=60 + 365 * n),
                total=rng.randrange(3, 30),
                informant="carer",
                recorded_by_id=nurse_id,
                recorded_at=self.now - timedelta(days=60 + 365 * n),
            )
        if age >= 16 and rng.random() < 0.5:
            self.add(
                "leaving_pack",
                id=self.uuid(),
                passport_id=pid,
                checklist_version="2026-11",
                ticked={
                    item: {"at": self.now.isoformat(), "by": str(nurse_id)}
                    for item in ("dentist", "immunisations_reviewed", "health_summary_given")
                    if rng.random() < 0.6
                },
                handed_over_on=None,
                handed_over_how=None,
                handed_over_by_id=None,
                receipt_confirmed_at=None,
                version=1,
            )
        if rng.random() < 0.02:
            self.add(
                "correction_request",
                id=self.uuid(),
                passport_id=pid,
                item_kind="allergy",
                item_id=self.uuid(),
                what_is_wrong="It was amoxicillin, not penicillin",
                requested_by_id=nurse_id,
                requested_at=self.now,
                status="open",
                decided_by_id=None,
                decided_at=None,
                decline_reason=None,
            )


def _argon2(password: str) -> str:
    from passport.services.passwords import hash_password

    return hash_password(password)


# Parents before children, so every foreign key finds its row.
TABLE_ORDER = (
    "organisation",
    "team",
    "user_account",
    "passport",
    "nhs_number_record",
    "assignment",
    "registration",
    "health_condition",
    "allergy",
    "medication",
    "health_assessment",
    "immunisation_dose",
    "transition_contact",
    "sdq_score",
    "leaving_pack",
    "correction_request",
    "audit_event",
)


class Writer:
    """Bulk inserts: COPY on PostgreSQL, Core insert() executemany on SQLite."""

    def __init__(self, connection, metadata) -> None:
        self.connection = connection
        self.metadata = metadata
        self.postgres = connection.dialect.name == "postgresql"
        self.rows = 0

    def write(self, tables: dict[str, list[dict]]) -> None:
        for name in TABLE_ORDER:
            rows = tables.get(name)
            if not rows:
                continue
            self.rows += len(rows)
            table = self.metadata.tables[name]
            if self.postgres:
                self._copy(table, rows)
            else:
                self.connection.execute(table.insert(), rows)

    def _copy(self, table, rows: list[dict]) -> None:
        columns = list(rows[0])
        json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
        cursor = self.connection.connection.driver_connection.cursor()
        names = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([json.dumps(row[c]) if c in json_columns else row[c] for c in columns])


def fresh_database(url: str) -> None:
    """Drop and recreate the benchmark database (SQLite file, or a PostgreSQL database of its own)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        WORK.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            path = WORK / (parsed.database.rsplit("/", 1)[-1] + suffix)
            path.unlink(missing_ok=True)
        return
    name = parsed.database
    if not name or not name.startswith("passport_bench"):
        raise SystemExit(f"refusing to drop {name!r}: benchmark databases are called passport_bench_*")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        # As docs/deploy.md ("PostgreSQL settings") tells whoever runs the service to set it: the benchmarks
        # measure the app as deployed. With the default of 4 (for spinning disks), a region of ~10,000
        # passports plans the staff lists as a scan of every passport (bench/RESULTS.md, changes 10 and 13).
        connection.execute(text(f'ALTER DATABASE "{name}" SET random_page_cost = {RANDOM_PAGE_COST}'))
    admin.dispose()


def seed(url: str, count: int, today: date | None = None) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from passport import create_app
    from passport.extensions import db

    today = today or date.today()
    fresh_database(url)
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        migrated = time.perf_counter()
        generator = Generator(count, today)
        plan = generator.organisations()
        manifest = None
        with db.engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")  # rows go in parent-first anyway
            writer = Writer(connection, db.metadata)
            writer.write(generator.take())
            for start in range(0, count, CHUNK):
                for index in range(start, min(count, start + CHUNK)):
                    organisation_id, team_id, nurses, advisers = plan[index]
                    passport = generator.passport(index, organisation_id, team_id, nurses, advisers)
                    if manifest is None and _is_bench_person(passport, today):
                        manifest = _manifest(generator, passport, nurses)
                writer.write(generator.take())
        with db.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
            schema = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        seconds = time.perf_counter() - started
        if manifest is None:
            raise SystemExit("no 17-year-old with an account among the first passports; change SEED")
        _add_people(manifest)
        db.engine.dispose()
    manifest.update(
        url=url,
        passports=count,
        rows=writer.rows,
        seconds=round(seconds, 1),
        migrate_seconds=round(migrated - started, 1),
        today=today.isoformat(),
        schema=schema,
    )
    return manifest


def _is_bench_person(passport: dict, today: date) -> bool:
    born = passport["date_of_birth"]
    age = (today.year - born.year) - ((today.month, today.day) < (born.month, born.day))
    return age == 17 and passport["young_person_id"] is not None


def _manifest(generator: Generator, passport: dict, nurses) -> dict:
    return {
        "passport_id": str(passport["id"]),
        "young_person_id": str(passport["young_person_id"]),
        "nurse_id": None,  # filled in by _add_people from the assignment
        "team_id": str(passport["team_id"]),
        "organisation_id": str(passport["organisation_id"]),
        "legal_name": passport["legal_name"],
        "date_of_birth": passport["date_of_birth"].isoformat(),
        "password": PASSWORD,
    }


def _add_people(manifest: dict) -> None:
    """The bench young person's e-mail, nurse, adviser and NHS number, read back from the database."""
    from sqlalchemy import select

    from passport.extensions import db
    from passport.models import Assignment, NhsNumberRecord, User

    pid = uuid.UUID(manifest["passport_id"])
    young_person = db.session.get(User, uuid.UUID(manifest["young_person_id"]))
    manifest["email"] = young_person.email
    current = {
        a.role: a.staff_id
        for a in db.session.scalars(
            select(Assignment).where(Assignment.passport_id == pid, Assignment.ended_at.is_(None))
        )
    }
    manifest["nurse_id"] = str(current["nurse"])
    manifest["adviser_id"] = str(current["adviser"])
    manifest["nhs_number"] = db.session.scalar(
        select(NhsNumberRecord.number).where(
            NhsNumberRecord.passport_id == pid, NhsNumberRecord.superseded_at.is_(None)
        )
    )
    db.session.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="10k")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    arguments = parser.parse_args()
    url = database_url(arguments.database, arguments.size)
    manifest = seed(url, SIZES[arguments.size])
    manifest["database"] = arguments.database
    manifest["size"] = arguments.size
    manifest_path(arguments.database, arguments.size).write_text(json.dumps(manifest, indent=2), "utf-8")
    emit(manifest)


if __name__ == "__main__":
    main()
