"""What people read: plots drawn from graders' figures (and, later, the class reports)."""
