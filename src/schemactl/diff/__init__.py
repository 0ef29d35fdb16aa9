"""The diff engine: results' schema diff (adapter), what it misses (gaps, privileges), hazards, access changes and the review header."""
