"""Support code for the fixtures in tests/conftest.py; test modules get it through those fixtures."""
