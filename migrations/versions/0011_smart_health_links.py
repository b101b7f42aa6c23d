"""smart health links

Each share link gets a manifest token (hashed), its file key wrapped under that token, and the young person's
choice to add the signed card; share_link_file holds the short-lived encrypted files a manifest hands out by
location.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("share_link", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shl_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("shl_key_wrapped", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("include_health_card", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_unique_constraint(batch_op.f("uq_share_link_shl_token_hash"), ["shl_token_hash"])

    op.create_table(
        "share_link_file",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("share_link_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("jwe", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["share_link_id"], ["share_link.id"], name=op.f("fk_share_link_file_share_link_id_share_link")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_link_file")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_share_link_file_token_hash")),
    )
    with op.batch_alter_table("share_link_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_share_link_file_share_link_id"), ["share_link_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_share_link_file_expires_at"), ["expires_at"], unique=False)


def downgrade():
    with op.batch_alter_table("share_link_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_share_link_file_expires_at"))
        batch_op.drop_index(batch_op.f("ix_share_link_file_share_link_id"))
    op.drop_table("share_link_file")
    with op.batch_alter_table("share_link", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_share_link_shl_token_hash"), type_="unique")
        batch_op.drop_column("include_health_card")
        batch_op.drop_column("shl_key_wrapped")
        batch_op.drop_column("shl_token_hash")
