"""Layer 7: the flow runner. ``run.FlowRunner`` runs a flow of a loaded project through a backend and reports
events and results as values; ``dry_run.dry_run`` previews each step's final input; ``records.RunRecords`` keeps runs.
"""
