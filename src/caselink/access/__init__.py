"""Identity and access: accounts, password hashing, (later) sessions and the policy."""
