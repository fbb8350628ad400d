"""search: indexes for the search index's watermark (MAX/range on first_seen_at, enriched_at, updated_at)

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("papers", schema=None) as batch_op:
        batch_op.create_index("ix_papers_first_seen_at", ["first_seen_at"], unique=False)
        batch_op.create_index("ix_papers_enriched_at", ["enriched_at"], unique=False)
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.create_index("ix_entries_updated_at", ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_index("ix_entries_updated_at")
    with op.batch_alter_table("papers", schema=None) as batch_op:
        batch_op.drop_index("ix_papers_enriched_at")
        batch_op.drop_index("ix_papers_first_seen_at")
