"""Access after 18 is asked, not assumed

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 23:00:00

Until now `nurse_access_after_18` and `adviser_access_after_18` were on unless the young person turned
them off. From now they are a question: yes, no, or not answered yet (NULL), and no answer means no access
for the nurse from the 18th birthday (policy.py).

How existing passports are treated:
- Anyone already 18 or over on the day this runs keeps exactly what they have now: their access has been
  working on the old rule, and taking it away silently would cut off care they rely on. They can change it
  on "Who can see my passport" at any time.
- Anyone under 18 has not been asked yet, so their answer becomes "not answered" (NULL): they are asked in the
  30 days before their 18th birthday.
The downgrade turns "not answered" back into the old default (on).
"""

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _eighteen_years_before(today: date) -> date:
    try:
        return today.replace(year=today.year - 18)
    except ValueError:  # 29 February
        return date(today.year - 18, 2, 28)


def upgrade():
    with op.batch_alter_table("passport", schema=None) as batch_op:
        batch_op.alter_column("nurse_access_after_18", existing_type=sa.Boolean(), nullable=True)
        batch_op.alter_column("adviser_access_after_18", existing_type=sa.Boolean(), nullable=True)
    passport = sa.table(
        "passport",
        sa.column("date_of_birth", sa.Date()),
        sa.column("nurse_access_after_18", sa.Boolean()),
        sa.column("adviser_access_after_18", sa.Boolean()),
    )
    # Born after this date: not yet 18 today (UTC date; a day's difference at midnight does not matter for
    # a question that is asked 30 days ahead).
    not_yet_18 = passport.c.date_of_birth > _eighteen_years_before(datetime.now(UTC).date())
    op.execute(
        passport.update().where(not_yet_18).values(nurse_access_after_18=None, adviser_access_after_18=None)
    )


def downgrade():
    passport = sa.table(
        "passport",
        sa.column("nurse_access_after_18", sa.Boolean()),
        sa.column("adviser_access_after_18", sa.Boolean()),
    )
    op.execute(
        passport.update().where(passport.c.nurse_access_after_18.is_(None)).values(nurse_access_after_18=True)
    )
    op.execute(
        passport.update()
        .where(passport.c.adviser_access_after_18.is_(None))
        .values(adviser_access_after_18=True)
    )
    with op.batch_alter_table("passport", schema=None) as batch_op:
        batch_op.alter_column("nurse_access_after_18", existing_type=sa.Boolean(), nullable=False)
        batch_op.alter_column("adviser_access_after_18", existing_type=sa.Boolean(), nullable=False)
