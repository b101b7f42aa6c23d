"""`flask render-leaving-packs`: the background worker that makes batches of leaving-pack PDFs.

Run one next to the web servers (docs/deploy.md): it waits for a batch a nurse has asked for, makes its
PDFs with one render process per core, and waits again. Several may run, on one machine or many; each batch
is made by one of them, and a batch whose worker stopped is taken over two minutes later. `--once` makes
whatever is waiting and stops (for cron, and for tests).
"""

from __future__ import annotations

import os
import socket
import time

import click
from flask import current_app

from passport import backup
from passport.exports.pdf import start_render_workers, stop_render_workers
from passport.services import pdf_batches


@click.command("render-leaving-packs")
@click.option("--once", is_flag=True, help="Make every waiting batch, then stop.")
@click.option(
    "--processes",
    type=click.IntRange(min=1),
    default=None,
    help="PDF render processes working in parallel (default: one per core).",
)
@click.option("--poll", type=click.FloatRange(min=0.1), default=2.0, help="Seconds between looks for work.")
def render_leaving_packs(once: bool, processes: int | None, poll: float) -> None:
    """Make the leaving-pack PDFs nurses have asked for, in the background."""
    processes = processes or os.cpu_count() or 1
    app = current_app._get_current_object()
    if not backup.hold_database(app):
        raise click.ClickException(
            "A restore is under way on this database: start the worker when it is done."
        )
    worker = f"{socket.gethostname()}:{os.getpid()}"[:100]
    start_render_workers(processes)
    try:
        while True:
            deleted = pdf_batches.delete_expired()
            if deleted:
                click.echo(f"Deleted {deleted} finished batch(es) and their PDFs.")
            batch_id = pdf_batches.claim_next(worker)
            if batch_id is not None:
                started = time.monotonic()
                pdf_batches.render_batch(app, batch_id, processes)
                click.echo(f"Batch {batch_id} made in {time.monotonic() - started:.1f} s.")
                continue
            if once:
                return
            time.sleep(poll)
    finally:
        stop_render_workers()
