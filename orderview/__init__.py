"""orderview core: settings, database, schemas and services. Imports neither Textual nor Rich."""

__version__ = "0.1.0"
