"""Published statistics: aggregate tables with statistical disclosure control."""
