"""Database: typed ORM models, engine setup and migrations."""
