"""A patient-education chatbot that answers only from trusted articles about cancer immunotherapy."""

__version__ = "0.1.0"
