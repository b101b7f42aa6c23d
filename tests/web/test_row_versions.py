"""Every form that changes a row carries the version of the row the person saw (SECURITY.md 28).

Found by an outside probe: the leaving-pack checklist lost ticks (nurse A ticks "dentist", nurse B on an
older page ticks "immunisations reviewed": only B's tick was stored) and six simultaneous first saves gave
500s; "Mark as checked" verified content the nurse never saw (the young person changed it after the page
loaded, and it was then locked as nurse-verified); the immunisation-records form overwrote another nurse's
choice and blanked sex at birth; EHCP and health-plan "done" the same.

How this test decides which routes change a row: it walks every POST route in `app.url_map` (the fuzz test's
list, so a new route is in it without anyone remembering), signs in as someone allowed to use it, finds
each form on a page that posts there and sends it twice, watching every SQL statement:

1. Stale: load the form, then "someone else" saves every versioned row in the database (each row's version
   goes up by one, as any save does), then send the form as it was.
2. Honest: load the form again and send it as filled in (empty boxes get ordinary values: a date in the
   past, a first choice, some text), so that most forms succeed.

A route changes a row when a submission UPDATEs an existing row. Then:
- Every table it UPDATEs either has a version column (`version_id_col`), or is listed in UNVERSIONED below
  with the reason no one's change can be lost there (a person's own sign-in bookkeeping, a one-way action
  that is refused the second time). A new table that forms change fails here until one or the other.
- If it UPDATEs a versioned table, the stale submission must have been refused: 409, the "Someone else
  changed this" page, nothing UPDATEd, no audit event. The one exception is MERGED (the checklist), which
  merges the ticks per item instead: tests below prove no tick is lost.

Behind the test, the mechanism itself refuses a change nobody checked: passport/services/versions.py puts a
guard on the session that raises when a request changes a versioned row without `check_seen` (or
`unseen_change`, with a reason) having been called for it, so every other test of the suite that saves
something trips it too.
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import event, select, text
from werkzeug.datastructures import MultiDict

from passport import clock, version_guard
from passport.extensions import db
from passport.models import AuditEvent, BirthHistory, Condition, LeavingPack, Passport, Role
from passport.services import items, versions
from tests import factories
from tests.web.test_fuzz_forms import (
    KNOWN_VALUES,
    TARGETS,
    WITHOUT_A_FORM,
    Target,
    _find_form,
    _prepare,
    _sign_in,
    _url,
    database_rows,
    forms_on,
    persona_for,
)
from tests.web.test_route_permissions import _example_url

# Tables that forms change without a version column, and why no one's change can be lost there.
UNVERSIONED = {
    "user_account": "the person's own account (password, language, authenticator app, sign-in times), "
    "changed only by them as they act; an admin's deactivate or reset names the state it asks for",
    "login_session": "sign-in bookkeeping of the session itself",
    "invite": "a new code cancels the open ones and a used code is marked used: nobody edits a code",
    "recovery_code": "a recovery code is used once",
    "share_link": "opening counts and stopping: stopping a stopped link changes nothing",
    "access_grant": "ending a grant: ending an ended grant changes nothing",
    "correction_request": "answered once: an answered request is refused",
    "birth_parent_consent": "withdrawn once: a withdrawn consent is refused",
    "nhs_number_record": "an old number is superseded as a new one is recorded, under the passport's version",
    "assignment": "ended as the care team changes, under the passport's version",
    "pdf_batch": "the background worker's bookkeeping",
    "message_channel": "the person's own reminder choices: each button names the state it asks for (on, off, "
    "more detail or less), so an older page sends the same answer again, never an edit of someone else's",
    "offline_copy": "stopping copies: stopping a stopped copy changes nothing",
}
# A form with one of these fields merges per item rather than refusing an older page: the leaving-pack
# checklist (its ticks).
MERGED = {"ticked"}
# Values for boxes a form left empty, so that the honest submission can succeed.
TODAY, LATER = clock.today(), clock.today() + timedelta(days=30)
LATER_DATES = ("next_due_on", "until_on", "ends_on", "ehcp_review_on", "expires_on", "due_on")
FILLED_TEXT = {
    "name": "Invented name",
    "legal_name": "Invented Person",
    "substance": "Invented substance",
    "what": "Invented action",
    "reason": "Invented reason",
    "evidence": "Invented evidence",
    "display_name": "Invented Staff",
    "label": "Invented label",
    "what_is_wrong": "Invented words",
    "nhs_number": "9990000042",
    "total": "12",
}
UPDATE = re.compile(r'^\s*UPDATE\s+"?(\w+)"?', re.IGNORECASE)


def versioned_tables() -> set[str]:
    return {
        mapper.local_table.name for mapper in db.Model.registry.mappers if mapper.version_id_col is not None
    }


class Updates:
    """The tables each UPDATE statement touches while `watching`."""

    def __init__(self):
        self.tables: set[str] = set()
        self.watching = False
        self._thread = threading.get_ident()

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if self.watching:
            match = UPDATE.match(statement)
            if match:
                self.tables.add(match.group(1))

    def post(self, client, url: str, data: list[tuple[str, str]]):
        """POST the form, noting the tables its request UPDATEs."""
        self.tables, self.watching = set(), True
        try:
            return client.post(url, data=MultiDict(data))
        finally:
            self.watching = False


@pytest.fixture
def updates():
    watcher = Updates()
    event.listen(db.engine, "before_cursor_execute", watcher)
    yield watcher
    event.remove(db.engine, "before_cursor_execute", watcher)


def someone_else_saves_everything() -> None:
    """Every versioned row's version goes up by one, as if another person had just saved each of them."""
    with db.engine.begin() as connection:
        for table in versioned_tables():
            connection.execute(text(f'UPDATE "{table}" SET version = version + 1'))


def honest_values(form) -> list[tuple[str, str]]:
    """The form as its page filled it in, changed a little so that saving it changes something (a radio
    moved to another choice, a box ticked or unticked), with empty boxes given ordinary values."""
    data = []
    toggled = False
    for name, field in form.fields.items():
        value = KNOWN_VALUES.get(name, field.value)
        base = name.rsplit("-", 1)[-1] if not name.endswith(("-day", "-month", "-year")) else name
        if field.kind == "checkbox":
            ticked = [field.value] if field.value else []
            if not toggled and field.options:
                option = field.options[0]
                ticked = [t for t in ticked if t != option] if option in ticked else [*ticked, option]
                toggled = True
            data.extend((name, each) for each in ticked)
            continue
        if field.kind == "radio" and field.options:
            others = [option for option in field.options if option != value]
            value = others[0] if others and base != "version" else value
        elif field.kind == "select" and not value:
            value = next((option for option in field.options if option), "")
        elif not value and name.endswith(("-day", "-month", "-year")):
            day = LATER if name.rsplit("-", 1)[0].rsplit("-", 1)[-1] in LATER_DATES else TODAY
            part = name.rsplit("-", 1)[1]
            value = str({"day": day.day, "month": day.month, "year": day.year}[part])
        elif not value:
            value = FILLED_TEXT.get(base, "")
        data.append((name, value))
    return data


def forms_posting_to(client, page_url: str, action: str):
    page = client.get(page_url, follow_redirects=True)
    return [f for f in forms_on(page.get_data(as_text=True), page_url) if f.action == action]


def has_version(form) -> bool:
    return any(name.rsplit("-", 1)[-1] == "version" for name in form.fields)


def audit_count() -> int:
    return len(db.session.scalars(select(AuditEvent.id)).all())


@pytest.mark.parametrize("target", TARGETS, ids=[t.id for t in TARGETS])
def test_a_route_that_changes_a_row_refuses_a_stale_version(app, world, updates, target: Target):
    view = app.view_functions[target.endpoint]
    persona = persona_for(view.required_permission)
    if target.endpoint == "auth.set_up_authenticator_app":
        persona = "newcomer"
    newcomer = factories.create_user(
        role=Role.NURSE, organisation=world.organisation, team=world.team, totp_secret=None
    )
    _prepare(target, world)
    if target.endpoint == "staff.birth_history_page":
        # A record to change (the first save, which makes one, is tested on its own below).
        db.session.add(
            BirthHistory(passport_id=world.passport.id, gestation_weeks=39, updated_by_id=world.nurse.id)
        )
        db.session.commit()
    url = _url(app, target, world)
    action = urlsplit(url).path
    get_urls = [
        _example_url(app, rule, world)
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments - {"passport_id"} and rule.endpoint != "static"
    ]

    def client():
        fresh = app.test_client()
        _sign_in(fresh, persona, view.required_permission, world, newcomer)
        return fresh

    page_url, _form = _find_form(client(), url, get_urls)
    if page_url is None:
        assert target.endpoint in WITHOUT_A_FORM, f"no form on any page posts to {url}"
    count = len(forms_posting_to(client(), page_url, action)) if page_url else 1
    for index in range(count):
        # 1. Stale: someone else saves after the page was loaded.
        person = client()
        forms = forms_posting_to(person, page_url, action) if page_url else []
        if page_url and len(forms) <= index:
            continue  # an earlier submission took this form off its page
        stale_form = forms[index] if forms else None
        someone_else_saves_everything()
        data = honest_values(stale_form) if stale_form else []
        csrf = _csrf_of(person, page_url)
        rows_before, audit_before = database_rows(), audit_count()
        stale = updates.post(person, url, [("csrf_token", csrf), *data])
        stale_updates = set(updates.tables)
        rows_after_stale, audit_after_stale = database_rows(), audit_count()

        # 2. Honest: the form as it is now.
        person = client()
        forms = forms_posting_to(person, page_url, action) if page_url else []
        honest_form = forms[index] if len(forms) > index else None
        data = honest_values(honest_form) if honest_form else []
        csrf = _csrf_of(person, page_url)
        honest = updates.post(person, url, [("csrf_token", csrf), *data])
        changed = stale_updates | set(updates.tables)

        where = (target.id, index, stale.status_code, honest.status_code, sorted(changed))
        assert honest.status_code < 500 and stale.status_code < 500, where
        unexplained = changed - versioned_tables() - set(UNVERSIONED)
        assert not unexplained, (
            *where,
            "this route changes rows of a table with no version column: give the table one and the form the "
            "version the person saw (passport/services/versions.py), or say in UNVERSIONED why no one's "
            "change can be lost there",
        )
        versioned = changed & versioned_tables()
        if not versioned:
            continue
        assert honest_form is None or has_version(honest_form), (*where, "the form carries no version")
        if stale_form is not None and MERGED & set(stale_form.fields):
            assert stale.status_code in (302, 303), where
            continue
        html = stale.get_data(as_text=True)
        assert stale.status_code == 409, where
        assert "Someone else changed this" in html, where
        assert not (stale_updates & versioned_tables()), (*where, "a stale form changed a row")
        (
            rows_before.pop("login_session"),
            rows_after_stale.pop("login_session"),
        )  # the session's own bookkeeping
        assert rows_after_stale == rows_before, (*where, "a refused form saved something")
        assert audit_after_stale == audit_before, (*where, "a refused form wrote an audit event")


def _csrf_of(client, page_url: str | None) -> str:
    page = client.get(page_url or "/language", follow_redirects=True)
    return re.search(r'name="csrf_token"[^>]* value="([^"]+)"', page.get_data(as_text=True)).group(1)


# ---- The cases the probe found, one by one ----------------------------------------------------------------

MANUAL_ITEMS = (
    "dentist",
    "immunisations_reviewed",
    "health_summary_given",
    "prescriptions_and_costs",
    "sexual_health_support",
    "mental_health_support",
)


def _ticks(passport_id) -> set[str]:
    db.session.expire_all()
    pack = db.session.get(Passport, passport_id).leaving_pack
    return set(pack.ticked) if pack else set()


def _checklist_form(client, passport_id):
    url = f"/staff/passports/{passport_id}/leaving-pack"
    (form,) = [f for f in forms_on(client.get(url).get_data(as_text=True), url) if "ticked" in f.fields]
    return url, form


def _save_ticks(client, url, form, ticked) -> int:
    seen = [(name, value) for name, value in honest_values(form) if name in ("version", "seen_ticked")]
    seen += [("seen_ticked", item) for item in _shown_ticked(form)]
    data = [("csrf_token", form.fields["csrf_token"].value), *seen, *[("ticked", item) for item in ticked]]
    return client.post(url, data=MultiDict(data)).status_code


def _shown_ticked(form) -> list[str]:
    return [form.fields["ticked"].value] if form.fields["ticked"].value else []


def test_two_nurses_ticking_different_items_on_pages_loaded_together_keep_both_ticks(app, world):
    a, b = app.test_client(), app.test_client()
    a.sign_in_as(world.nurse)
    b.sign_in_as(world.nurse)
    url, page_a = _checklist_form(a, world.passport.id)
    _url_b, page_b = _checklist_form(b, world.passport.id)  # B's page is loaded before A saves

    assert _save_ticks(a, url, page_a, ["dentist"]) == 302
    assert _save_ticks(b, url, page_b, ["immunisations_reviewed"]) == 302
    assert _ticks(world.passport.id) == {"dentist", "immunisations_reviewed"}

    # B, still on an older page, unticks only what B saw ticked: A's tick stays.
    _url, page_b = _checklist_form(b, world.passport.id)
    _url, page_a = _checklist_form(a, world.passport.id)
    assert _save_ticks(a, url, page_a, ["dentist", "immunisations_reviewed", "health_summary_given"]) == 302
    assert _save_ticks(b, url, page_b, ["dentist"]) == 302  # B unticks "immunisations reviewed"
    assert _ticks(world.passport.id) == {"dentist", "health_summary_given"}


def test_six_first_saves_at_once_never_500_and_lose_no_tick(app, world):
    """Six nurses' first saves of an empty checklist, released together: no unique-key error on the first
    pack row, no uncaught StaleDataError after it, every tick kept."""
    assert world.passport.leaving_pack is None
    clients = []
    for _ in MANUAL_ITEMS:
        nurse = factories.create_user(role=Role.NURSE, organisation=world.organisation, team=world.team)
        client = app.test_client()
        client.sign_in_as(nurse)
        url, form = _checklist_form(client, world.passport.id)
        clients.append((client, url, form))
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def save(index: int) -> None:
        client, url, form = clients[index]
        start.wait()
        statuses.append(_save_ticks(client, url, form, [MANUAL_ITEMS[index]]))

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [302] * len(clients), statuses
    assert _ticks(world.passport.id) == set(MANUAL_ITEMS)


def test_mark_as_checked_refuses_what_the_nurse_did_not_see(app, world):
    """The young person changes their item after the nurse's page loaded: the nurse's "Mark as checked" is
    refused, and the item stays self-reported, so it is never locked in as nurse-verified unseen."""
    nurse = app.test_client()
    nurse.sign_in_as(world.nurse)
    passport_url = f"/staff/passports/{world.passport.id}"
    page = f"{passport_url}/health"  # conditions are on the health page
    verify = f"{passport_url}/condition/{world.own_condition.id}/verify"
    (form,) = [f for f in forms_on(nurse.get(page).get_data(as_text=True), page) if f.action == verify]
    seen = form.fields["version"].value

    condition = db.session.get(Condition, world.own_condition.id)
    items.update_item(
        world.young_person,
        db.session.get(Passport, world.passport.id),
        "condition",
        condition,
        {"name": "Hay fever and asthma", "since": None, "notes": None, "sensitivity": None},
        expected_version=int(seen),
    )
    response = nurse.post(verify, data={"csrf_token": form.fields["csrf_token"].value, "version": seen})
    assert response.status_code == 409
    assert "Someone else changed this" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Condition, world.own_condition.id).source == "self_reported"

    # With the page as it is now, it works, and the audit says which version was checked.
    (form,) = [f for f in forms_on(nurse.get(page).get_data(as_text=True), page) if f.action == verify]
    response = nurse.post(
        verify, data={"csrf_token": form.fields["csrf_token"].value, "version": form.fields["version"].value}
    )
    assert response.status_code == 302
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.event_type == "item_verified")).one()
    assert str(event.details["version_checked"]) == form.fields["version"].value


def test_an_older_records_form_neither_overwrites_the_choice_nor_blanks_sex_at_birth(app, world):
    a, b = app.test_client(), app.test_client()
    a.sign_in_as(world.nurse)
    b.sign_in_as(world.nurse)
    page = f"/staff/passports/{world.passport.id}/vaccines"  # the records form is on the vaccines page
    action = f"/staff/passports/{world.passport.id}/immunisation-records"

    def records_form(client):
        return next(f for f in forms_on(client.get(page).get_data(as_text=True), page) if f.action == action)

    form_a, form_b = records_form(a), records_form(b)
    data = dict(honest_values(form_a))
    data.update({"records-records": "documented", "records-sex_registered_at_birth": "female"})
    assert a.post(action, data=data).status_code == 302
    stale = dict(honest_values(form_b))
    stale.update({"records-records": "none", "records-sex_registered_at_birth": ""})
    response = b.post(action, data=stale)
    assert response.status_code == 409
    db.session.expire_all()
    passport = db.session.get(Passport, world.passport.id)
    assert (passport.immunisation_records, passport.sex_registered_at_birth) == ("documented", "female")


def test_two_first_saves_of_a_birth_history_at_once_make_one_record_and_never_500(app, world):
    clients = []
    for _ in range(4):
        client = app.test_client()
        client.sign_in_as(world.nurse)
        url = f"/staff/passports/{world.passport.id}/birth-history"
        (form,) = [f for f in forms_on(client.get(url).get_data(as_text=True), url) if "version" in f.fields]
        clients.append((client, url, form))
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def save(index: int) -> None:
        client, url, form = clients[index]
        data = dict(honest_values(form))
        data["gestation_weeks"] = str(30 + index)
        start.wait()
        statuses.append(client.post(url, data=data).status_code)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [302] + [409] * (len(clients) - 1), statuses
    assert len(db.session.scalars(select(BirthHistory)).all()) == 1


def test_the_guard_refuses_a_change_nobody_checked(app, world):
    """The mechanism behind the test above: a request that changes a versioned row without checking the
    version its person saw fails, whatever the route (in production it is logged instead)."""
    with app.test_request_context("/anything", method="POST"):
        passport = db.session.get(Passport, world.passport.id)
        passport.preferred_name = "Changed unseen"
        with pytest.raises(version_guard.UncheckedChange):
            db.session.flush()
        db.session.rollback()

        passport = db.session.get(Passport, world.passport.id)
        versions.check_seen(passport, passport.version)
        passport.preferred_name = "Changed seen"
        db.session.flush()  # checked: allowed
        db.session.rollback()

        app.config["STRICT_ROW_VERSIONS"] = False
        try:
            passport = db.session.get(Passport, world.passport.id)
            passport.preferred_name = "Changed unseen in production"
            db.session.flush()  # logged, not refused
        finally:
            app.config["STRICT_ROW_VERSIONS"] = True
            db.session.rollback()


def test_insert_first_makes_one_row_under_a_unique_key(world):
    first = versions.insert_first(
        LeavingPack, passport_id=world.passport.id, checklist_version="x", ticked={}
    )
    second = versions.insert_first(
        LeavingPack, passport_id=world.passport.id, checklist_version="y", ticked={}
    )
    assert first is not None and second is None
    db.session.commit()
    assert db.session.scalars(select(LeavingPack)).one().checklist_version == "x"
