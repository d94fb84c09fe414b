"""A whole run over many files: scan (read, prefilter), schedule (tasks for worker processes),
pool (the workers), finish (files that depend on the whole run, writing, the exit code), run."""
