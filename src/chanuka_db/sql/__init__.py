"""SQL and nothing else: statements on PyPika with bound parameters, monitoring, migrations."""
