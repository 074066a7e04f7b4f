"""The service layer: the only code that reads or writes the database for screens and commands.

Every function takes a ``Database`` first. Writes take the operator (``actor``), run in one
transaction, check the optimistic version they were given, and record an audit event.
Results are plain frozen dataclasses (``orderview.services.views``), never ORM objects, so no
caller can lazy-load or write by accident.
"""
