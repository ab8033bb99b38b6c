"""Human gates (issue 17): the typed policy values, the rule language over a call's input, and the pure matcher."""
