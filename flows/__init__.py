"""wirewash drivers: the direct runner and CLI (no Prefect import) and the Prefect flow."""
