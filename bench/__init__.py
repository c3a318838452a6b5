"""Benchmarks of KOMPAS: seeding a big database, HTTP load, demo start-up. See README.md."""
