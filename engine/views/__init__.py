"""What people read: the explanation of a decision, the reports and the difference between two packs."""
