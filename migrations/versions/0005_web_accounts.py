"""web accounts: members sign in to `feedhub serve` (admin flag, argon2 password hash, language), their
one-time sign-in links, browser sessions and API tokens (hashes only), and the server's own options.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, never a batch "recreate": rebuilding `members` on SQLite drops the old table, and its
    # ON DELETE CASCADE would take every member's saved papers, dismissals, rules and follows with it.
    op.add_column("members", sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("members", sa.Column("password_hash", sa.Text(), nullable=True))
    op.add_column("members", sa.Column("lang", sa.String(length=8), nullable=False, server_default="en"))
    # the default member (a single user) is the admin of their own server
    op.execute("UPDATE members SET is_admin = TRUE WHERE id = 1")
    op.create_table(
        "web_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_web_tokens_member_id_members"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_tokens_token_hash")),
    )
    op.create_table(
        "web_options",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_web_options")),
    )


def downgrade() -> None:
    op.drop_table("web_options")
    op.drop_table("web_tokens")
    for column in ("lang", "password_hash", "is_admin"):  # ALTER TABLE DROP COLUMN (SQLite >= 3.35): no table rebuild, no cascade
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE members DROP COLUMN {column}")
        else:
            op.drop_column("members", column)
