"""One module per screen or dialog; each calls services, never builds SQL."""
