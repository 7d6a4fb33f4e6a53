"""What is served from memory (the campaign index, recently seen users, rendered pages), and how
it follows the database (sync)."""
