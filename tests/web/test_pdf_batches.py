"""Leaving packs for a whole cohort: the nurse asks, the background worker makes them, the nurse watches
the count and downloads a zip. The web request never makes a PDF itself."""

from __future__ import annotations

import io
import re
import threading
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from passport import clock
from passport.exports import pdf
from passport.extensions import db
from passport.models import (
    Assignment,
    AuditEvent,
    BatchItemStatus,
    BatchStatus,
    Passport,
    PdfBatch,
    PdfBatchItem,
    User,
)
from passport.services import audit, pdf_batches
from passport.worker import render_leaving_packs
from tests import factories
from tests.conftest import csrf_token


def start(client, cohort="everyone"):
    return client.post("/staff/leaving-packs", data={"csrf_token": csrf_token(client), "cohort": cohort})


def run_worker(app):
    result = app.test_cli_runner().invoke(render_leaving_packs, ["--once", "--processes", "2"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result


def batch_url(client, cohort="everyone") -> str:
    response = start(client, cohort)
    assert response.status_code == 302, response.status_code
    return response.headers["Location"]


@pytest.fixture
def due_passport(world):
    """17 and about four months from 18: their leaving pack is due."""
    return factories.create_passport(
        organisation=world.organisation,
        team=world.team,
        legal_name="Avery Stonebridge",
        date_of_birth=factories.date_of_birth_for_age(17, extra_days=240),
        nhs_number="9990000042",
        nurse=world.nurse,
    )


def test_the_page_says_how_many_are_due_and_on_the_caseload(client, world, due_passport):
    client.sign_in_as(world.nurse)
    text = client.get("/staff/leaving-packs").get_data(as_text=True)
    assert "1 young person has a leaving pack due." in text
    assert "3 young people are on your caseload." in text  # the team's passports: passport, unclaimed, due
    assert "/staff/leaving-packs" in client.get("/staff/caseload").get_data(as_text=True)


def test_asking_writes_a_batch_down_and_makes_no_pdf_in_the_request(client, world, monkeypatch):
    def no_rendering_here(*args, **kwargs):
        raise AssertionError("a web request made a PDF")

    monkeypatch.setattr(pdf, "render_pdf", no_rendering_here)
    client.sign_in_as(world.nurse)
    url = batch_url(client)
    batch = db.session.scalar(select(PdfBatch))
    assert url == f"/staff/leaving-packs/{batch.id}"
    assert batch.status == BatchStatus.QUEUED and batch.total == 2
    page = client.get(url)
    assert page.headers["Refresh"] == "5"  # refreshes itself, no JavaScript
    text = page.get_data(as_text=True)
    assert "Waiting to start." in text and "0 of 2 made so far." in text
    assert "Download" not in text


def test_the_worker_makes_them_and_the_nurse_downloads_a_zip(app, client, world, due_passport):
    client.sign_in_as(world.nurse)
    url = batch_url(client)
    run_worker(app)
    batch = db.session.scalar(select(PdfBatch))
    assert batch.status == BatchStatus.DONE and batch.finished_at is not None
    page = client.get(url)
    assert "Refresh" not in page.headers
    assert "Finished: 3 PDFs made." in page.get_data(as_text=True)
    download = client.post(f"{url}/download", data={"csrf_token": csrf_token(client)})
    assert download.status_code == 200
    assert download.mimetype == "application/zip"
    assert download.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    names = archive.namelist()
    assert len(names) == 3 and all(re.fullmatch(r"\d{3}-leaving-pack-[A-Za-z0-9._-]+\.pdf", n) for n in names)
    assert [n.split("-leaving-pack-")[1].rsplit("-", 3)[0] for n in names] == [
        "Avery-Stonebridge",  # by name
        "Morgan-Ashdown",
        "Robin-Fairweather",
    ]
    assert all(archive.read(n).startswith(b"%PDF-") for n in names)
    exported = db.session.scalar(
        select(func.count()).where(
            AuditEvent.event_type == "passport_exported", AuditEvent.actor_id == world.nurse.id
        )
    )
    assert exported == 3  # each PDF audited, as one made on its own page is


def test_only_the_nurse_who_asked_sees_the_batch(app, client, world):
    client.sign_in_as(world.nurse)
    url = batch_url(client)
    run_worker(app)
    for other in (world.other_team_nurse, world.other_nurse):
        other_client = app.test_client()
        other_client.sign_in_as(other)
        assert other_client.get(url).status_code == 404
        token = csrf_token(other_client)
        assert other_client.post(f"{url}/download", data={"csrf_token": token}).status_code == 404
        assert url not in other_client.get("/staff/leaving-packs").get_data(as_text=True)


def test_a_young_person_who_left_the_caseload_meanwhile_is_left_out(app, client, world):
    client.sign_in_as(world.nurse)
    url = batch_url(client)
    # Before the worker gets to it, the unclaimed passport moves to the other team and another nurse.
    moved = db.session.get(Passport, world.unclaimed_passport.id)
    moved.team_id = world.other_team.id
    for assignment in db.session.scalars(select(Assignment).where(Assignment.passport_id == moved.id)):
        assignment.ended_at = clock.now()
    db.session.commit()
    run_worker(app)
    statuses = dict(db.session.execute(select(PdfBatchItem.passport_id, PdfBatchItem.status)).all())
    assert statuses == {world.passport.id: BatchItemStatus.DONE, moved.id: BatchItemStatus.SKIPPED}
    assert "1 young person was left out" in client.get(url).get_data(as_text=True)


def test_asking_again_while_one_is_under_way_gives_the_same_batch(client, world):
    client.sign_in_as(world.nurse)
    assert batch_url(client) == batch_url(client)
    assert db.session.scalar(select(func.count()).select_from(PdfBatch)) == 1


def test_nobody_due_is_said_plainly(client, world):
    client.sign_in_as(world.nurse)
    response = start(client, "pack_due")
    assert response.status_code == 400
    assert "Nobody on your caseload matches" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PdfBatch)) == 0


def test_only_nurses_may_ask(app, world):
    for persona in (world.adviser, world.admin, world.young_person):
        client = app.test_client()
        client.sign_in_as(persona)
        assert start(client).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(PdfBatch)) == 0


def test_one_worker_claims_a_batch_and_a_quiet_one_is_taken_over(client, world):
    client.sign_in_as(world.nurse)
    batch_url(client)
    batch_id = db.session.scalar(select(PdfBatch.id))
    assert pdf_batches.claim_next("first:1") == batch_id
    assert pdf_batches.claim_next("second:2") is None  # it is running, and its worker is alive
    batch = db.session.get(PdfBatch, batch_id)
    batch.heartbeat_at = clock.now() - pdf_batches.STALE_AFTER - timedelta(seconds=1)
    db.session.commit()
    assert pdf_batches.claim_next("second:2") == batch_id
    db.session.expire_all()
    assert db.session.get(PdfBatch, batch_id).claimed_by == "second:2"


def test_finished_batches_and_their_pdfs_are_deleted_after_a_day(app, client, world):
    client.sign_in_as(world.nurse)
    batch_url(client)
    run_worker(app)
    batch = db.session.scalar(select(PdfBatch))
    batch.finished_at = clock.now() - pdf_batches.KEEP_FOR - timedelta(minutes=1)
    db.session.commit()
    result = run_worker(app)
    assert "Deleted 1 finished batch" in result.output
    assert db.session.scalar(select(func.count()).select_from(PdfBatch)) == 0
    assert db.session.scalar(select(func.count()).select_from(PdfBatchItem)) == 0


def test_an_inactive_nurse_gets_nothing_made(app, client, world):
    client.sign_in_as(world.nurse)
    batch_url(client)
    db.session.get(User, world.nurse.id).active = False
    db.session.commit()
    run_worker(app)
    statuses = set(db.session.scalars(select(PdfBatchItem.status)))
    assert statuses == {BatchItemStatus.SKIPPED}


def test_a_paused_worker_and_its_replacement_make_each_pack_once(
    app, client, world, due_passport, monkeypatch
):
    """Found by an outside probe: a worker paused mid-batch (SIGSTOP) and the worker that took the batch over
    both made the same PDFs: 82 of 126 young people got two "exported" audit events, shown to them as two
    looks. Each item is now leased (a conditional UPDATE naming the worker and a deadline), and the result is
    written only if the lease is still this worker's, in the same transaction as its audit event."""
    client.sign_in_as(world.nurse)
    batch_url(client)
    batch_id = db.session.scalar(select(PdfBatch.id))
    paused, resume = threading.Event(), threading.Event()
    made: list[str] = []

    def leaving_pack_pdf(nurse, passport, *, renderer):
        """As exports.leaving_pack_pdf: the policy, the PDF, one audit event (without WeasyPrint)."""
        made.append(passport.legal_name)
        if len(made) == 1:
            paused.set()  # the first worker stops in the middle of its first pack…
            resume.wait(30)  # …until it is woken long after the batch was taken over
        audit.record("passport_exported", actor=nurse, passport=passport, export="leaving_pack_pdf")
        return b"%PDF-1.7 invented"

    monkeypatch.setattr(pdf_batches.exports, "leaving_pack_pdf", leaving_pack_pdf)
    assert pdf_batches.claim_next("first:1") == batch_id

    def first_worker():
        with app.app_context():
            pdf_batches.render_batch(app, batch_id, 1)

    first = threading.Thread(target=first_worker, name="paused-worker")
    first.start()
    assert paused.wait(30)
    # Its heartbeat goes quiet; a second worker takes the batch over and makes every pack.
    app.config["FROZEN_NOW"] = (
        clock.now() + pdf_batches.STALE_AFTER + pdf_batches.LEASE + timedelta(minutes=1)
    )
    assert pdf_batches.claim_next("second:2") == batch_id
    pdf_batches.render_batch(app, batch_id, 1)
    resume.set()
    first.join(30)
    assert not first.is_alive()

    db.session.expire_all()
    items = db.session.scalars(select(PdfBatchItem).where(PdfBatchItem.batch_id == batch_id)).all()
    assert {item.status for item in items} == {BatchItemStatus.DONE}
    exported = db.session.scalars(
        select(AuditEvent.passport_id).where(AuditEvent.event_type == "passport_exported")
    ).all()
    assert sorted(map(str, exported)) == sorted(str(item.passport_id) for item in items)  # once each
    batch = db.session.get(PdfBatch, batch_id)
    assert batch.status == BatchStatus.DONE and batch.claimed_by == "second:2"


# ---- In development (`make run`): the web server makes batches itself -------------------------------------


@pytest.fixture
def made_in_process(app):
    """RENDER_BATCHES_IN_PROCESS on, as DevelopmentConfig has it; the thread finished before the test ends."""
    app.config["RENDER_BATCHES_IN_PROCESS"] = True
    yield
    app.config["RENDER_BATCHES_IN_PROCESS"] = False
    assert pdf_batches.wait_for_in_process(timeout=120)


def test_development_turns_it_on_and_production_and_tests_do_not():
    from passport.config import DevelopmentConfig, ProductionConfig, TestConfig

    assert DevelopmentConfig.RENDER_BATCHES_IN_PROCESS is True
    assert ProductionConfig.RENDER_BATCHES_IN_PROCESS is False
    assert TestConfig.RENDER_BATCHES_IN_PROCESS is False


def test_in_development_a_batch_finishes_with_no_worker_running(client, world, due_passport, made_in_process):
    """`make run` starts no worker: asking for the batch starts the server's own thread, which makes every
    PDF (audited, as the worker's are) and marks the batch done; the nurse's page then offers the zip."""
    client.sign_in_as(world.nurse)
    url = batch_url(client)
    assert pdf_batches.wait_for_in_process(timeout=120)
    db.session.expire_all()
    batch = db.session.scalar(select(PdfBatch))
    assert batch.status == BatchStatus.DONE and batch.claimed_by.endswith(":web")
    assert "Finished: 3 PDFs made." in client.get(url).get_data(as_text=True)
    archive = zipfile.ZipFile(
        io.BytesIO(client.post(f"{url}/download", data={"csrf_token": csrf_token(client)}).data)
    )
    assert len(archive.namelist()) == 3 and all(
        archive.read(n).startswith(b"%PDF-") for n in archive.namelist()
    )
    exported = db.session.scalar(
        select(func.count()).where(
            AuditEvent.event_type == "passport_exported", AuditEvent.actor_id == world.nurse.id
        )
    )
    assert exported == 3


def test_a_batch_left_waiting_is_made_when_its_page_is_looked_at(app, client, world, made_in_process):
    """A batch asked for while the thread was stopping, or before the server restarted, is not stranded: the
    batch page (which refreshes itself) starts the thread again."""
    client.sign_in_as(world.nurse)
    app.config["RENDER_BATCHES_IN_PROCESS"] = False
    url = batch_url(client)  # written down, nothing started
    assert db.session.scalar(select(PdfBatch.status)) == BatchStatus.QUEUED
    app.config["RENDER_BATCHES_IN_PROCESS"] = True
    client.get(url)  # the page, refreshing itself, starts the thread
    assert pdf_batches.wait_for_in_process(timeout=120)
    db.session.expire_all()
    assert db.session.scalar(select(PdfBatch.status)) == BatchStatus.DONE


def test_the_server_and_a_worker_together_make_each_pack_once(
    app, client, world, due_passport, made_in_process
):
    """Someone who also runs `flask render-leaving-packs` in development: the claim and the leases still give
    each young person one PDF and one audit event."""
    client.sign_in_as(world.nurse)
    batch_url(client)
    run_worker(app)  # alongside the server's thread, on the same batch
    assert pdf_batches.wait_for_in_process(timeout=120)
    db.session.expire_all()
    items = db.session.scalars(select(PdfBatchItem)).all()
    assert len(items) == 3 and all(item.status == BatchItemStatus.DONE for item in items)
    exported = db.session.scalar(
        select(func.count()).where(
            AuditEvent.event_type == "passport_exported", AuditEvent.actor_id == world.nurse.id
        )
    )
    assert exported == 3
