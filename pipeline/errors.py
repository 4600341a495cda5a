"""Small domain errors. The CLI turns them into one-line messages; the core never prints."""


class FieldnotesError(Exception):
    """Base class: str(error) is a complete, user-facing sentence saying what to do next."""


class IngestError(FieldnotesError):
    """A note file could not be read as text."""


class ModelError(FieldnotesError):
    """The local model could not be found, loaded or run."""


class NotFound(FieldnotesError):
    """The requested note, lead or task is not in the database."""


class GoldError(FieldnotesError):
    """An annotated gold file does not have the expected shape."""


class StoreError(FieldnotesError):
    """The database cannot be opened or written as asked."""


class QueryError(FieldnotesError):
    """A query the user wrote cannot be run (bad search syntax, bad date)."""


class BackendError(FieldnotesError):
    """A model server did not give a usable answer for one note (after retries); the batch goes on."""


class ConfigError(FieldnotesError):
    """The user's config file or a `config set` value is not valid."""
