"""KOMPAS: a contact-center CRM server."""

__version__ = "0.1.0"
