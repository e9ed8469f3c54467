"""Use cases shared by the CLI (and later the API and web app): parse, call the core, return."""
