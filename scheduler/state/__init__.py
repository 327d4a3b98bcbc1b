"""state.db: its schema and migrations, the rows it holds, its reads and writes."""
