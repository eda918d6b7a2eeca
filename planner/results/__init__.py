"""Results: the plan, its statuses, its tables' schema, reading a solved
model into them, the text renderer of tables, and the plan's files."""
