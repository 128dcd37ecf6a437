"""One conformance suite, run on every channel and database: a stream of real flows with
kill -9, send faults and a database outage, checked for losses and duplicates."""
