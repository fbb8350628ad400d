"""members: people of a group, each with their own saved papers, dismissals, rules and follows; paper features

Existing saved rows are carried to the default member (id 1, "default"), so a single user sees no change.

Revision ID: 0004
Revises: 0003_digest
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003_digest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("name", name=op.f("uq_members_name")),
    )
    members = sa.table("members", sa.column("id", sa.Integer()), sa.column("name", sa.String()), sa.column("created_at", sa.DateTime(timezone=True)))
    from datetime import datetime, timezone

    op.bulk_insert(members, [{"id": 1, "name": "default", "created_at": datetime.now(timezone.utc)}])
    if op.get_bind().dialect.name == "postgresql":  # the explicit id 1 must not collide with the next serial value
        op.execute("SELECT setval(pg_get_serial_sequence('members', 'id'), (SELECT MAX(id) FROM members))")

    # saved: keyed by (member, paper); every existing row belongs to the default member
    with op.batch_alter_table("saved", schema=None, recreate="always") as batch_op:
        batch_op.add_column(sa.Column("member_id", sa.Integer(), nullable=False, server_default="1"))
        batch_op.drop_constraint("pk_saved", type_="primary")
        batch_op.create_primary_key("pk_saved", ["member_id", "paper_id"])
        batch_op.create_foreign_key(batch_op.f("fk_saved_member_id_members"), "members", ["member_id"], ["id"], ondelete="CASCADE")
        batch_op.create_index(batch_op.f("ix_saved_paper_id"), ["paper_id"], unique=False)
    with op.batch_alter_table("saved", schema=None) as batch_op:
        batch_op.alter_column("member_id", server_default=None)

    op.create_table(
        "dismissals",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=512), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_dismissals_member_id_members"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("member_id", "target", name=op.f("pk_dismissals")),
    )
    op.create_table(
        "rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("expression", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_rules_member_id_members"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rules")),
    )
    with op.batch_alter_table("rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rules_member_id"), ["member_id"], unique=False)
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("blogs", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_follows_member_id_members"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follows")),
        sa.UniqueConstraint("member_id", "kind", "value", name="uq_follows_member_kind_value"),
    )
    op.create_table(
        "paper_features",
        sa.Column("paper_id", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=32), nullable=False),
        sa.Column("text_hash", sa.String(length=16), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("tokens", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["paper_id"], ["papers.arxiv_id"], name=op.f("fk_paper_features_paper_id_papers"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("paper_id", name=op.f("pk_paper_features")),
    )


def downgrade() -> None:
    op.drop_table("paper_features")
    op.drop_table("follows")
    with op.batch_alter_table("rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rules_member_id"))
    op.drop_table("rules")
    op.drop_table("dismissals")
    # saved goes back to one list: the default member's rows (other members' saves cannot be kept apart)
    op.execute("DELETE FROM saved WHERE member_id <> 1")
    with op.batch_alter_table("saved", schema=None, recreate="always") as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_paper_id"))
        batch_op.drop_constraint("fk_saved_member_id_members", type_="foreignkey")
        batch_op.drop_constraint("pk_saved", type_="primary")
        batch_op.create_primary_key("pk_saved", ["paper_id"])
        batch_op.drop_column("member_id")
    op.drop_table("members")
