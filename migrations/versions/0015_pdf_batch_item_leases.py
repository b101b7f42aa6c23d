"""pdf batch item leases: the worker making each leaving-pack PDF and until when, so a paused worker and the
one that took its batch over never both make (and audit) the same pack (passport/services/pdf_batches.py)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("pdf_batch_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("leased_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("pdf_batch_item", schema=None) as batch_op:
        batch_op.drop_column("lease_until")
        batch_op.drop_column("leased_by")
