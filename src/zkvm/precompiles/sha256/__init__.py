"""SHA256_COMPRESS (0x5A00): ``exec`` (executor semantics), ``air`` (tables), ``sdk.h``."""
