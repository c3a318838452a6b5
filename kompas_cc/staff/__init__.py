"""Staff: users, roles, passwords, API tokens."""
