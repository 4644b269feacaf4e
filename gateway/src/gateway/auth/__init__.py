"""Authentication: passwords, access tokens, and the principal behind a token."""
