"""People across agencies: the NHS number as the consistent identifier, and person search."""
