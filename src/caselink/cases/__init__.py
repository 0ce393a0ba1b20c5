"""Case files: finding and reading cases and person records, always through the policy."""
