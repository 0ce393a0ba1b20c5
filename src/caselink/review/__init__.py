"""Historical case review: import closed cases, score their priority with transparent,
versioned weights, work them in a queue, and report progress.

- `columns`, `casefile`: the closed-case file (CSV or Parquet) and reading it;
- `importing`: all-or-nothing, re-runnable import;
- `weights`, `scoring`, `links`, `priorities`: the priority score and its factors;
- `queue`, `reading`: claiming cases, outcomes, second-reviewer approval;
- `progress`: counts by band, status, force and outcome.
"""
