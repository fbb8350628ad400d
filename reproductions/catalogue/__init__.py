"""Registry entries per topic: metadata only, no torch imports."""
