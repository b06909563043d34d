"""kmskit cli layer."""
