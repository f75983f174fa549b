"""Long work in the background: job rows (records), live progress (progress), and one
module per kind of work that starts a job and runs it (imports, dunning, mail,
reminders, statements)."""
