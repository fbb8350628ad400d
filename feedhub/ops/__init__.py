"""Operations over the whole store: the bundled sample week and its demo, and the health check (doctor)."""
