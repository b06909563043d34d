"""kmskit keystore layer."""
