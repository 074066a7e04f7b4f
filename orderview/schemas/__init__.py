"""Pydantic schemas for operator input: one module per area.

Services validate through them and turn pydantic's errors into ``FieldErrors`` (one message per
field) with ``orderview.schemas.common.parse``, so dialogs can show each next to its field.
"""
