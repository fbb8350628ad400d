"""runs.judgement: the verdict library's judgement of a run (estimate, interval, n, each arm), so the
reproduction page shows the interval beside the verdict as the report does. Runs stored before have none.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("runs", sa.Column("judgement", sa.JSON(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # ALTER TABLE DROP COLUMN (SQLite >= 3.35): no table rebuild
        op.execute("ALTER TABLE runs DROP COLUMN judgement")
    else:
        op.drop_column("runs", "judgement")
