"""The survivor portal: a victim follows their own case in plain English, is given the updates
the Victims' Code entitles them to, and can ask for a decision not to charge to be reviewed
(the Victims' Right to Review scheme)."""
