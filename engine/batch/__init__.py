"""A whole delivery: tasks, worker processes under the watchdog, the round, output files, pack tests and replay."""
