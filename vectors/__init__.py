"""kmskit vectors layer."""
