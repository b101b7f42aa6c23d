"""Server time of the young person's passport page for a realistic passport (about 30 vaccine doses, 10
contacts, 5 conditions, registrations, allergies, medicines, assessments).

    python bench/bench_page.py --database postgresql --size 10k

Measured in this process through Flask's test client against the real app with production settings: from
the request going in to the whole HTML page coming out (session and sign-in check, every query, the
projection, the immunisation report, the template). No network and no gunicorn (bench_http.py has those).
The garbage collector is set as gunicorn.conf.py sets it once a worker has loaded the app (start-up
objects frozen, a larger youngest generation) before timing.
"""

from __future__ import annotations

import argparse
import logging
import uuid

from common import (
    QueryCounter,
    emit,
    load_manifest,
    production_app,
    signed_in_client,
    time_calls_with_cpu,
    tune_garbage_collector,
)

PAGES = ("/my-passport/", "/my-passport/vaccines", "/my-passport/health", "/my-passport/contacts")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--size", default="10k")
    parser.add_argument("--runs", type=int, default=300)
    arguments = parser.parse_args()
    manifest = load_manifest(arguments.database, arguments.size)
    app = production_app(manifest["url"])
    logging.getLogger().setLevel(logging.WARNING)

    from sqlalchemy import func, select

    from passport import models
    from passport.extensions import db

    passport_id = uuid.UUID(manifest["passport_id"])
    with app.app_context():
        engine = db.engine
        shape = {
            name: db.session.scalar(select(func.count()).where(model.passport_id == passport_id))
            for name, model in (
                ("immunisation doses", models.ImmunisationDose),
                ("contacts", models.Contact),
                ("conditions", models.Condition),
                ("registrations", models.Registration),
                ("allergies", models.Allergy),
                ("medicines", models.Medication),
                ("assessments", models.HealthAssessment),
            )
        }
        db.session.remove()

    client = signed_in_client(app, manifest["young_person_id"])

    def get(path: str):
        return client.get(path, base_url="https://localhost")

    for path in PAGES:  # compile the templates, fill the caches
        assert get(path).status_code == 200, path
    tune_garbage_collector()
    results = {}
    for n, path in enumerate(PAGES):
        response = get(path)
        with QueryCounter(engine) as counter:
            get(path)
        runs = arguments.runs if n == 0 else max(50, arguments.runs // 3)
        timings = time_calls_with_cpu(lambda p=path: get(p), runs, warm_up=10)
        results[path] = {"bytes": len(response.data), "queries": counter.count, **timings}
    emit({"database": arguments.database, "size": arguments.size, "passport": shape, "pages": results})


if __name__ == "__main__":
    main()
