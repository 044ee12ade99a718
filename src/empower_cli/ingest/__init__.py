"""Reading sign-up, lock, apart and pin files into frozen records (pandas stays in here).

`load_cohort` reads a sign-up CSV into a Cohort, `read_requests` reads every one of the
coordinator's requests against it (the lock, apart and pin files and the "placed with" column)
into one Requests record, and `parse_column_option` turns `--column FIELD=HEADER` values into the
mapping `load_cohort` takes. Every problem with a file is an InputError (exit 3) that
names the file, the row and the column.
"""

from empower_cli.ingest.cohort import load_cohort
from empower_cli.ingest.columns import parse_column_option
from empower_cli.ingest.requests import read_requests

__all__ = ["load_cohort", "parse_column_option", "read_requests"]
