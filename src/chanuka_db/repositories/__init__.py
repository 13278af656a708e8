"""Per-domain repositories and the unit of work: what services call."""
