"""Durable due-time jobs: the table, its queries and the loop; kompas_cc.scheduler is the door."""
