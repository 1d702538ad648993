"""Custom actions, written against rasa_sdk; `python -m rasa_sdk --actions actions` serves them."""
