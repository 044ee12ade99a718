"""Reading sign-up, lock, apart and pin files into frozen records (pandas stays in here).

`load_cohort` reads a sign-up CSV into a Cohort, `read_requests` reads the coordinator's lock,
apart and pin files against it, and `parse_column_option` turns `--column FIELD=HEADER` values
into the mapping `load_cohort` takes. Every problem with a file is an InputError (exit 3) that
names the file, the row and the column.
"""

from empower_cli.ingest.cohort import load_cohort
from empower_cli.ingest.columns import parse_column_option
from empower_cli.ingest.requests import read_requests

__all__ = ["load_cohort", "parse_column_option", "read_requests"]
