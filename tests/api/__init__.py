"""Tests of the JSON API adapter (a package, so its modules have unique names)."""
