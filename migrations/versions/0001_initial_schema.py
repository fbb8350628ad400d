"""initial_schema

Revision ID: 0001
Revises:
Create Date: 2026-11-29 06:55:14.886117
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('digests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('week', sa.String(length=32), nullable=False),
    sa.Column('tz', sa.String(length=64), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('window_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('stories', sa.JSON(), nullable=False),
    sa.Column('markdown', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digests')),
    sa.UniqueConstraint('week', 'tz', 'lang', name='uq_digests_week_tz_lang')
    )
    op.create_table('papers',
    sa.Column('arxiv_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('abstract', sa.Text(), nullable=False),
    sa.Column('authors', sa.JSON(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('primary_category', sa.String(length=32), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('doi', sa.Text(), nullable=True),
    sa.Column('journal_ref', sa.Text(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('license', sa.Text(), nullable=True),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('enriched_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('arxiv_id', name=op.f('pk_papers'))
    )
    with op.batch_alter_table('papers', schema=None) as batch_op:
        batch_op.create_index('ix_papers_published_at', ['published_at'], unique=False)

    op.create_table('repos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('stars', sa.Integer(), nullable=True),
    sa.Column('topics', sa.JSON(), nullable=False),
    sa.Column('pushed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('etag', sa.Text(), nullable=True),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_repos')),
    sa.UniqueConstraint('full_name', name=op.f('uq_repos_full_name'))
    )
    op.create_table('runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('repro_name', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('device', sa.String(length=16), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('metrics', sa.JSON(), nullable=False),
    sa.Column('verdict', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('paper_figure', sa.Text(), nullable=False),
    sa.Column('measured', sa.Text(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('out_dir', sa.Text(), nullable=True),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_runs'))
    )
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_runs_repro_name'), ['repro_name'], unique=False)

    op.create_table('sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('section', sa.String(length=16), nullable=True),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('etag', sa.Text(), nullable=True),
    sa.Column('last_modified', sa.Text(), nullable=True),
    sa.Column('next_check_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_fetched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_warning', sa.Text(), nullable=True),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sources')),
    sa.UniqueConstraint('url', name=op.f('uq_sources_url'))
    )
    op.create_table('entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('link', sa.Text(), nullable=True),
    sa.Column('canonical_url', sa.Text(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('authors', sa.JSON(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_entries_source_id_sources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entries')),
    sa.UniqueConstraint('source_id', 'key', name='uq_entries_source_key')
    )
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.create_index('ix_entries_canonical_url', ['canonical_url'], unique=False)
        batch_op.create_index('ix_entries_published_at', ['published_at'], unique=False)

    op.create_table('paper_repos',
    sa.Column('paper_id', sa.String(length=64), nullable=False),
    sa.Column('repo_id', sa.Integer(), nullable=False),
    sa.Column('provenance', sa.String(length=32), nullable=False),
    sa.Column('official', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['paper_id'], ['papers.arxiv_id'], name=op.f('fk_paper_repos_paper_id_papers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['repo_id'], ['repos.id'], name=op.f('fk_paper_repos_repo_id_repos'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('paper_id', 'repo_id', name=op.f('pk_paper_repos'))
    )
    with op.batch_alter_table('paper_repos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_repos_repo_id'), ['repo_id'], unique=False)

    op.create_table('paper_repros',
    sa.Column('paper_id', sa.String(length=64), nullable=False),
    sa.Column('repro_name', sa.String(length=64), nullable=False),
    sa.Column('provenance', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['paper_id'], ['papers.arxiv_id'], name=op.f('fk_paper_repros_paper_id_papers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('paper_id', 'repro_name', name=op.f('pk_paper_repros'))
    )
    with op.batch_alter_table('paper_repros', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_repros_repro_name'), ['repro_name'], unique=False)

    op.create_table('saved',
    sa.Column('paper_id', sa.String(length=64), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['paper_id'], ['papers.arxiv_id'], name=op.f('fk_saved_paper_id_papers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('paper_id', name=op.f('pk_saved'))
    )
    op.create_table('entry_repos',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('repo_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_entry_repos_entry_id_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['repo_id'], ['repos.id'], name=op.f('fk_entry_repos_repo_id_repos'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('entry_id', 'repo_id', name=op.f('pk_entry_repos'))
    )
    with op.batch_alter_table('entry_repos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_repos_repo_id'), ['repo_id'], unique=False)

    op.create_table('paper_entries',
    sa.Column('paper_id', sa.String(length=64), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('provenance', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_paper_entries_entry_id_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['paper_id'], ['papers.arxiv_id'], name=op.f('fk_paper_entries_paper_id_papers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('paper_id', 'entry_id', name=op.f('pk_paper_entries'))
    )
    with op.batch_alter_table('paper_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_entries_entry_id'), ['entry_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('paper_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_entries_entry_id'))

    op.drop_table('paper_entries')
    with op.batch_alter_table('entry_repos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_repos_repo_id'))

    op.drop_table('entry_repos')
    op.drop_table('saved')
    with op.batch_alter_table('paper_repros', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_repros_repro_name'))

    op.drop_table('paper_repros')
    with op.batch_alter_table('paper_repos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_repos_repo_id'))

    op.drop_table('paper_repos')
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_index('ix_entries_published_at')
        batch_op.drop_index('ix_entries_canonical_url')

    op.drop_table('entries')
    op.drop_table('sources')
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_runs_repro_name'))

    op.drop_table('runs')
    op.drop_table('repos')
    with op.batch_alter_table('papers', schema=None) as batch_op:
        batch_op.drop_index('ix_papers_published_at')

    op.drop_table('papers')
    op.drop_table('digests')
