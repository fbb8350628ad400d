"""Sources: adding, listing and changing them, and OPML import/export."""
