"""digest: entries.backlog, the undated items of a source's first fetch (not this week's news)

Revision ID: 0003_digest
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_digest"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("backlog", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_column("backlog")
