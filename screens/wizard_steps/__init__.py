"""The issuing wizard's steps, one module each (mounted one at a time by ``IssueWizard``)."""
