"""kmskit envelope layer."""
