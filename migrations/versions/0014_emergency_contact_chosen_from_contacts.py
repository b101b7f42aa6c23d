"""An emergency contact is chosen from the contacts already there

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 01:00:00

Until now the only way to record an emergency contact was a contact whose type was "Emergency contact",
so a foster carer already in the passport had to be added a second time. Any contact can now be marked as
someone to call in an emergency.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("transition_contact", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("emergency_contact", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("transition_contact", schema=None) as batch_op:
        batch_op.drop_column("emergency_contact")
