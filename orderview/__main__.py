"""`python -m orderview` is the same as the `orderview` command."""

from orderview.cli import main

raise SystemExit(main())
