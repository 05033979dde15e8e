"""Synthetic support floors for the benchmarks: a world of teams, agents and customers made
through the services, then cases cloned in bulk from templates the services wrote."""
