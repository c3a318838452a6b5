"""Clients: the dossier of legal entities and individuals, the classifier, the timeline."""
