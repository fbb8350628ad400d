"""Search: the index (tantivy), the query language, saved papers and recommendations."""
